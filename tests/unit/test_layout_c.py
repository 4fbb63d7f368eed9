"""Layout C (medical professional review reports) and the prose helpers it shares with B and D."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from workers.extraction.errors import UnknownLayoutError
from workers.extraction.layouts import MIN_SCORE, detect
from workers.extraction.layouts.c import PARSER
from workers.extraction.layouts.sections import prose_citations
from workers.extraction.text_layer import read_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "letters"

HEADER = """MEDICAL PROFESSIONAL REVIEW
IMR Case Number:   CM20-0011223      Date Assigned:   01/10/2020
Dated:   02/03/2020      UR Denial Date:   12/30/2019
"""
SUMMARY = """CASE SUMMARY:
The injured worker is a 29-year-old female who was injured on 03/03/2018 while lifting.
"""
GUIDELINES = """MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY PROFESSIONAL REVIEWER AND WHY:
Official Disability Guidelines (ODG), Knee and Leg Chapter, Knee brace.
The MTUS does not address knee braces for this condition, so the ODG was used.
"""
NOT_NECESSARY = "RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT MEDICALLY NECESSARY:"
NECESSARY = "RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS MEDICALLY NECESSARY:"
QUALIFICATIONS = """MEDICAL REVIEWER QUALIFICATIONS:
The reviewer is Board Certified in Family Medicine and is licensed to practice in Texas.
"""


def _report(issues: str, *rationales: tuple[str, str]) -> str:
    body = "".join(f"{heading}\n{text}\n" for heading, text in rationales)
    return HEADER + f"ISSUE AT DISPUTE:\n{issues}\n" + SUMMARY + GUIDELINES + body + QUALIFICATIONS


def test_single_issue_report() -> None:
    text = _report("Hinged knee brace", (NOT_NECESSARY, "The brace is not medically necessary."))
    record = PARSER.parse(read_text(text.encode()))
    assert record.case_number == "CM20-0011223"
    assert record.decision_date == date(2020, 2, 3)
    assert record.date_of_injury == date(2018, 3, 3)
    assert record.confidence["date_of_injury"] < 1
    assert (record.patient.age, record.patient.sex) == (29, "female")
    assert (record.reviewer.specialty, record.reviewer.license_states) == (
        "Family Medicine",
        ["Texas"],
    )
    (item,) = record.items
    assert (item.treatment, item.outcome) == ("Hinged knee brace", "upheld")
    assert [c.raw for c in item.reviewer_guidelines] == [
        "Official Disability Guidelines (ODG), Knee and Leg Chapter, Knee brace"
    ]
    assert item.claims_administrator_guidelines == []


def test_numbered_issues_pair_with_rationales_in_order() -> None:
    text = _report(
        "1. Hinged knee brace\n2. Physical therapy 6 visits for the\nleft knee",
        (NOT_NECESSARY, "The brace is not medically necessary."),
        (NECESSARY, "Therapy is medically necessary."),
    )
    record = PARSER.parse(read_text(text.encode()))
    assert [(item.treatment, item.outcome) for item in record.items] == [
        ("Hinged knee brace", "upheld"),
        ("Physical therapy 6 visits for the left knee", "overturned"),
    ]
    assert record.items[1].rationale == "Therapy is medically necessary."


def test_issues_that_do_not_pair_with_rationales_are_refused() -> None:
    text = _report("1. Brace\n2. Therapy", (NOT_NECESSARY, "Not medically necessary."))
    with pytest.raises(UnknownLayoutError):
        PARSER.parse(read_text(text.encode()))


def test_heading_outcome_wins_over_a_disagreeing_rationale_with_a_warning() -> None:
    text = _report("Brace", (NECESSARY, "The brace is not medically necessary."))
    record = PARSER.parse(read_text(text.encode()))
    assert record.items[0].outcome == "overturned"
    assert record.items[0].confidence["outcome"] == 0.5
    assert [w.code for w in record.warnings] == ["outcome_rationale_mismatch"]


def test_rationale_heading_may_wrap_and_use_a_single_verb() -> None:
    wrapped = "RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE\nWAS NOT MEDICALLY NECESSARY:"
    text = _report("Brace", (wrapped, "Not needed."))
    record = PARSER.parse(read_text(text.encode()))
    assert record.items[0].outcome == "upheld"


def test_detection_tells_c_from_other_layouts() -> None:
    c_doc = read_text((FIXTURES / "c_overturned.txt").read_bytes())
    b_doc = read_text((FIXTURES / "b_multi.txt").read_bytes())
    assert PARSER.score(c_doc) >= MIN_SCORE
    assert PARSER.score(b_doc) == 0
    assert detect(c_doc) is PARSER


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (
            "The Claims Administrator based its decision on the ACOEM Practice Guidelines, "
            "2nd Ed. (2004), Chapter 12, which are part of the MTUS, and the Official "
            "Disability Guidelines, Low Back Chapter.",
            [
                "ACOEM Practice Guidelines, 2nd Ed. (2004), Chapter 12",
                "Official Disability Guidelines, Low Back Chapter",
            ],
        ),
        (
            "MTUS Drug Formulary, Duloxetine. The MTUS addresses this medication.",
            ["MTUS Drug Formulary, Duloxetine"],
        ),
        ("The Claims Administrator did not cite any evidence-based criteria.", []),
        (
            "The Claims Administrator cited the MTUS Chronic Pain Medical Treatment Guidelines, "
            "page 30.",
            ["MTUS Chronic Pain Medical Treatment Guidelines, page 30"],
        ),
        (
            "The Expert Reviewer found that no section of the MTUS was applicable. Per the "
            "strength of evidence hierarchy, the Expert Reviewer based his/her decision on the "
            "Official Disability Guidelines (ODG), Pain Chapter, FRPs which is a medical "
            "treatment guideline that is not part of the MTUS.",
            ["Official Disability Guidelines (ODG), Pain Chapter, FRPs"],
        ),
        ("The guideline(s) cited by the Claims Administrator were found relevant.", []),
        (
            "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids.",
            ["MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids"],
        ),
    ],
)
def test_prose_citations(field: str, expected: list[str]) -> None:
    assert prose_citations(field) == expected


def test_partial_certification_issue_keeps_its_three_parts() -> None:
    issue = (
        "Norco 10/325mg #120 was the original request. Norco 10/325mg #60 was authorized by\n"
        "the Claims Administrator. The remaining IMR eligible portion of the original request,\n"
        "Norco 10/325mg #60"
    )
    text = _report(issue, (NOT_NECESSARY, "The remaining Norco is not medically necessary."))
    item = PARSER.parse(read_text(text.encode())).items[0]
    assert item.partial_certification is not None
    assert item.partial_certification.authorized == "Norco 10/325mg #60"
    assert item.partial_certification.remaining == "Norco 10/325mg #60"
    assert item.treatment.startswith("Norco 10/325mg #120 was the original request.")
