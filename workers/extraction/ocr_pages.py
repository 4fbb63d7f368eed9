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
from workers.extraction.vocabulary import HEADER_LABEL_WORDS, closest
from workers.ocr import OcrEngine, OcrEngineError, OcrPage, OcrWord
from workers.ocr.render import has_ink, render_page


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
            read[index] = with_label_words(engine.read_page(image))
        except OcrEngineError as exc:
            raise OcrFailedError(f"OCR failed on page {index + 1}") from exc
    return read


# Shortest word matched to a label, and the most edits allowed per this many characters.
_MIN_LABEL_CHARS = 7
_CHARS_PER_EDIT = 4


def with_label_words(page: OcrPage) -> OcrPage:
    """``page`` with words that are a slightly misread header label (``Certitication(s)/
    Specialty:``) spelled as the label, so the parsers find it; the word keeps its confidence.
    Only words that end like a label (a colon, or a semicolon misread for one) are matched,
    never prose."""
    parts: list[str] = []
    words: list[OcrWord] = []
    cursor = shift = 0
    for word in page.words:
        text = page.text[word.start : word.end]
        if _may_be_label(text):
            text = closest(text, HEADER_LABEL_WORDS, len(text) // _CHARS_PER_EDIT) or text
        parts.append(page.text[cursor : word.start])
        start = word.start + shift
        parts.append(text)
        shift += len(text) - (word.end - word.start)
        cursor = word.end
        words.append(OcrWord(start, start + len(text), word.confidence, word.box))
    parts.append(page.text[cursor:])
    return OcrPage(text="".join(parts), words=tuple(words))


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
        spans.append(OcrSpan(page_start + found, page_start + cursor, word.confidence))
    return spans


def _may_be_label(text: str) -> bool:
    return len(text) >= _MIN_LABEL_CHARS and text[-1] in ":;" and text not in HEADER_LABEL_WORDS
