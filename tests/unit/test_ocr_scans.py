"""Scanned copies of fixture letters, made at test time, read through Tesseract.

Skipped when the ``tesseract`` program is not installed (``scripts/test`` installs it in CI).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from schemas.letter import Provenance
from tests.fixtures.scans import faxed, image_pdf, page_images, scanned
from workers.console.pages import Box, pdf_highlights
from workers.extraction import NoTextLayerError, extract, load_document
from workers.extraction.ocr_confidence import OCR_PAGES
from workers.ocr import default_engine
from workers.validation import validate

PDFS = Path(__file__).resolve().parents[1] / "fixtures" / "pdf"
ENGINE = default_engine()

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(ENGINE is None, reason="tesseract with English data is not installed"),
]

KEY_FIELDS = ("case_number", "date_assigned", "date_of_injury", "decision_date", "ur_denial_date")


def _letter(name: str) -> bytes:
    return (PDFS / name).read_bytes()


def test_scanned_letter_reads_right_or_goes_to_review() -> None:
    text_record = extract(_letter("a2016_three_items.pdf"), ocr=None)
    record = extract(scanned(_letter("a2016_three_items.pdf")))
    assert any(w.code == OCR_PAGES for w in record.warnings)
    result = validate(record)
    wrong = [name for name in KEY_FIELDS if getattr(record, name) != getattr(text_record, name)]
    outcomes = [item.outcome for item in record.items]
    assert outcomes == [item.outcome for item in text_record.items]
    if wrong:
        flagged = {reason.field for reason in result.reasons}
        assert result.status == "needs_review" and set(wrong) <= flagged
    else:
        assert result.status in ("valid", "needs_review")


def _right_or_flagged(scan: bytes, text_pdf: bytes) -> list[str]:
    """The key fields ``scan`` reads wrong; fails when one of them is not flagged for review."""
    text_record = extract(text_pdf, ocr=None)
    record = extract(scan)
    result = validate(record)
    wrong = [name for name in KEY_FIELDS if getattr(record, name) != getattr(text_record, name)]
    wrong += [
        f"items[{index}]"
        for index, (got, want) in enumerate(zip(record.items, text_record.items, strict=False))
        if (got.outcome, got.treatment) != (want.outcome, want.treatment)
    ]
    if wrong or len(record.items) != len(text_record.items):
        assert result.status == "needs_review", wrong
    return wrong


@pytest.mark.parametrize("quarter_turns", [1, 2])
def test_a_page_fed_in_sideways_or_upside_down_is_read_upright(quarter_turns: int) -> None:
    letter = _letter("a2016_three_items.pdf")
    assert _right_or_flagged(scanned(letter, quarter_turns={0: quarter_turns}), letter) == []


def test_a_fax_copy_reads_right_or_goes_to_review() -> None:
    letter = _letter("a2016_three_items.pdf")
    _right_or_flagged(faxed(letter), letter)


def test_mixed_pdf_reads_only_the_scanned_page_by_ocr() -> None:
    text_pdf = _letter("a2016_three_items.pdf")
    scan = PdfReader(io.BytesIO(scanned(text_pdf, tilt=0.0, noise=0.0)))
    writer = PdfWriter()
    writer.add_page(PdfReader(io.BytesIO(text_pdf)).pages[0])
    writer.add_page(scan.pages[1])
    out = io.BytesIO()
    writer.write(out)
    doc = load_document(out.getvalue(), ocr=ENGINE)
    assert doc.ocr_pages == (2,)
    assert all(doc.page_of(word.start) == 2 for word in doc.ocr_words)
    record = extract(out.getvalue())
    assert record.case_number == extract(text_pdf, ocr=None).case_number


def test_blank_scanned_page_is_no_text_layer_and_without_ocr_a_scan_is_too() -> None:
    blank = page_images(_letter("a2016_three_items.pdf"))[0].point(lambda _: 255)
    with pytest.raises(NoTextLayerError):
        extract(image_pdf([blank]))
    with pytest.raises(NoTextLayerError):
        extract(scanned(_letter("c_upheld.pdf")), ocr=None)


@pytest.mark.parametrize("quarter_turns", [0, 2])
def test_a_scanned_field_is_boxed_where_the_text_letter_prints_it(quarter_turns: int) -> None:
    text_pdf = _letter("a2016_three_items.pdf")
    scan = scanned(text_pdf, quarter_turns={0: quarter_turns})
    fields = ("case_number", "decision_date")
    text_boxes = pdf_highlights(text_pdf, _provenance(text_pdf, fields))
    scan_boxes = pdf_highlights(scan, _provenance(scan, fields))
    for field in fields:
        left, top, right, bottom = _outline(text_boxes[field])
        # An upside-down page lies upside down in the PDF too, and is shown so.
        want = (
            (left, top, right, bottom)
            if not quarter_turns
            else (1 - right, 1 - bottom, 1 - left, 1 - top)
        )
        # The scan is tilted half a degree: a box may move by a few thousandths of the page.
        assert _outline(scan_boxes[field]) == pytest.approx(want, abs=0.01)


def _outline(boxes: list[Box]) -> tuple[float, float, float, float]:
    """Left, top, right and bottom of all ``boxes`` together."""
    assert boxes and all(box.page == 1 for box in boxes)
    return (
        min(box.left for box in boxes),
        min(box.top for box in boxes),
        max(box.left + box.width for box in boxes),
        max(box.top + box.height for box in boxes),
    )


def _provenance(data: bytes, fields: tuple[str, ...]) -> dict[str, Provenance]:
    record = extract(data)
    return {field: record.provenance[field] for field in fields}
