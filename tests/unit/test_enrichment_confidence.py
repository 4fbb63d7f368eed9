"""Enrichment confidence comes from what was recognised; a low one is noted, never blocking."""

from __future__ import annotations

import pytest

from schemas.letter import Citation, Item, LetterRecord, PartialCertification
from schemas.source import SourceObject
from schemas.validation import ValidationReason, ValidationResult
from workers.determination import determine
from workers.enrichment import enrich_item


def _item(treatment: str, *reviewer: str) -> Item:
    return Item(
        treatment=treatment,
        outcome="upheld",
        reviewer_guidelines=[Citation(raw=raw) for raw in reviewer],
        rationale="The request is not medically necessary.",
    )


def test_a_recognised_service_is_sure() -> None:
    confidence = enrich_item(
        _item("Norco 10/325mg #60", "MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids")
    ).enrichment_confidence
    assert confidence == {
        "service": 1.0, "category": 1.0, "authorization": 1.0, "reviewer_guidelines": 1.0
    }  # fmt: skip


def test_an_unrecognised_service_is_unsure() -> None:
    confidence = enrich_item(_item("Blue widget for the patio")).enrichment_confidence
    assert confidence["service"] < 0.6 and confidence["category"] < 0.6


def test_a_cited_section_the_catalog_lacks_lowers_the_citation() -> None:
    known = enrich_item(_item("MRI", "MTUS Low Back Complaints 2004, Section(s): Special Studies"))
    unknown = enrich_item(_item("MRI", "MTUS Low Back Complaints 2004, Section(s): Zebra Dancing"))
    assert known.enrichment_confidence["reviewer_guidelines"] == 1.0
    assert unknown.enrichment_confidence["reviewer_guidelines"] == 0.5


def test_a_guessed_reviewed_portion_lowers_the_authorization() -> None:
    partial = PartialCertification(
        original_request="Home health aide",
        authorized="a home health evaluation",
        remaining="Home health aide",
        remaining_derived=True,
    )
    item = Item(treatment="...", outcome="upheld", partial_certification=partial)
    assert enrich_item(item).enrichment_confidence["authorization"] == 0.5


def test_low_enrichment_confidence_is_noted_without_blocking() -> None:
    record = LetterRecord(layout="A-2014", pages=1, items=[_item("Blue widget for the patio")])
    result = determine(
        record, letter_id="0" * 32, source=SourceObject(bucket="b", key="k"), extractor_version="t"
    )
    notes = [r for r in result.validation.reasons if r.severity == "info"]
    assert {r.code for r in notes} == {
        "enrichment.low_confidence.service",
        "enrichment.low_confidence.category",
    }
    assert all(r.field is not None and r.field.startswith("items[0].") for r in notes)
    assert result.validation.status == "needs_review"  # the header fields are missing
    assert not any(r.code.startswith("enrichment.") for r in result.validation.reasons
                   if r.severity != "info")  # fmt: skip


def test_only_info_reasons_can_be_added_after_validation() -> None:
    warning = ValidationReason(code="x.y", message="m", severity="warning")
    with pytest.raises(ValueError, match="only info"):
        ValidationResult.from_reasons([]).with_notes([warning])
    info = ValidationReason(code="x.y", message="m", severity="info")
    assert ValidationResult.from_reasons([]).with_notes([info]).status == "valid"
