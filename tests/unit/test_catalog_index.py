"""The literal prefilter and the catalog pattern index give what a search of every pattern gives."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from workers.enrichment.catalog import GuidelineEntry, load_catalog
from workers.enrichment.catalog_index import Hit, PatternIndex, pattern_index
from workers.enrichment.literals import LiteralScanner, factor, trie_pattern
from workers.enrichment.text import clean
from workers.extraction import extract


def _scan_every_pattern(entries: Sequence[GuidelineEntry], text: str) -> list[Hit]:
    """The reference: every pattern of every entry searched, best pattern per entry."""
    hits: list[Hit] = []
    for entry in entries:
        best: Hit | None = None
        for pattern in entry.patterns:
            if pattern.requires and not re.search(pattern.requires, text, re.IGNORECASE):
                continue
            if pattern.excludes and re.search(pattern.excludes, text, re.IGNORECASE):
                continue
            found = re.search(pattern.regex, text, re.IGNORECASE)
            if found and (
                best is None or (pattern.score, -found.start()) > (best.score, -best.start)
            ):
                best = Hit(entry, pattern.score, found.start())
        if best is not None:
            hits.append(best)
    return hits


@pytest.mark.parametrize(
    ("regex", "literals"),
    [
        (r"\bchronic pain (?:medical )?treatment\b", {"chronic pain "}),
        (r"\b(?:ODG|official disability)\b", {"odg", "official disability"}),
        (r"ACOEM.{0,40}\b2nd\b", {"acoem"}),
        (r"(?:pain){2}\s+x", {"pain"}),
        (r"\b(?:ODG|\d+)\b", None),
        (r"(?:guidelines)?\s*\d+", None),
        (r"[a-z]+\.\d", {"."}),
        (r"[a-z]+\d", None),
    ],
)
def test_factor_is_the_literal_every_match_needs(regex: str, literals: set[str] | None) -> None:
    assert factor(regex) == (None if literals is None else frozenset(literals))


def test_trie_pattern_matches_the_longest_word_at_a_position() -> None:
    regex = re.compile(trie_pattern(["pain", "pain management", "pa", "odg"]))
    assert [m.group() for m in regex.finditer("pain management, pain, pa, odg")] == [
        "pain management",
        "pain",
        "pa",
        "odg",
    ]


def test_scanner_finds_overlapping_and_prefix_literals_in_any_case() -> None:
    scanner = LiteralScanner(["chronic pain", "pain", "chronic", "odg", "guidelines"])
    assert scanner.scan("CHRONIC PAIN, ODG") == frozenset(
        {"chronic pain", "chronic", "pain", "odg"}
    )
    assert scanner.scan("nothing here") == frozenset()


def test_scanner_gives_up_on_a_case_fold_lower_does_not_reproduce() -> None:
    # re matches the long s (U+017F) for "s" without case; str.lower() keeps it.
    assert LiteralScanner(["guidelines"]).scan("guideline\u017f") is None


def test_a_fold_the_scanner_cannot_map_still_finds_the_entry() -> None:
    entry = GuidelineEntry.model_validate(
        {
            "guideline_id": "odg-test",
            "family": "odg",
            "title": "Test",
            "edition": "online",
            "mtus": False,
            "evidence_tier": 2,
            "patterns": [{"regex": r"\bguidelines\b", "score": 0.9}],
            "confidence": "K-med",
        }
    )
    text = "ODG guideline\u017f"
    assert PatternIndex([entry]).hits(text) == _scan_every_pattern([entry], text) != []


def test_index_equals_the_full_search_on_catalog_spellings() -> None:
    entries = load_catalog().entries
    probes = {clean(f"{e.title} {e.edition}, {t.name}") for e in entries for t in e.topics}
    probes |= {clean(f"{e.title} {e.edition} {e.year or ''}") for e in entries}
    mismatched = [t for t in probes if pattern_index().hits(t) != _scan_every_pattern(entries, t)]
    assert mismatched == []
    assert sum(bool(pattern_index().hits(t)) for t in probes) > len(probes) // 2  # not vacuous


def _corpus_citations(corpus: Path) -> set[str]:
    sides = ("claims_administrator_guidelines", "reviewer_guidelines")
    cited: set[str] = set()
    for path in sorted((corpus / "gold").glob("*.json")):
        for item in json.loads(path.read_text())["items"]:
            cited.update(raw for side in sides for raw in item[side])
    for pdf in sorted((corpus / "pdf").glob("*.pdf")):
        for letter_item in extract(pdf.read_bytes()).items:
            cited.update(c.raw for side in sides for c in getattr(letter_item, side))
    return {clean(raw) for raw in cited}


@pytest.mark.corpus
def test_index_equals_the_full_search_on_every_corpus_citation(corpus_dir: Path) -> None:
    entries = load_catalog().entries
    texts = _corpus_citations(corpus_dir)
    assert len(texts) > 100
    mismatched = [t for t in texts if pattern_index().hits(t) != _scan_every_pattern(entries, t)]
    assert mismatched == []
