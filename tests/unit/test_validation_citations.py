"""Reviewer citations that resolve to nothing or name two sources send the letter to review."""

from __future__ import annotations

import pytest

from schemas.letter import Citation, Item, LetterRecord
from workers.validation import validate


def _record(*reviewer: str) -> LetterRecord:
    item = Item(
        treatment="MRI of the lumbar spine",
        outcome="upheld",
        reviewer_guidelines=[Citation(raw=raw) for raw in reviewer],
        rationale="The request is not medically necessary.",
    )
    return LetterRecord(layout="A-2014", pages=1, items=[item])


def _codes(*reviewer: str) -> set[str]:
    return {
        reason.code
        for reason in validate(_record(*reviewer)).reasons
        if reason.code.startswith("citation.")
    }


@pytest.mark.parametrize(
    "raw",
    [
        "MTUS Low Back Complaints 2004, Section(s): Special Studies",
        "Official Disability Guidelines (ODG) Low back, Manipulation; Neck and Upper back, "
        "Manipulation",
        "Green's Operative Hand Surgery, 7th edition",
        "https://www.ncbi.nlm.nih.gov/pubmed/25438745",
        "What is an electrocardiogram? National Heart, Lung, and Blood Institute. http://www.nhlbi.nih.gov/ekg",
    ],
)
def test_one_known_source_passes(raw: str) -> None:
    assert _codes(raw) == set()


def test_a_citation_of_nothing_known_is_unresolved() -> None:
    assert _codes("asdf qwerty zxcv") == {"citation.unresolved"}


@pytest.mark.parametrize(
    "raw",
    [
        "MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids; Non-MTUS Citation Official "
        "Disability Guidelines (ODG) Pain Chapter, Opioids",
        "https://www.ncbi.nlm.nih.gov/pubmed/25438745 and https://www.ncbi.nlm.nih.gov/pubmed/26225847",
    ],
)
def test_two_sources_in_one_citation_are_fused(raw: str) -> None:
    assert "citation.fused" in _codes(raw)


def test_reason_names_the_citation_position() -> None:
    reasons = validate(_record("MTUS Low Back Complaints 2004", "asdf qwerty")).reasons
    assert [r.field for r in reasons if r.code == "citation.unresolved"] == [
        "items[0].reviewer_guidelines[1]"
    ]
