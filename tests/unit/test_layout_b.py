"""Layout B ("IMR DECISION(S) AND RATIONALE(S)" letters)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from workers.extraction.errors import UnknownLayoutError
from workers.extraction.layouts import MIN_SCORE, a, detect
from workers.extraction.layouts.b import PARSER
from workers.extraction.text_layer import read_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "letters"

OPENING = """MAXIMUS FEDERAL SERVICES, INC.
Independent Medical Review
Dated:   04/02/2015
IMR Case Number:   CM15-0065432      UR Denial Date:   03/02/2015
"""
BODY = """HOW THE IMR FINAL DETERMINATION WAS MADE
MAXIMUS Federal Services sent the complete case file to an expert reviewer. The expert
reviewer is Board Certified in Internal Medicine and is licensed to practice in Nevada.
DOCUMENTS REVIEWED
Utilization Review Determination dated 03/02/2015
CLINICAL CASE SUMMARY
The expert reviewer developed the following clinical case summary based on a review of the
case file, including all medical records:
The patient is a 63-year-old man who sustained an industrial injury on 12/01/2010.
IMR DECISION(S) AND RATIONALE(S)
The Final Determination was based on decisions for the disputed items/services set forth below:
"""
ITEM = """Omeprazole 20mg #30: Overturned
Claims Administrator guideline: Decision based on MTUS Chronic Pain Treatment Guidelines
NSAIDs, GI symptoms & cardiovascular risk Page(s): 68-69.
MAXIMUS guideline: Decision based on MTUS Chronic Pain Treatment Guidelines NSAIDs, GI
symptoms & cardiovascular risk Page(s): 68-69.
Decision rationale: The patient is over 65 or takes aspirin with an NSAID. Therefore, the
request for Omeprazole 20mg #30 is medically necessary.
"""


def test_cover_date_injury_from_summary_and_prose_reviewer() -> None:
    record = PARSER.parse(read_text((OPENING + "\f" + BODY + ITEM).encode()))
    assert record.layout == "B"
    assert record.case_number == "CM15-0065432"
    assert record.decision_date == date(2015, 4, 2)
    assert record.ur_denial_date == date(2015, 3, 2)
    assert record.date_of_injury == date(2010, 12, 1)
    assert record.confidence["date_of_injury"] == 0.8
    assert (record.patient.age, record.patient.sex) == (63, "male")
    assert (record.reviewer.specialty, record.reviewer.license_states) == (
        "Internal Medicine",
        ["Nevada"],
    )
    (item,) = record.items
    assert (item.treatment, item.outcome) == ("Omeprazole 20mg #30", "overturned")
    assert [c.raw for c in item.reviewer_guidelines] == [
        "MTUS Chronic Pain Treatment Guidelines NSAIDs, GI symptoms & cardiovascular risk "
        "Page(s): 68-69"
    ]


def test_decisions_section_without_items_is_refused() -> None:
    with pytest.raises(UnknownLayoutError):
        PARSER.parse(read_text((OPENING + BODY + "No items follow.\n").encode()))


def test_item_fields_before_the_decisions_heading_are_not_items() -> None:
    text = OPENING + BODY.replace("IMR DECISION(S) AND RATIONALE(S)", "") + ITEM
    assert PARSER.score(read_text(text.encode())) == 0


def test_detection_tells_b_from_layout_a_both_ways() -> None:
    b_doc = read_text((FIXTURES / "b_multi.txt").read_bytes())
    a_doc = read_text((FIXTURES / "a2014_two_items.txt").read_bytes())
    assert PARSER.score(b_doc) >= MIN_SCORE
    assert PARSER.score(a_doc) == 0
    assert a.PARSER_2016.score(b_doc) < MIN_SCORE
    assert detect(b_doc) is PARSER


def test_partial_certification_split_across_lines_keeps_three_parts() -> None:
    record = PARSER.parse(read_text((FIXTURES / "b_multi.txt").read_bytes()))
    partial = record.items[2].partial_certification
    assert partial is not None
    assert partial.remaining == "physical therapy 2 sessions for the cervical spine"
    assert record.items[2].provenance["treatment"].page == 3


def test_numbered_item_headings_lose_their_numbers() -> None:
    second = ITEM.replace("Omeprazole 20mg #30: Overturned", "Ibuprofen 800mg #90: Upheld")
    text = (
        OPENING + BODY + "1. " + ITEM + "2. " + second.replace("is medically", "is not medically")
    )
    doc = read_text(text.encode())
    record = PARSER.parse(doc)
    assert [(item.treatment, item.outcome) for item in record.items] == [
        ("Omeprazole 20mg #30", "overturned"),
        ("Ibuprofen 800mg #90", "upheld"),
    ]
    where = record.items[1].provenance["treatment"]
    assert doc.text[where.start : where.end] == "Ibuprofen 800mg #90"


def test_treatment_starting_with_a_count_keeps_it() -> None:
    text = OPENING + BODY + ITEM.replace("Omeprazole 20mg #30", "2. Omeprazole 20mg #30")
    record = PARSER.parse(read_text(text.encode()))
    assert record.items[0].treatment == "2. Omeprazole 20mg #30"
