"""The packaged guideline catalog is valid, consistent and covers every guideline family."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from workers.enrichment.catalog import (
    FAMILY_TIERS,
    Catalog,
    GuidelineEntry,
    load_catalog,
)


def _entry(**changes: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "guideline_id": "odg-test",
        "family": "odg",
        "title": "Test",
        "edition": "online",
        "mtus": False,
        "evidence_tier": 2,
        "patterns": [{"regex": r"\btest\b", "score": 0.9}],
        "confidence": "K-med",
    }
    entry.update(changes)
    return entry


def test_ids_are_unique_and_every_entry_validates() -> None:
    catalog = load_catalog()
    ids = [e.guideline_id for e in catalog.entries]
    assert len(ids) == len(set(ids))
    assert set(catalog.by_id) == set(ids)


def test_tiers_follow_the_family_and_only_mtus_is_tier_one() -> None:
    for entry in load_catalog().entries:
        assert entry.evidence_tier == FAMILY_TIERS[entry.family]
        assert entry.mtus == (entry.evidence_tier == 1), entry.guideline_id


def test_every_family_is_present() -> None:
    families = {e.family for e in load_catalog().entries}
    assert families == set(FAMILY_TIERS)


@pytest.mark.parametrize(
    "guideline_id",
    [
        "mtus-cpmtg-2009",
        "mtus-cpmtg-2016",
        "mtus-opioids-2016",
        "mtus-acupuncture-2007",
        "mtus-postsurgical-2009",
        "mtus-acoem-2004-general-approaches",
        "mtus-acoem-2004-ch8-neck-upper-back",
        "mtus-acoem-2004-ch12-low-back",
        "mtus-acoem-2007-ch10-elbow",
        "mtus-acoem-2017-low-back",
        "mtus-formulary-2018",
        "odg-pain",
        "odg-low-back",
        "odg-knee-leg",
        "odg-mental-illness-stress",
        "acoem-3rd",
        "uptodate",
        "fda-label",
        "peer-reviewed",
        "cms-medicare",
        "nhlbi",
        "mdguidelines",
    ],
)
def test_required_entries_exist(guideline_id: str) -> None:
    assert guideline_id in load_catalog().by_id


def test_mtus_entries_cite_their_regulation() -> None:
    for entry in load_catalog().entries:
        if entry.mtus and entry.family != "mtus" and "2017" not in entry.edition:
            assert entry.regulation and re.search(r"8 CCR 9792\.2", entry.regulation), entry


def test_fallback_entries_name_real_families() -> None:
    for entry in load_catalog().entries:
        assert set(entry.suppressed_by) <= set(FAMILY_TIERS)


def test_unverified_facts_carry_a_confidence_tag() -> None:
    for entry in load_catalog().entries:
        for topic in entry.topics:
            if topic.pages:
                assert topic.confidence in {"V", "K-high", "K-med", "K-low"}, topic.name


def test_cpmtg_2009_pages_are_within_the_document() -> None:
    cpmtg = load_catalog().by_id["mtus-cpmtg-2009"]
    assert cpmtg.pages is not None and (cpmtg.pages.start, cpmtg.pages.end) == (1, 127)
    physical_medicine = next(t for t in cpmtg.topics if t.name == "Physical medicine")
    assert [(p.start, p.end) for p in physical_medicine.pages] == [(98, 99)]
    for topic in cpmtg.topics:
        for pages in topic.pages:
            assert 1 <= pages.start <= pages.end <= 127, topic.name


def test_tier_inconsistent_with_family_is_rejected() -> None:
    with pytest.raises(ValidationError, match="tier"):
        GuidelineEntry.model_validate(_entry(evidence_tier=1))


def test_mtus_flag_inconsistent_with_family_is_rejected() -> None:
    with pytest.raises(ValidationError, match="mtus flag"):
        GuidelineEntry.model_validate(_entry(mtus=True))


def test_invalid_regex_is_rejected() -> None:
    with pytest.raises(ValidationError):
        GuidelineEntry.model_validate(_entry(patterns=[{"regex": "(unclosed", "score": 0.5}]))


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(ValidationError, match="duplicate"):
        Catalog.model_validate({"version": 1, "entries": [_entry(), _entry()]})


def test_topics_placeholder_matches_long_topic_names_only() -> None:
    entry = GuidelineEntry.model_validate(
        _entry(
            patterns=[{"regex": "{topics}", "score": 0.7}],
            topics=[
                {"name": "Physical medicine", "aliases": ["PT"], "confidence": "K-high"},
                {"name": "TENS", "confidence": "K-high"},
            ],
        )
    )
    regex = re.compile(entry.patterns[0].regex, re.IGNORECASE)
    assert regex.search("see Physical   Medicine page 98")
    assert not regex.search("TENS unit")
    assert not regex.search("PT 2x4")
