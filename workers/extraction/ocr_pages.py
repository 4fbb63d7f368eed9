"""Pages of a PDF without a text layer, read by OCR, and their words placed in the document.

A page is rendered under the PDFium lock and recognised outside it, one page at a time, so a
long scan holds one page image in memory. After normalisation and the removal of page furniture
every OCR word is looked up again in its page's final text, in order: it must come next after
the previous word and any white space, so words of removed lines are not found and carry no
confidence.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence

import pypdfium2 as pdfium

from workers.extraction.document import Document, OcrSpan
from workers.extraction.errors import OcrFailedError
from workers.extraction.ocr_words import read_words
from workers.ocr import OcrEngine, OcrEngineError, OcrPage
from workers.ocr.render import has_ink, render_page
from workers.ocr.upright import page_box, read_upright


def ocr_pages(
    data: bytes, indexes: Sequence[int], engine: OcrEngine, lock: threading.Lock
) -> dict[int, OcrPage]:
    """OCR the pages at ``indexes`` (0-based) of the PDF ``data``; blank pages (no ink) are
    passed over."""
    read: dict[int, OcrPage] = {}
    for index in indexes:
        with lock:
            pdf = pdfium.PdfDocument(data)
            try:
                page = pdf[index]
                image = render_page(page) if has_ink(page) else None
                page.close()
            finally:
                pdf.close()
        if image is None:
            continue
        try:
            read[index] = read_words(read_upright(engine, image))
        except OcrEngineError as exc:
            raise OcrFailedError(f"OCR failed on page {index + 1}") from exc
    return read


def inked_pages(data: bytes, indexes: Sequence[int], lock: threading.Lock) -> list[int]:
    """The pages at ``indexes`` (0-based) of the PDF ``data`` that print anything."""
    inked: list[int] = []
    with lock:
        pdf = pdfium.PdfDocument(data)
        try:
            for index in indexes:
                page = pdf[index]
                if has_ink(page):
                    inked.append(index)
                page.close()
        finally:
            pdf.close()
    return inked


def with_ocr_words(
    doc: Document, read: Mapping[int, OcrPage], normalise: Callable[[str], str]
) -> Document:
    """``doc`` with the pages in ``read`` marked as OCR'd and their words, normalised as its
    text was, placed in its text."""
    spans: list[OcrSpan] = []
    ends = [*doc.page_starts[1:], len(doc.text) + 1]
    for index in sorted(read):
        start, end = doc.page_starts[index], ends[index] - 1
        spans.extend(_placed(doc.text[start:end], start, read[index], normalise))
    return Document(
        text=doc.text,
        page_starts=doc.page_starts,
        ocr_pages=tuple(index + 1 for index in sorted(read)),
        ocr_words=tuple(spans),
    )


def _placed(
    page_text: str, page_start: int, page: OcrPage, normalise: Callable[[str], str]
) -> list[OcrSpan]:
    spans: list[OcrSpan] = []
    cursor = 0
    for word in page.words:
        token = normalise(page.text[word.start : word.end]).strip()
        if not token:
            continue
        found = cursor
        while found < len(page_text) and page_text[found].isspace():
            found += 1
        if not page_text.startswith(token, found):
            continue
        cursor = found + len(token)
        spans.append(
            OcrSpan(page_start + found, page_start + cursor, word.confidence, page_box(word, page))
        )
    return spans
