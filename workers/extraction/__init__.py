"""Extraction: letter bytes -> :class:`~schemas.letter.LetterRecord`.

``extract(data)`` reads PDF or plain-text bytes, detects the letter layout and parses it. It
raises a subclass of :class:`ExtractionError` (with a stable ``reason`` code) for anything that
is not a parseable IMR Final Determination Letter. No I/O other than decoding the given bytes.
"""

from __future__ import annotations

from typing import Literal

from schemas.letter import LetterRecord
from workers.extraction.document import Document
from workers.extraction.errors import (
    CorruptDocumentError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncryptedDocumentError,
    ExtractionError,
    NotALetterError,
    NoTextLayerError,
    OcrFailedError,
    OcrNeeded,
    UnknownLayoutError,
    UnsupportedMediaTypeError,
)
from workers.extraction.layouts import detect
from workers.extraction.ocr_confidence import apply_ocr_confidence
from workers.extraction.pdf_guard import DEFAULT_MAX_INFLATED_BYTES
from workers.extraction.text_layer import ReadElsewhere, load_document, read_scanned_pages
from workers.ocr import OcrEngine, default_engine

EXTRACTOR_VERSION = "imr-extractor/0.1.0"

__all__ = [
    "EXTRACTOR_VERSION",
    "CorruptDocumentError",
    "Document",
    "DocumentTooLargeError",
    "EmptyDocumentError",
    "EncryptedDocumentError",
    "ExtractionError",
    "NoTextLayerError",
    "NotALetterError",
    "OcrFailedError",
    "OcrNeeded",
    "ReadElsewhere",
    "UnknownLayoutError",
    "UnsupportedMediaTypeError",
    "extract",
    "extract_document",
    "load_document",
    "read_scanned_pages",
]


def extract(
    data: bytes,
    *,
    media_type: str | None = None,
    max_pages: int | None = None,
    max_inflated_bytes: int = DEFAULT_MAX_INFLATED_BYTES,
    ocr: OcrEngine | ReadElsewhere | Literal["default"] | None = "default",
) -> LetterRecord:
    """Extract one letter from PDF (sniffed by ``%PDF-``) or plain-text bytes.

    PDF pages without a text layer are read by ``ocr``: by default the installed engine
    (:func:`workers.ocr.default_engine`); ``None`` (or no engine installed) leaves a scan a
    :class:`NoTextLayerError`; :class:`ReadElsewhere` takes the pages another stage read, or
    raises :class:`OcrNeeded` for them.
    """
    doc = load_document(
        data,
        media_type=media_type,
        max_pages=max_pages,
        max_inflated_bytes=max_inflated_bytes,
        ocr=default_engine() if ocr == "default" else ocr,
    )
    return extract_document(doc)


def extract_document(doc: Document) -> LetterRecord:
    """Detect the layout of an already loaded document and parse it; fields read from OCR text
    take their words' confidence."""
    return apply_ocr_confidence(detect(doc).parse(doc), doc)
