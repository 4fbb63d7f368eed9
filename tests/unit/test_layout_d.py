"""Layout D (2013 notice letters): decision phrases, narrative dates, detail blocks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from workers.extraction.errors import UnknownLayoutError
from workers.extraction.layouts import MIN_SCORE, detect
from workers.extraction.layouts.d import PARSER
from workers.extraction.text_layer import read_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "letters"

HEADER = """MAXIMUS FEDERAL SERVICES, INC.
Notice of Independent Medical Review Determination
Dated: 11/4/2013
Date of UR Decision:   {ur}
Date of Injury:   6/1/2011
IMR Application Received:   9/20/2013
MAXIMUS Case Number:   CM13-0051234
"""
NARRATIVE = """INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE
An application for Independent Medical Review was filed on 9/20/2013 disputing the Utilization
Review Denial dated 9/12/2013. A Notice of Assignment and Request for Information was
provided to the above parties on 9/25/2013.
Medical Qualifications of the Expert Reviewer:
The independent Physician Reviewer who reviewed this case is Board Certified in Internal
Medicine and is licensed to practice in California.
Case Summary:
The employee is a 39 year old male who reported an injury on 6/1/2011.
"""


def _detail(number: str, treatment: str, ca: str, reviewer: str, rationale: str) -> str:
    return f"""{number}Regarding the request for {treatment}:
