"""The rules raise no false alarm on the hand-checked answers of the development corpus."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from schemas.letter import Citation, Item, LetterRecord, PartialCertification, Patient, Reviewer
from workers.validation import validate

GOLD = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "dwc-imr-2016" / "gold"
PARTIAL = re.compile(
    r"(?P<original_request>.+?) was the original request\. "
    r"(?P<authorized>.+?) was authorized by the Claims Administrator\. "
    r"The remaining IMR eligible portion of the original request, "
    r"(?P<remaining>.+)"
)

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not GOLD.is_dir(), reason=f"development corpus not found at {GOLD}"),
]


def _item(answer: dict[str, Any]) -> Item:
    partial = PARTIAL.fullmatch(answer["treatment"])
    return Item(
        treatment=answer["treatment"],
        outcome=answer["outcome"],
        partial_certification=PartialCertification(**partial.groupdict()) if partial else None,
        claims_administrator_guidelines=[
            Citation(raw=raw) for raw in answer["claims_administrator_guidelines"]
        ],
        reviewer_guidelines=[Citation(raw=raw) for raw in answer["reviewer_guidelines"]],
        rationale=answer["rationale_last_sentence"],
    )


def _record(answer: dict[str, Any]) -> LetterRecord:
    dates = (
        "date_assigned",
        "date_of_injury",
        "decision_date",
        "ur_denial_date",
        "application_received",
    )
    return LetterRecord(
        layout="A-2016",
        pages=1,
        case_number=answer["case_number"],
        priority=answer["priority"],
        patient=Patient(age=answer["patient_age"], sex=answer["patient_sex"]),
        reviewer=Reviewer(
            specialty=answer["reviewer_specialty"],
            license_states=answer["reviewer_license_states"],
        ),
        items=[_item(item) for item in answer["items"]],
        **{name: answer[name] for name in dates},
    )


def _answers() -> list[Path]:
    return sorted(GOLD.glob("*.json")) if GOLD.is_dir() else []


@pytest.mark.parametrize("path", _answers(), ids=lambda path: path.stem)
def test_hand_checked_letters_are_valid(path: Path) -> None:
    result = validate(_record(json.loads(path.read_text())))
    assert result.reasons == []
    assert result.status == "valid"


def test_the_partial_certifications_are_checked() -> None:
    checked = [
        item.partial_certification
        for path in _answers()
        for item in _record(json.loads(path.read_text())).items
        if item.partial_certification is not None
    ]
    assert len(checked) >= 10


PDFS = GOLD.parent / "pdf"
CROSS_CHECKS = {"dates.order", "item.partial_arithmetic", "item.rationale_disagrees"}


@pytest.mark.slow
@pytest.mark.skipif(not PDFS.is_dir(), reason=f"corpus PDFs not found at {PDFS}")
def test_extracted_corpus_letters_pass_the_cross_checks() -> None:
    """The corpus letters are consistent (their README says so): on the extractor's records the
    cross-checks must stay silent and nothing may be rejected."""
    from workers.extraction import extract

    flagged: dict[str, list[str]] = {}
    for path in sorted(PDFS.glob("*.pdf")):
        result = validate(extract(path.read_bytes()))
        codes = [reason.code for reason in result.reasons if reason.code in CROSS_CHECKS]
        if codes or result.status == "rejected":
            flagged[path.stem] = codes or [result.status]
    assert flagged == {}
