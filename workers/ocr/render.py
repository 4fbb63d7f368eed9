"""PDF page -> grey :class:`PageImage` through PDFium."""

from __future__ import annotations

from typing import Final

import pypdfium2 as pdfium

from workers.ocr.engine import PageImage

RENDER_DPI: Final = 300
_PDF_UNITS_PER_INCH: Final = 72


def render_page(page: pdfium.PdfPage, dpi: int = RENDER_DPI) -> PageImage:
    """Render ``page`` in 8-bit grey at ``dpi``."""
    bitmap = page.render(scale=dpi / _PDF_UNITS_PER_INCH, grayscale=True)
    try:
        width, height, stride = bitmap.width, bitmap.height, bitmap.stride
        channels = bitmap.n_channels
        buffer = bytes(bitmap.buffer)
    finally:
        bitmap.close()
    rows = (buffer[row * stride : row * stride + width * channels] for row in range(height))
    pixels = b"".join(rows)
    if channels > 1:
        # PDFium returns BGR(x) when it cannot give grey directly; grey renders have B=G=R.
        pixels = pixels[::channels]
    return PageImage(width=width, height=height, dpi=dpi, pixels=pixels)
