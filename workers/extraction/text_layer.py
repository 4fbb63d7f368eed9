"""Turn PDF or plain-text bytes into a normalised :class:`Document`.

PDF text comes from PDFium (``pypdfium2``), which keeps the two-column letter header on one line
per row. Every page is normalised on its own, then pages are joined by form feeds; provenance
offsets index the joined, normalised text.
"""

from __future__ import annotations

import codecs
import itertools
import re
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

from workers.extraction.document import Document
from workers.extraction.errors import (
    CorruptDocumentError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncryptedDocumentError,
    NotALetterError,
    NoTextLayerError,
    OcrNeeded,
    UnsupportedMediaTypeError,
)
from workers.extraction.ocr_pages import inked_pages, ocr_pages, with_ocr_words
from workers.extraction.pdf_guard import DEFAULT_MAX_INFLATED_BYTES, check_inflated_size
from workers.ocr import OcrEngine, OcrPage

DEFAULT_MAX_OCR_PAGES = 20
"""Most pages without a text layer one document may have OCR'd (a page takes seconds)."""

PDF_MAGIC = b"%PDF-"
PAGE_BREAK = "\f"

# A page with fewer non-space characters than this carries no usable text (scan, blank page).
_MIN_PAGE_CHARS = 20

# PDFium is not thread-safe; a worker may extract from several threads.
_PDFIUM_LOCK = threading.Lock()

_CHAR_MAP = str.maketrans(
    {
        "\ufffe": "-",  # PDFium's marker for a hyphen at a line break
        "\u00ad": None,  # soft hyphen
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
        "\u00a0": " ",
        "\u1680": " ",
        "\u202f": " ",
        "\u205f": " ",
        "\u3000": " ",
        "\t": " ",
        "\v": "\n",
        "\u2028": "\n",
        "\u2029": "\n",
        "\u0085": "\n",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb05": "st",
        "\ufb06": "st",
        **{chr(c): " " for c in range(0x2000, 0x200B)},
    }
)
_TRAILING_SPACE = re.compile(r"[ ]+(?=\n|$)")


