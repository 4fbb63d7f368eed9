"""Item headings located in whole letters: wraps, page breaks and both partial phrasings."""

from __future__ import annotations

from schemas.letter import LetterRecord
from tests.unit.test_extraction_layout_a import HEADER_2016
from workers.extraction import extract_document
from workers.extraction.text_layer import document_from_pages
from workers.validation import validate

FIELDS = (
    "Claims Administrator guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016,\n"
    "Section(s): Opioids.\n"
    "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s):\n"
    "Opioids.\n"
)
FIRST = (
    "Norco 10/325mg #60: Upheld\n" + FIELDS + "Decision rationale: The records show no functional\n"
    "benefit from this medication over the last several months of treatment with it at all.\n"
    "Therefore, the request for Norco 10/325mg #60 is not medically necessary.\n"
)


def _record(*pages: str) -> LetterRecord:
    return extract_document(document_from_pages([HEADER_2016 + "\n" + pages[0], *pages[1:]]))


def _second(heading: str, verdict: str) -> str:
    return (
        heading
        + "\n"
        + FIELDS
        + "Decision rationale: The records were reviewed in full.\n"
        + verdict
    )


def test_a_heading_whose_last_line_is_one_word_is_read_whole() -> None:
    record = _record(
        FIRST
        + _second(
            "EMG (electromyography)/NCV (nerve conduction velocity) of the bilateral upper\n"
            "extremities: Overturned",
            "The request for EMG/NCV of the bilateral upper extremities is medically necessary.",
        )
    )
    assert record.items[1].treatment == (
        "EMG (electromyography)/NCV (nerve conduction velocity) of the bilateral upper extremities"
    )
    assert record.items[1].confidence["treatment"] == 1.0
    assert validate(record).status == "valid"


def test_a_page_break_inside_a_heading_keeps_its_start() -> None:
    record = _record(
        FIRST + "Magnetic resonance imaging (MRI) of the lumbar spine without contrast for",
        _second(
            "the low back: Upheld",
            "The request for MRI of the lumbar spine is not medically necessary.",
        ),
    )
    assert record.items[1].treatment == (
        "Magnetic resonance imaging (MRI) of the lumbar spine without contrast for the low back"
    )


def test_the_second_partial_phrasing_across_a_page_break() -> None:
    record = _record(
        FIRST
        + "Purchase of a bath/shower chair was the original request. The Claims Administrator\n"
        "authorized a bath/shower chair for 1 month, leaving the original request IMR eligible.\n"
        "The original",
        _second(
            "request, purchase of a bath/shower chair is: Upheld",
            "The request for a bath/shower chair purchase is not medically necessary.",
        ),
    )
    item = record.items[1]
    assert item.treatment.startswith("Purchase of a bath/shower chair was the original request.")
    assert item.partial_certification is not None
    assert item.partial_certification.authorized == "a bath/shower chair for 1 month"
    assert item.partial_certification.remaining == "purchase of a bath/shower chair"
    assert validate(record).status == "valid"


def test_a_heading_that_lost_its_start_is_flagged_not_published() -> None:
    """Half a partial heading with no original-request sentence anywhere before it."""
    record = _record(
        FIRST
        + _second(
            "original request, Three refills of Voltaren gel 1% is: Upheld",
            "The request for Voltaren gel 1% with three refills is not medically necessary.",
        )
    )
    result = validate(record)
    assert result.status == "needs_review"
    assert {reason.code for reason in result.reasons} >= {"item.treatment_fragment"}
    assert record.items[1].confidence["treatment"] < 0.6


def test_a_rationale_naming_another_request_flags_the_item() -> None:
    record = _record(
        FIRST
        + _second(
            "Office visit: Overturned",
            "The request for a partial hospitalization program is medically necessary.",
        )
    )
    result = validate(record)
    assert {(reason.code, reason.field) for reason in result.reasons} == {
        ("item.treatment_disagrees_with_rationale", "items[1].treatment"),
        ("confidence.low", "items[1].treatment"),
    }


def test_a_short_first_line_after_a_finished_sentence_opens_the_heading() -> None:
    record = _record(
        FIRST
        + _second(
            "Daily\nRN visits for 4 weeks for wound care and monitoring of wound healing: Upheld",
            "The request for daily RN visits is not medically necessary.",
        )
    )
    assert record.items[1].treatment == (
        "Daily RN visits for 4 weeks for wound care and monitoring of wound healing"
    )


def test_a_line_break_before_a_page_break_is_not_a_blank_line() -> None:
    record = _record(
        FIRST + "MRI scan of\n",
        _second("the cervical spine: Upheld", "The request for MRI is not medically necessary."),
    )
    assert record.items[1].treatment == "MRI scan of the cervical spine"


def test_a_last_line_opening_with_a_mark_continues_the_heading() -> None:
    record = _record(
        FIRST
        + _second(
            "Physical therapy to the lumbar spine 2 times a week for 2 weeks\n(4): Upheld",
            "The request for physical therapy is not medically necessary.",
        )
    )
    assert record.items[1].treatment == (
        "Physical therapy to the lumbar spine 2 times a week for 2 weeks (4)"
    )
