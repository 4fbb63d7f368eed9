"""What the console shows of a letter: page images with the fields' provenance boxed, or for a
text letter its pages with the provenance marked. On a page read by OCR, the boxes are those
of the OCR words under the provenance.

Provenance offsets index the normalised text (``workers.extraction.text_layer``), which drops
page furniture and changes some characters, so an offset is not a PDFium character index. A
field's text is found again on its page instead: both sides are normalised character by
character and compared without white space, and of several occurrences the one nearest the
offset's place on the page wins. Its characters' boxes, merged per line, are the highlight.
"""

from __future__ import annotations

import io
import itertools
import threading
from collections.abc import Mapping
from dataclasses import dataclass

import pypdfium2 as pdfium

from schemas.letter import Provenance
from workers.extraction.document import Document
from workers.extraction.text_layer import PAGE_BREAK, PDF_MAGIC, load_document, normalise_text
from workers.ocr import default_engine

RENDER_SCALE = 1.5
"""Pixels per PDF point of the page images (108 dpi)."""
_PDFIUM_LOCK = threading.Lock()  # PDFium is not thread-safe; requests run on a thread pool


@dataclass(frozen=True, slots=True)
class Box:
    """A highlight on a page, as fractions of the page's width and height from its top left."""

    page: int
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of a text page and the fields whose provenance covers it."""

    text: str
    fields: tuple[str, ...]


def is_pdf(data: bytes) -> bool:
    return PDF_MAGIC in data[:1024]


def render_page(data: bytes, page: int, scale: float = RENDER_SCALE) -> bytes:
    """Page ``page`` (1-based) of a PDF as PNG; raises IndexError for a page it lacks."""
    with _PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(data)
        try:
            if not 1 <= page <= len(pdf):
                raise IndexError(page)
            image = pdf[page - 1].render(scale=scale).to_pil()
        finally:
            pdf.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def pdf_highlights(data: bytes, provenance: Mapping[str, Provenance]) -> dict[str, list[Box]]:
    """Field -> boxes of its provenance on its page (fields not found there are left out).
    Pages without a text layer are read by the installed OCR engine, as extraction read them."""
    document = load_document(data, ocr=default_engine())
    found: dict[str, list[Box]] = {}
    with _PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(data)
        try:
            pages: dict[int, tuple[pdfium.PdfTextPage, list[int], str, float, float]] = {}
            for name, where in provenance.items():
                if not 1 <= where.page <= len(pdf):
                    continue
                if where.page not in pages:
                    page = pdf[where.page - 1]
                    textpage = page.get_textpage()
                    flat, origin = _flatten(textpage.get_text_range())
                    width, height = page.get_size()
                    pages[where.page] = (textpage, origin, flat, width, height)
                textpage, origin, flat, width, height = pages[where.page]
                if where.page in document.ocr_pages:
                    boxes = [
                        _pdf_box(box, width, height)
                        for box in document.ocr_boxes(where.start, where.end)
                    ]
                    found[name] = _merge_lines(where.page, boxes, width, height)
                    continue
                span = _locate(document, where, flat)
                if span is None:
                    continue
                chars = [origin[index] for index in range(*span)]
                boxes = [textpage.get_charbox(index) for index in chars]
                found[name] = _merge_lines(where.page, boxes, width, height)
        finally:
            pdf.close()
    return found


def _pdf_box(
    box: tuple[float, float, float, float], width: float, height: float
) -> tuple[float, float, float, float]:
    """A box in page fractions from the top left as PDF points (left, bottom, right, top)."""
    left, top, box_width, box_height = box
    return (
        left * width,
        (1 - top - box_height) * height,
        (left + box_width) * width,
        (1 - top) * height,
    )


def _flatten(raw: str) -> tuple[str, list[int]]:
    """The page text normalised character by character without white space, and for each of
    its characters the PDFium index it came from."""
    flat: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(raw):
        for out in normalise_text(char):
            if not out.isspace():
                flat.append(out)
                origin.append(index)
    return "".join(flat), origin


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _locate(document: Document, where: Provenance, flat: str) -> tuple[int, int] | None:
    """``[start, end)`` in ``flat`` of the provenance's text on its page."""
    page_start = document.page_starts[where.page - 1]
    target = _squeezed(document.text[where.start : where.end].split(PAGE_BREAK)[0])
    if not target:
        return None
    expected = len(_squeezed(document.text[page_start : where.start]))
    best: int | None = None
    position = flat.find(target)
    while position >= 0:
        if best is None or abs(position - expected) < abs(best - expected):
            best = position
        position = flat.find(target, position + 1)
    return None if best is None else (best, best + len(target))


def _merge_lines(
    page: int, boxes: list[tuple[float, float, float, float]], width: float, height: float
) -> list[Box]:
    """One box per line of characters (PDF boxes are left, bottom, right, top from the bottom)."""
    lines: list[list[float]] = []
    for left, bottom, right, top in boxes:
        if right <= left or top <= bottom:
            continue
        current = lines[-1] if lines else None
        same_line = (
            current is not None
            and abs(bottom - current[1]) < (top - bottom) / 2
            and left >= current[0] - 1
        )
        if current is not None and same_line:
            current[2], current[3] = max(current[2], right), max(current[3], top)
            current[1] = min(current[1], bottom)
        else:
            lines.append([left, bottom, right, top])
    return [
        Box(page, left / width, 1 - top / height, (right - left) / width, (top - bottom) / height)
        for left, bottom, right, top in lines
    ]


def text_pages(data: bytes, provenance: Mapping[str, Provenance]) -> list[list[Segment]]:
    """The normalised pages of a text letter, cut where a field's provenance starts or ends."""
    document = load_document(data)
    ends = [*document.page_starts[1:], len(document.text) + len(PAGE_BREAK)]
    pages: list[list[Segment]] = []
    for start, end in zip(document.page_starts, ends, strict=True):
        stop = end - len(PAGE_BREAK)
        cuts = {start, stop}
        for where in provenance.values():
            cuts.update(min(max(offset, start), stop) for offset in (where.start, where.end))
        ordered = sorted(cuts)
        segments = []
        for left, right in itertools.pairwise(ordered):
            covering = tuple(
                sorted(name for name, p in provenance.items() if p.start <= left and right <= p.end)
            )
            segments.append(Segment(document.text[left:right], covering))
        pages.append(segments)
    return pages