def normalise_text(text: str) -> str:
    """Normalise one page: line endings, odd spaces, ligatures, quotes, dashes, trailing spaces.

    Form feeds are not expected inside a page and become newlines.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace(PAGE_BREAK, "\n")
    text = text.translate(_CHAR_MAP)
    return _TRAILING_SPACE.sub("", text)


_PAGE_NUMBER = re.compile(r"(?:Page\s+\d+(?:\s+of\s+\d+)?|-\s*\d{1,3}\s*-|\d{1,3})", re.IGNORECASE)
_PAGE_OF = r"(?:Page|Pg\.?)\s*:?\s*\d+\s*(?:of|/)\s*\d+"
_PAGE_OF_AT_LINE_EDGE = re.compile(rf"^\s*{_PAGE_OF}\b\s*|\s*\b{_PAGE_OF}\s*$", re.IGNORECASE)
_CASE_NUMBER_LINE = re.compile(
    r"(?:(?:IMR\s+)?Case\s+(?:Number|No\.?|#)\s*:?\s*)?(CM\d{2}-\d{5,8})", re.IGNORECASE
)
_DIGITS = re.compile(r"\d+")
_FURNITURE_MAX_CHARS = 80
# How many lines deep a running header or footer may be stacked at one page edge.
_FURNITURE_DEPTH = 3
# How many opening lines of the first page are letterhead a running header may repeat.
_LETTERHEAD_LINES = 5


def strip_page_furniture(pages: Sequence[str]) -> list[str]:
    """Drop running headers and footers from normalised pages.

    "Page 2 of 3" is cut wherever it starts or ends a line, and a later page's line holding
    only the case number an earlier page states is dropped wherever it is. Up to three lines at
    the top and at the bottom of a page are furniture when they are a bare page number ("- 2 -",
    "2"), or the same short line (compared with digits ignored) that does not end a sentence,
    either holds a number (a case number, a form code) or starts with a capital letter and has
    two words or more, and stands at that edge on every page but possibly one (at the top, the
    first page's letterhead lines count). Letters repeat whole rationales, so other repeated
    lines are kept. The top of the first page is the letter's own header and always kept.
    """
    lines = _without_running_case_numbers([_without_page_of(page) for page in pages])
    for edge in (0, -1) if len(pages) > 1 else ():
        for _ in range(_FURNITURE_DEPTH):
            if not _strip_edge(lines, edge):
                break
    return ["\n".join(page_lines) for page_lines in lines]


def _without_page_of(page: str) -> list[str]:
    kept: list[str] = []
    for line in page.split("\n"):
        lowered = line.lower()  # "Page 2 of 3" holds "page" or "pg": no search without them
        has_page = "page" in lowered or "pg" in lowered
        without = _PAGE_OF_AT_LINE_EDGE.sub("", line) if has_page else line
        if without.strip() or not line.strip():
            kept.append(without)
    return kept


def _without_running_case_numbers(pages: list[list[str]]) -> list[list[str]]:
    kept: list[list[str]] = []
    seen = ""
    for page_lines in pages:
        lone = [_CASE_NUMBER_LINE.fullmatch(line.strip()) for line in page_lines]
        kept.append(
            [
                line
                for line, case in zip(page_lines, lone, strict=True)
                if case is None or case.group(1) not in seen
            ]
        )
        seen += "\n".join(page_lines)
    return kept


def _strip_edge(lines: list[list[str]], edge: int) -> bool:
    """Remove one furniture line at ``edge`` (0 top, -1 bottom) of every page that has one."""
    counts = Counter(_edge_key(page_lines, edge) for page_lines in lines[edge == 0 :])
    if edge == 0:
        counts.update(set(_letterhead_keys(lines[0])))
    repeated = {
        key
        for key, count in counts.items()
        if count >= max(2, len(lines) - 1) and _may_be_furniture(key)
    }
    removed = False
    for number, page_lines in enumerate(lines):
        index = _edge_index(page_lines, edge)
        if index is None or (edge == 0 and number == 0):
            continue
        line = page_lines[index].strip()
        if _PAGE_NUMBER.fullmatch(line) or _edge_key(page_lines, edge) in repeated:
            del page_lines[index]
            removed = True
    return removed


def _letterhead_keys(first_page: list[str]) -> list[str]:
    """Keys of the first page's opening lines, which a running header may repeat."""
    opening = [line.strip() for line in first_page if line.strip()][:_LETTERHEAD_LINES]
    return [_DIGITS.sub("#", line) for line in opening]


def _may_be_furniture(key: str) -> bool:
    if len(key) > _FURNITURE_MAX_CHARS or key.endswith((".", "?", "!", ",", ";", ":")):
        return False
    return "#" in key or (key[:1].isupper() and len(key.split()) > 1)


def _edge_index(lines: list[str], edge: int) -> int | None:
    order = range(len(lines)) if edge == 0 else range(len(lines) - 1, -1, -1)
    return next((index for index in order if lines[index].strip()), None)


def _edge_key(lines: list[str], edge: int) -> str:
    index = _edge_index(lines, edge)
    return "" if index is None else _DIGITS.sub("#", lines[index].strip())


def document_from_pages(pages: Sequence[str]) -> Document:
    """Normalise each page, drop running headers and footers, and join pages with form feeds."""
    if not pages:
        raise NotALetterError("document has no pages")
    starts: list[int] = []
    parts: list[str] = []
    offset = 0
    for normalised in strip_page_furniture([normalise_text(page) for page in pages]):
        starts.append(offset)
        parts.append(normalised)
        offset += len(normalised) + len(PAGE_BREAK)
    return Document(text=PAGE_BREAK.join(parts), page_starts=tuple(starts))


@dataclass(frozen=True, slots=True)
class ReadElsewhere:
    """OCR done by another stage: the pages it read (0-based index -> page), or ``None`` when it
    has not read them yet, in which case :class:`OcrNeeded` is raised for a scan."""

    pages: Mapping[int, OcrPage] | None = None


def read_pdf(
    data: bytes,
    *,
    max_pages: int | None = None,
    max_inflated_bytes: int = DEFAULT_MAX_INFLATED_BYTES,
    ocr: OcrEngine | ReadElsewhere | None = None,
    max_ocr_pages: int = DEFAULT_MAX_OCR_PAGES,
) -> Document:
    """Extract the text layer of a PDF whose Flate streams inflate to at most
    ``max_inflated_bytes`` (checked before PDFium sees the document).

    With an ``ocr`` engine, the pages without a text layer (at most ``max_ocr_pages``) are read
    by OCR and the document records which pages and words came from it; with
    :class:`ReadElsewhere`, they are taken from it (or :class:`OcrNeeded` is raised for those
    that print anything: blank pages need no OCR).

    Raises EncryptedDocumentError, CorruptDocumentError, DocumentTooLargeError, NoTextLayerError.
    """
    pages, scanned = _text_layer(data, max_pages, max_inflated_bytes)
    if ocr is None or not scanned:
        if len(scanned) == len(pages):
            raise NoTextLayerError(f"none of the {len(pages)} page(s) has a text layer")
        return document_from_pages(pages)
    _check_ocr_pages(scanned, max_ocr_pages)
    if isinstance(ocr, ReadElsewhere):
        if ocr.pages is not None:
            read = {index: page for index, page in ocr.pages.items() if index in scanned}
        elif inked := inked_pages(data, scanned, _PDFIUM_LOCK):
            raise OcrNeeded(tuple(inked))
        else:
            read = {}  # blank pages only: nothing to read, no trip through OCR
    else:
        read = ocr_pages(data, scanned, ocr, _PDFIUM_LOCK)
    texts = [read[index].text if index in read else page for index, page in enumerate(pages)]
    if not any(_has_text(text) for text in texts):
        raise NoTextLayerError(f"none of the {len(pages)} page(s) has a text layer or OCR text")
    return with_ocr_words(document_from_pages(texts), read, normalise_text)


def read_scanned_pages(
    data: bytes,
    engine: OcrEngine,
    *,
    max_pages: int | None = None,
    max_inflated_bytes: int = DEFAULT_MAX_INFLATED_BYTES,
    max_ocr_pages: int = DEFAULT_MAX_OCR_PAGES,
) -> dict[int, OcrPage]:
    """OCR the pages of the PDF ``data`` that have no text layer (0-based index -> page; blank
    pages are left out), under the limits :func:`read_pdf` applies."""
    _, scanned = _text_layer(data, max_pages, max_inflated_bytes)
    _check_ocr_pages(scanned, max_ocr_pages)
    return ocr_pages(data, scanned, engine, _PDFIUM_LOCK)


def _text_layer(
    data: bytes, max_pages: int | None, max_inflated_bytes: int
) -> tuple[list[str], list[int]]:
    """Each page's text layer, and the indexes of the pages that have none."""
    check_inflated_size(data, max_inflated_bytes)
    with _PDFIUM_LOCK:
        pages = _pdf_page_texts(data, max_pages)
    return pages, [index for index, page in enumerate(pages) if not _has_text(page)]


def _check_ocr_pages(scanned: list[int], max_ocr_pages: int) -> None:
    if len(scanned) > max_ocr_pages:
        raise DocumentTooLargeError(f"{len(scanned)} pages need OCR, the limit is {max_ocr_pages}")


def _has_text(page: str) -> bool:
    return len("".join(page.split())) >= _MIN_PAGE_CHARS


def _pdf_page_texts(data: bytes, max_pages: int | None) -> list[str]:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        # PDFium also refuses a document without pages, and then reports whatever error the
        # previous load left behind: only a PDF with an /Encrypt entry is really encrypted.
        password = exc.err_code in (pdfium_raw.FPDF_ERR_PASSWORD, pdfium_raw.FPDF_ERR_SECURITY)
        if password and b"/Encrypt" in data:
            raise EncryptedDocumentError("PDF needs a password") from exc
        raise CorruptDocumentError("PDF cannot be parsed") from exc
    try:
        count = len(pdf)
        if count == 0:
            raise CorruptDocumentError("PDF has no pages")
        if max_pages is not None and count > max_pages:
            raise DocumentTooLargeError(f"PDF has {count} pages, the limit is {max_pages}")
        texts: list[str] = []
        for index in range(count):
            page = pdf[index]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return texts
    except pdfium.PdfiumError as exc:
        raise CorruptDocumentError("PDF page cannot be read") from exc
    finally:
        pdf.close()


# Signatures of binary formats that are sometimes stored under a document's name.
_BINARY_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
    b"PK\x03\x04",  # ZIP (also DOCX, XLSX)
    b"PK\x05\x06",  # empty ZIP
    b"\x1f\x8b",  # gzip
    b"\xd0\xcf\x11\xe0",  # OLE (legacy Office)
)
_SNIFF_BYTES = 4096
# Control characters text does not hold: C0 except tab, line feed, vertical tab, form feed,
# carriage return, SUB (a DOS end-of-file mark) and escape.
_NOT_CONTROL = bytes(set(range(256)) - set(range(0x20)) | set(b"\t\n\v\f\r\x1a\x1b"))
_MAX_CONTROL_RATIO = 0.05


