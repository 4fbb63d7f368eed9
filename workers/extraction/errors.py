"""Typed reasons a document cannot become a letter record."""

from __future__ import annotations


class OcrNeeded(Exception):
    """The PDF has pages without a text layer and OCR is done by another stage: ``pages`` are
    their 0-based indexes."""

    def __init__(self, pages: tuple[int, ...]) -> None:
        super().__init__(f"{len(pages)} page(s) need OCR")
        self.pages = pages


class ExtractionError(Exception):
    """Base class: the document cannot be turned into a record. ``reason`` is a stable code."""

    reason = "extraction_failed"


class EmptyDocumentError(ExtractionError):
    """No bytes at all, or only whitespace."""

    reason = "empty_document"


class UnsupportedMediaTypeError(ExtractionError):
    """Bytes that are neither a PDF nor text (an image, an archive, other binary data)."""

    reason = "unsupported_media_type"


class NotALetterError(ExtractionError):
    """The text is readable but is not an IMR Final Determination Letter."""

    reason = "not_an_imr_letter"


class UnknownLayoutError(ExtractionError):
    """Looks like an IMR letter but matches no known layout well enough to parse."""

    reason = "unknown_layout"


class NoTextLayerError(ExtractionError):
    """A PDF without extractable text (a scan or image-only document)."""

    reason = "no_text_layer"


class EncryptedDocumentError(ExtractionError):
    """A PDF that cannot be opened without a password."""

    reason = "encrypted"


class CorruptDocumentError(ExtractionError):
    """Bytes that claim to be a PDF but cannot be parsed."""

    reason = "corrupt_document"


class DocumentTooLargeError(ExtractionError):
    """More pages, bytes or inflated stream bytes than the configured limits allow."""

    reason = "too_large"


class OcrFailedError(ExtractionError):
    """A page without a text layer could not be read by OCR (the engine failed or timed out)."""

    reason = "ocr_failed"
