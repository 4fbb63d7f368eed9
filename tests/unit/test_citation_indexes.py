"""The citation indexes give what the plain searches give: the catalog pattern index (with its
literal prefilter) a search of every pattern, the topic index one regex per spelling."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from workers.enrichment.catalog import GuidelineEntry, Topic, load_catalog
from workers.enrichment.catalog_index import Hit, pattern_index
from workers.enrichment.literals import LiteralScanner, factor
from workers.enrichment.service_rules import TOPICAL_FORM
from workers.enrichment.text import clean
from workers.enrichment.topic_index import Span, TopicIndex, close_topic, topic_index
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


def test_scanner_finds_overlapping_and_prefix_literals_in_any_case() -> None:
    scanner = LiteralScanner(["chronic pain", "pain", "chronic", "odg", "guidelines"])
    assert scanner.scan("CHRONIC PAIN, ODG") == frozenset(
        {"chronic pain", "chronic", "pain", "odg"}
    )
    assert scanner.scan("nothing here") == frozenset()


def test_scanner_gives_up_on_text_that_is_not_ascii() -> None:
    # re matches the long s (U+017F) for "s" without case; str.lower() keeps it.
    assert LiteralScanner(["guidelines"]).scan("guideline\u017f") is None


def test_text_the_scanner_gives_up_on_is_searched_in_full() -> None:
    text = "Official Di\u017fability Guidelines, Pain"  # long s: re folds it to "s"
    hits = pattern_index().hits(text)
    assert "odg-pain" in [hit.entry.guideline_id for hit in hits]
    assert hits == _scan_every_pattern(load_catalog().entries, text)


def test_index_equals_the_full_search_on_catalog_spellings() -> None:
    entries = load_catalog().entries
    probes = {clean(f"{e.title} {e.edition}, {t.name}") for e in entries for t in e.topics}
    probes |= {clean(f"{e.title} {e.edition} {e.year or ''}") for e in entries}
    mismatched = [t for t in probes if pattern_index().hits(t) != _scan_every_pattern(entries, t)]
    assert mismatched == []
    assert sum(bool(pattern_index().hits(t)) for t in probes) > len(probes) // 2  # not vacuous


@pytest.fixture(scope="module")
def corpus_citations(corpus_dir: Path) -> set[str]:
    """Every distinct cleaned citation of the gold lists and of the letters as extracted."""
    sides = ("claims_administrator_guidelines", "reviewer_guidelines")
    cited: set[str] = set()
    for path in sorted((corpus_dir / "gold").glob("*.json")):
        for item in json.loads(path.read_text())["items"]:
            cited.update(raw for side in sides for raw in item[side])
    for pdf in sorted((corpus_dir / "pdf").glob("*.pdf")):
        for letter_item in extract(pdf.read_bytes()).items:
            cited.update(c.raw for side in sides for c in getattr(letter_item, side))
    return {clean(raw) for raw in cited}


@pytest.mark.corpus
def test_index_equals_the_full_search_on_every_corpus_citation(corpus_citations: set[str]) -> None:
    entries = load_catalog().entries
    assert len(corpus_citations) > 100
    mismatched = [
        t for t in corpus_citations if pattern_index().hits(t) != _scan_every_pattern(entries, t)
    ]
    assert mismatched == []


def _topics(*spellings: list[str]) -> list[Topic]:
    return [Topic(name=names[0], aliases=names[1:], confidence="K-high") for names in spellings]


def _ordered(spans: list[Span], topics: Sequence[Topic]) -> list[tuple[int, int, int]]:
    """Spans as (start, end, topic number), sorted; the order of one span's topics is kept."""
    numbered = [
        (s, e, next(i for i, t in enumerate(topics) if t is topic)) for s, e, topic in spans
    ]
    return sorted(numbered, key=lambda span: span[:2])


def _agrees(index: TopicIndex, segment: str) -> bool:
    topical = TOPICAL_FORM.search(segment) is not None
    return _ordered(index.spans(segment), index.topics) == _ordered(
        index.spans_by_regex(segment, topical), index.topics
    )


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        (
            "ODG: Pain, Opioids for chronic pain.",
            [(5, 9, 0), (11, 35, 1), (23, 35, 0), (31, 35, 0)],
        ),
        ("pain pain pain", [(0, 4, 0), (5, 9, 0), (10, 14, 0)]),
        ("x.pain, _pain, painful, Pain_", []),
        ("Voltaren Gel and diclofenac", [(0, 12, 2), (17, 27, 2), (17, 27, 3)]),
        ("Voltaren and diclofenac", [(13, 23, 3)]),
    ],
)
def test_topic_spans_are_whole_words_in_any_case(
    segment: str, expected: list[tuple[int, int, int]]
) -> None:
    topics = _topics(
        ["Pain", "chronic pain"],
        ["Opioids for chronic pain"],
        ["Voltaren Gel", "diclofenac"],
        ["Diclofenac"],
    )
    index = TopicIndex(topics)
    assert _ordered(index.spans(segment), topics) == expected
    assert _agrees(index, segment)


def test_a_spelling_overlapping_itself_is_found_as_a_regex_finds_it() -> None:
    index = TopicIndex(_topics(["pain pain"]))
    assert [span[:2] for span in index.spans("pain pain pain pain")] == [(0, 9), (10, 19)]
    assert _agrees(index, "pain pain pain pain")


def test_other_text_is_searched_by_regex() -> None:
    index = TopicIndex(_topics(["chronic pain"]))
    assert [span[:2] for span in index.spans("chronic  pain, chronic\tpain")] == [(0, 13), (15, 27)]
    assert [span[:2] for span in index.spans("chronic pain \u00e9, chronic pain\u00e9")] == [
        (0, 12)
    ]


@pytest.mark.corpus
def test_topic_index_equals_the_regex_search_on_every_corpus_citation(
    corpus_citations: set[str],
) -> None:
    indexes = [topic_index(e.guideline_id) for e in load_catalog().entries if e.topics]
    mismatched = [
        (text, index.topics[0].name)
        for text in corpus_citations
        for index in indexes
        if not _agrees(index, text)
    ]
    assert mismatched == []


def test_close_topic_is_what_difflib_finds() -> None:
    entry = load_catalog().by_id["mtus-acoem-2004-general-approaches"]
    by_spelling = {s: t for t in entry.topics for s in t.spellings}
    spellings = list(by_spelling)
    probes = [*spellings, *(s[:-1] for s in spellings), *(s + "x" for s in spellings), "zzz"]
    for probe in probes:
        close = difflib.get_close_matches(probe, spellings, 1, 0.85)
        expected = by_spelling[close[0]] if close else None
        assert close_topic(entry.guideline_id, probe) == expected, probe
    assert close_topic(entry.guideline_id, "zzz") is None