def has_binary_magic(data: bytes) -> bool:
    """Whether ``data`` starts with the signature of a known binary format (image, archive)."""
    return data.startswith(_BINARY_MAGIC)


def decode_text(data: bytes) -> str:
    """Decode plain text: UTF-16 with a byte-order mark, UTF-8 (with or without BOM), else
    cp1252, else latin-1.

    Raises UnsupportedMediaTypeError for binary data: a known image or archive signature, NUL
    bytes outside UTF-16, more than 5% control characters, or invalid UTF-16.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnsupportedMediaTypeError("input is not valid UTF-16 text") from exc
    head = data[:_SNIFF_BYTES]
    controls = len(head.translate(None, _NOT_CONTROL))
    if has_binary_magic(data) or b"\x00" in head or controls > _MAX_CONTROL_RATIO * len(head):
        raise UnsupportedMediaTypeError("input is binary, not text")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


_DOUBLED_LINE_BREAK = re.compile(r"\n\n")


def undouble_line_breaks(text: str) -> str:
    """Undo text exports that put a blank line after every line.

    Applies only when no two non-blank lines are adjacent anywhere in the text; a run of ``2n``
    line breaks then becomes ``n``.
    """
    lines = text.split("\n")
    if len(lines) < 8:
        return text
    adjacent = sum(1 for a, b in itertools.pairwise(lines) if a.strip() and b.strip())
    if adjacent:
        return text
    return _DOUBLED_LINE_BREAK.sub("\n", text)


def read_text(data: bytes, *, max_pages: int | None = None) -> Document:
    """Plain text: form feeds separate pages.

    Raises EmptyDocumentError for blank text, UnsupportedMediaTypeError for binary input.
    """
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise EmptyDocumentError("input has no text")
    pages = [undouble_line_breaks(_strip_lines(page)) for page in text.split(PAGE_BREAK)]
    if max_pages is not None and len(pages) > max_pages:
        raise DocumentTooLargeError(f"text has {len(pages)} pages, the limit is {max_pages}")
    return document_from_pages(pages)


def _strip_lines(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.split("\n"))


def load_document(
    data: bytes,
    *,
    media_type: str | None = None,
    max_pages: int | None = None,
    max_inflated_bytes: int = DEFAULT_MAX_INFLATED_BYTES,
    ocr: OcrEngine | ReadElsewhere | None = None,
) -> Document:
    """Read PDF (sniffed by ``%PDF-`` in the first KiB) or plain-text bytes into a Document.

    The content is trusted over ``media_type``: text stored as ``application/pdf`` is read as
    text. Empty input is an EmptyDocumentError and binary input an UnsupportedMediaTypeError,
    except binary data of no known format declared as a PDF, which is a CorruptDocumentError.
    """
    if not data.strip():
        raise EmptyDocumentError("input is empty")
    if PDF_MAGIC in data[:1024]:
        return read_pdf(data, max_pages=max_pages, max_inflated_bytes=max_inflated_bytes, ocr=ocr)
    try:
        return read_text(data, max_pages=max_pages)
    except UnsupportedMediaTypeError as exc:
        declared_pdf = media_type is not None and "pdf" in media_type.lower()
        if declared_pdf and not has_binary_magic(data):
            raise CorruptDocumentError("declared as PDF but has no PDF header") from exc
        raise