Medical Treatment Guideline(s) Relied Upon by the Claims Administrator:
{ca}
Medical Treatment Guideline(s) Relied Upon by the Expert Reviewer:
{reviewer}
Rationale for the Decision:
{rationale}
"""


CA_CITES = (
    "The Claims Administrator based its decision on the Chronic Pain Medical Treatment "
    "Guidelines (2009), Opioids, pages 74-96, which are part of the MTUS."
)
REVIEWER_CITES = (
    "The Expert Reviewer based his/her decision on the Chronic Pain Medical Treatment "
    "Guidelines (2009), Opioids, criteria for use, pages 76-80, which are part of the MTUS."
)


def _letter(*, decisions: str, details: str, ur: str = "9/12/2013") -> str:
    return HEADER.format(ur=ur) + "\n" + decisions + "\f" + NARRATIVE + details


def _decision(number: int, treatment: str, phrase: str) -> str:
    return (
        f"{number}) MAXIMUS Federal Services, Inc. has determined the request for {treatment} "
        f"is {phrase}.\n"
    )


@pytest.mark.parametrize(
    ("phrase", "outcome"),
    [
        ("not medically necessary and appropriate", "upheld"),
        ("medically necessary and appropriate", "overturned"),
    ],
)
def test_outcome_comes_from_the_decision_phrase(phrase: str, outcome: str) -> None:
    rationale = f"The records support the request. The request for Norco #60 is {phrase}."
    text = _letter(
        decisions=_decision(1, "Norco #60", phrase),
        details=_detail("1) ", "Norco #60", CA_CITES, REVIEWER_CITES, rationale),
    )
    record = PARSER.parse(read_text(text.encode()))
    assert [item.outcome for item in record.items] == [outcome]
    assert record.warnings == []


def test_narrative_dates_are_read_and_win_over_a_differing_header_label() -> None:
    text = _letter(
        decisions=_decision(1, "an MRI", "not medically necessary and appropriate"),
        details="",
        ur="9/10/2013",
    )
    record = PARSER.parse(read_text(text.encode()))
    assert record.application_received == date(2013, 9, 20)
    assert record.ur_denial_date == date(2013, 9, 12)
    assert record.date_assigned == date(2013, 9, 25)
    assert record.decision_date == date(2013, 11, 4)
    assert record.date_of_injury == date(2011, 6, 1)
    assert [(w.code, w.field) for w in record.warnings] == [
        ("header_narrative_mismatch", "ur_denial_date")
    ]
    narrative = record.provenance["ur_denial_date"]
    assert read_text(text.encode()).text[narrative.start : narrative.end] == "9/12/2013"


def test_header_labels_are_used_when_the_narrative_gives_no_date() -> None:
    text = HEADER.format(ur="9/12/2013") + _decision(1, "an MRI", "not medically necessary")
    record = PARSER.parse(read_text(text.encode()))
    assert record.ur_denial_date == date(2013, 9, 12)
    assert record.application_received == date(2013, 9, 20)
    assert record.date_assigned is None


def test_decisions_pair_with_detail_blocks_by_number() -> None:
    decisions = _decision(1, "an MRI", "not medically necessary and appropriate") + _decision(
        2, "Norco #60", "medically necessary and appropriate"
    )
    details = _detail(
        "2) ", "Norco #60", CA_CITES, REVIEWER_CITES, "The request is medically necessary."
    ) + _detail(
        "1) ",
        "an MRI",
        "The Claims Administrator did not cite any evidence-based criteria for its decision.",
        REVIEWER_CITES,
        "The request for an MRI is not medically necessary and appropriate.",
    )
    record = PARSER.parse(read_text(_letter(decisions=decisions, details=details).encode()))
    first, second = record.items
    assert (first.treatment, first.outcome) == ("an MRI", "upheld")
    assert first.claims_administrator_guidelines == []
    assert first.rationale.startswith("The request for an MRI")
    assert (second.treatment, second.outcome) == ("Norco #60", "overturned")
    assert [c.raw for c in second.claims_administrator_guidelines] == [
        "Chronic Pain Medical Treatment Guidelines (2009), Opioids, pages 74-96"
    ]


def test_unnumbered_single_decision_and_detail_block() -> None:
    text = _letter(
        decisions=_decision(1, "a TENS unit", "not medically necessary and appropriate")[3:],
        details=_detail("", "a TENS unit", CA_CITES, REVIEWER_CITES, "Not needed."),
    )
    record = PARSER.parse(read_text(text.encode()))
    assert [(item.treatment, item.outcome) for item in record.items] == [("a TENS unit", "upheld")]
    assert record.items[0].reviewer_guidelines


def test_without_a_decision_list_the_rationale_gives_the_outcome_with_a_warning() -> None:
    text = _letter(
        decisions="",
        details=_detail(
            "1) ",
            "a gym membership",
            CA_CITES,
            REVIEWER_CITES,
            "The request for a gym membership is not medically necessary and appropriate.",
        ),
    )
    record = PARSER.parse(read_text(text.encode()))
    assert [(item.treatment, item.outcome) for item in record.items] == [
        ("a gym membership", "upheld")
    ]
    assert [w.code for w in record.warnings] == ["outcome_not_in_decision_list"]


def test_decision_list_wins_over_a_disagreeing_rationale_with_low_confidence() -> None:
    text = _letter(
        decisions=_decision(1, "Norco #60", "medically necessary and appropriate"),
        details=_detail(
            "1) ", "Norco #60", CA_CITES, REVIEWER_CITES, "The request is not medically necessary."
        ),
    )
    record = PARSER.parse(read_text(text.encode()))
    assert record.items[0].outcome == "overturned"
    assert record.items[0].confidence["outcome"] == 0.5
    assert [w.code for w in record.warnings] == ["outcome_rationale_mismatch"]


@pytest.mark.parametrize(
    "adopted",
    [
        "The Expert Reviewer found the guideline used by the Claims Administrator relevant "
        "and appropriate for the employee's clinical circumstance.",
        "The Expert Reviewer found the guideline(s) cited by the Claims Administrator "
        "relevant and appropriate.",
    ],
)
def test_reviewer_who_adopts_the_claims_administrator_guideline_cites_it_too(adopted: str) -> None:
    text = _letter(
        decisions=_decision(1, "Norco #60", "not medically necessary and appropriate"),
        details=_detail("1) ", "Norco #60", CA_CITES, adopted, "Not necessary."),
    )
    item = PARSER.parse(read_text(text.encode())).items[0]
    assert item.reviewer_guidelines == item.claims_administrator_guidelines
    assert item.confidence["reviewer_guidelines"] < 1


def test_letter_without_any_decision_is_refused() -> None:
    with pytest.raises(UnknownLayoutError):
        PARSER.parse(read_text((HEADER.format(ur="9/12/2013") + NARRATIVE).encode()))


def test_outcome_provenance_points_at_the_decision_phrase() -> None:
    doc = read_text((FIXTURES / "d_multi.txt").read_bytes())
    record = PARSER.parse(doc)
    where = record.items[1].provenance["outcome"]
    assert doc.text[where.start : where.end] == "is\nmedically necessary and appropriate"
    assert where.page == 1
    assert record.items[1].provenance["rationale"].page == 3


def test_detection_tells_d_from_layout_a() -> None:
    d_doc = read_text((FIXTURES / "d_multi.txt").read_bytes())
    a_doc = read_text((FIXTURES / "a2016_three_items.txt").read_bytes())
    assert PARSER.score(d_doc) >= MIN_SCORE
    assert PARSER.score(a_doc) < MIN_SCORE
    assert detect(d_doc) is PARSER


def test_decision_with_a_lost_space_before_medically_is_upheld() -> None:
    text = _letter(
        decisions=_decision(1, "an MRI", "notmedically necessary and appropriate"), details=""
    )
    assert [item.outcome for item in PARSER.parse(read_text(text.encode())).items] == ["upheld"]


def test_repeated_unnumbered_decision_list_gives_each_item_once() -> None:
    decision = _decision(1, "a TENS unit", "medically necessary and appropriate")[3:]
    text = _letter(decisions=decision, details="") + "A decision has been made:\n" + decision
    record = PARSER.parse(read_text(text.encode()))
    assert [(item.treatment, item.outcome) for item in record.items] == [
        ("a TENS unit", "overturned")
    ]
