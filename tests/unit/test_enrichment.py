"""enrich_item: service, category and citations of one item, and what the outcome authorizes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemas.enrichment import ItemEnrichment
from schemas.letter import Citation, Item, Outcome, PartialCertification
from workers.enrichment import authorization, enrich_item
from workers.extraction.heading import read_heading

HEADING = (
    "Cyclobenzaprine 7.5mg #90 was the original request. Cyclobenzaprine 7.5mg #63 was "
    "authorized by the Claims Administrator. The remaining IMR eligible portion of the original "
    "request, Cyclobenzaprine 7.5mg #27"
)
PARTIAL = PartialCertification(
    original_request="Cyclobenzaprine 7.5mg #90",
    authorized="Cyclobenzaprine 7.5mg #63",
    remaining="Cyclobenzaprine 7.5mg #27",
)


def _item(outcome: Outcome, partial: bool, treatment: str = "Norco 10/325mg #60") -> Item:
    return Item(
        treatment=HEADING if partial else treatment,
        outcome=outcome,
        partial_certification=PARTIAL if partial else None,
        claims_administrator_guidelines=[
            Citation(raw="MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids")
        ],
        reviewer_guidelines=[
            Citation(raw="MTUS Opioid Treatment 2016"),
            Citation(raw="Official Disability Guidelines (ODG) Pain (Chronic)"),
        ],
    )


@pytest.mark.parametrize(
    ("outcome", "partial", "action", "scope"),
    [
        ("upheld", False, "remains_denied", "Norco 10/325mg #60"),
        ("overturned", False, "authorize", "Norco 10/325mg #60"),
        ("upheld", True, "remains_denied", "Cyclobenzaprine 7.5mg #27"),
        ("overturned", True, "authorize_remaining_portion", "Cyclobenzaprine 7.5mg #27"),
    ],
)
def test_authorization_for_each_outcome(
    outcome: Outcome, partial: bool, action: str, scope: str
) -> None:
    result = authorization(_item(outcome, partial))
    assert result.action == action
    assert result.scope == scope
    if partial:
        assert "Cyclobenzaprine 7.5mg #63" in result.explanation  # the part UR authorized


def test_a_partial_heading_is_scoped_by_its_parts_not_by_its_text() -> None:
    """Enrichment never re-reads the heading: without parsed parts the item is ordinary."""
    item = Item(treatment=HEADING, outcome="overturned")
    result = authorization(item)
    assert result.action == "authorize"
    assert result.scope == HEADING


@pytest.mark.parametrize(
    ("outcome", "action", "says"),
    [("upheld", "remains_denied", "stays authorized"), ("overturned", "authorize", "includes")],
)
def test_whole_original_request_reviewed(outcome: Outcome, action: str, says: str) -> None:
    partial = PartialCertification(
        original_request="Purchase of a bath/shower chair",
        authorized="a bath/shower chair for 1 month",
        remaining="purchase of a bath/shower chair",
    )
    item = Item(treatment="...", outcome=outcome, partial_certification=partial)
    result = authorization(item)
    assert (result.action, result.scope) == (action, "purchase of a bath/shower chair")
    assert says in result.explanation and "for 1 month" in result.explanation
    assert enrich_item(item).service.duration is None  # the authorized rental is not the request


def test_enrich_item_combines_service_category_and_citations() -> None:
    enriched = enrich_item(_item("upheld", False))
    assert enriched.service.generic == "hydrocodone/acetaminophen"
    assert (enriched.category, enriched.subcategory) == ("Pharmaceuticals", "opioids")
    assert [c.guideline_id for c in enriched.claims_administrator_guidelines] == ["mtus-cpmtg-2016"]
    assert [c.guideline_id for c in enriched.reviewer_guidelines] == [
        "mtus-opioids-2016",
        "odg-pain",
    ]
    assert enriched.reviewer_guidelines[1].mtus is False


def test_enrich_item_parses_the_remaining_portion_of_a_partial() -> None:
    enriched = enrich_item(_item("upheld", True))
    assert (enriched.service.drug, enriched.service.quantity) == ("Cyclobenzaprine", 27)
    assert enriched.subcategory == "muscle relaxants"


def test_enrichment_round_trips_through_json() -> None:
    enriched = enrich_item(_item("overturned", True))
    assert ItemEnrichment.model_validate_json(enriched.model_dump_json()) == enriched


@pytest.mark.corpus
def test_gold_items_enrich(corpus_dir: Path) -> None:
    items = 0
    for path in sorted((corpus_dir / "gold").glob("*.json")):
        for gold in json.loads(path.read_text())["items"]:
            heading = read_heading(gold["treatment"])
            item = Item(
                treatment=heading.treatment,
                outcome=gold["outcome"],
                partial_certification=heading.partial,
                claims_administrator_guidelines=[
                    Citation(raw=c) for c in gold["claims_administrator_guidelines"]
                ],
                reviewer_guidelines=[Citation(raw=c) for c in gold["reviewer_guidelines"]],
            )
            enriched = enrich_item(item)
            items += 1
            partial = "remaining IMR eligible portion" in gold["treatment"]
            expected = {
                ("upheld", False): "remains_denied",
                ("overturned", False): "authorize",
                ("upheld", True): "remains_denied",
                ("overturned", True): "authorize_remaining_portion",
            }[(gold["outcome"], partial)]
            assert enriched.authorization.action == expected
            if partial:
                assert "was the original request" not in enriched.authorization.scope
            assert all(c.guideline_id for c in enriched.reviewer_guidelines), gold["treatment"]
            assert enriched.subcategory is not None, gold["treatment"]
    assert items == 70
