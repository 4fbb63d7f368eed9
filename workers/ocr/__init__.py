"""OCR for pages without a text layer: page images in, page text with word confidences out.

:func:`default_engine` returns the Tesseract engine when the ``tesseract`` program and its
English data are installed, else ``None`` (scans are then dead-lettered as ``no_text_layer``).
"""

from __future__ import annotations

from workers.ocr.engine import OcrEngine, OcrPage, OcrWord, PageImage
from workers.ocr.tesseract import OcrEngineError, TesseractEngine, default_engine

__all__ = [
    "OcrEngine",
    "OcrEngineError",
    "OcrPage",
    "OcrWord",
    "PageImage",
    "TesseractEngine",
    "default_engine",
]
