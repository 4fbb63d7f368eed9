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


_INK_DPI: Final = 36
_INK_LEVEL: Final = 128
"""A pixel darker than this (0-255 grey) is ink."""
_MIN_INK_SHARE: Final = 0.0005
"""A page with less ink than this share of its pixels is blank: nothing to read."""


def has_ink(page: pdfium.PdfPage) -> bool:
    """Whether ``page`` prints anything, judged on a coarse grey render (cheap next to OCR)."""
    image = render_page(page, _INK_DPI)
    dark = sum(1 for value in image.pixels if value < _INK_LEVEL)
    return dark >= _MIN_INK_SHARE * max(len(image.pixels), 1)
