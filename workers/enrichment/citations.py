"""Resolve cited guideline strings against the guideline catalog.

Matching is rule-based and runs on the cleaned citation:

1. every catalog entry whose pattern matches (and whose ``requires``/``excludes`` context holds)
   becomes a candidate with that pattern's score;
2. a chapter-less ACOEM 2nd-edition citation is resolved to the chapter whose page span holds the
   first cited page;
3. fallback entries (``suppressed_by``) are dropped when a specific entry of those families matched;
4. each candidate's topics are looked up in the text that follows its mention (the whole text
   when only one guideline is cited): names and aliases, then close spellings of the cited
   sections, then the cited pages.

Matches are ordered by score, then by where they are mentioned.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, lru_cache

from schemas.enrichment import CatalogMatch, EnrichedCitation, PageRange
from schemas.letter import Citation
from workers.enrichment.catalog import Topic, load_catalog
from workers.enrichment.catalog_index import Hit, pattern_index
from workers.enrichment.text import clean
from workers.enrichment.topic_index import (
    Span,
    TopicIndex,
    close_topic,
    section_number,
    topic_index,
)

_PAGES = re.compile(
    r"(?:\bpages?\s*\(\s*s\s*\)|\bpages?|\bpgs?|\bpp?)\.?\s*:?\s*"
    r"(?P<list>\d+(?:\s*(?:-|to|&|and|,|/)\s*\d+(?!\d)(?!\s*(?:c\.?\s?c\.?\s?r|cal\b|§)))*)",
    re.IGNORECASE,
)
_RANGE_SEP = re.compile(r"\s*(?:-|to|/)\s*", re.IGNORECASE)
_LIST_SEP = re.compile(r"\s*(?:,|&|\band\b)\s*", re.IGNORECASE)
_SECTIONS = re.compile(r"\bsections?\s*(?:\(\s*s\s*\))?\s*:\s*(?P<rest>.*)$", re.IGNORECASE)
_NUMBERED = re.compile(r"^\d+(?:\.\d+)*\.?\s")
_NUMBERED_SPLIT = re.compile(r",\s+(?=\d+(?:\.\d+)*\.?\s)")
_MIN_PAGE_OVERLAP = 0.25


def parse_pages(text: str) -> list[PageRange]:
    """Page ranges after a page marker: "Page(s): 98-99", "pg. 64", "pp. 74-96, 78-80", "p 301"."""
    ranges: list[PageRange] = []
    for match in _PAGES.finditer(text):
        for item in _LIST_SEP.split(match.group("list")):
            bounds = [b for b in _RANGE_SEP.split(item) if b]
            if not bounds:
                continue
            start, end = bounds[0], bounds[-1]
            if int(end) < int(start) and len(end) < len(start):  # "303-05"
                end = start[: len(start) - len(end)] + end
            low, high = sorted((int(start), int(end)))
            if low >= 1:
                page_range = PageRange(start=low, end=high)
                if page_range not in ranges:
                    ranges.append(page_range)
    return ranges


@cache
def _comma_names() -> tuple[str, ...]:
    """Topic spellings that contain a comma (so a section list must not be split inside them)."""
    names = {
        spelling
        for entry in load_catalog().entries
        for topic in entry.topics
        for spelling in topic.spellings
        if "," in spelling
    }
    return tuple(sorted(names, key=len, reverse=True))


def parse_sections(text: str) -> list[str]:
    """Sections after "Section(s):", split on commas except inside known multi-part names."""
    match = _SECTIONS.search(text)
    if match is None:
        return []
    rest = match.group("rest").strip().rstrip(".").strip()
    parts = _NUMBERED_SPLIT.split(rest) if _NUMBERED.match(rest) else _split_protected(rest)
    return [p.strip() for p in parts if p.strip()]


def _split_protected(rest: str) -> list[str]:
    parts: list[str] = []
    lowered = rest.lower()
    position = 0
    while position < len(rest):
        taken = next(
            (
                name
                for name in _comma_names()
                if lowered.startswith(name, position) and _ends_item(lowered, position + len(name))
            ),
            None,
        )
        end = position + len(taken) if taken is not None else _next_separator(rest, position)
        parts.append(rest[position:end])
        position = end
        while position < len(rest) and rest[position] in ",; ":
            position += 1
    return parts


def _ends_item(text: str, position: int) -> bool:
    return position == len(text) or text[position] in ",;"


def _next_separator(text: str, position: int) -> int:
    """Index of the next ',' or ';' outside parentheses (or the end)."""
    depth = 0
    for index in range(position, len(text)):
        char = text[index]
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char in ",;" and depth == 0:
            return index
    return len(text)


def _refine_by_page(hits: list[Hit], pages: list[PageRange]) -> list[Hit]:
    """Replace a chapter-less fallback hit by the chapter whose page span holds the cited page."""
    if not pages:
        return hits
    page = pages[0].start
    refined: list[Hit] = []
    for hit in hits:
        chapter = None
        if hit.entry.suppressed_by and hit.entry.pages is not None:
            chapter = next(
                (
                    e
                    for e in load_catalog().entries
                    if e.family == hit.entry.family
                    and not e.suppressed_by
                    and e.pages is not None
                    and e.pages.start <= page <= e.pages.end
                ),
                None,
            )
        if chapter is None:
            refined.append(hit)
        elif all(h.entry is not chapter for h in hits):
            refined.append(Hit(chapter, min(1.0, hit.score + 0.05), hit.start))
    return refined


def _suppress_fallbacks(hits: list[Hit]) -> list[Hit]:
    """Drop each fallback entry that another matched entry of its ``suppressed_by`` families
    stands in for (a generic ACOEM match drops the generic "practice guidelines" one)."""
    return [
        hit
        for hit in hits
        if not any(
            other.entry is not hit.entry and other.entry.family in hit.entry.suppressed_by
            for other in hits
        )
    ]


def _topics_in(segment: str, index: TopicIndex) -> list[Topic]:
    """Topics named in ``segment``: longest spelling wins, no overlaps, in text order."""
    found = index.spans(segment)
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    taken: list[Span] = []
    for start, end, topic in found:
        if all(end <= s or start >= e for s, e, _ in taken):
            taken.append((start, end, topic))
    ordered: list[Topic] = []
    for _, _, topic in sorted(taken, key=lambda f: f[0]):
        if topic not in ordered:
            ordered.append(topic)
    return ordered


def _close_topics(sections: Sequence[str], guideline_id: str) -> list[Topic]:
    """Topics whose spelling is, or is close to, a cited section (typos such as "Inital
    Care")."""
    result: list[Topic] = []
    for section in sections:
        topic = close_topic(guideline_id, section.lower())
        if topic is not None and topic not in result:
            result.append(topic)
    return result


def _topics_by_page(pages: Sequence[PageRange], topics: Sequence[Topic]) -> list[Topic]:
    """For each cited range, the topic whose pages overlap it best (Jaccard; a topic's secondary
    ranges, such as a drug also discussed elsewhere, count half)."""
    result: list[Topic] = []
    for cited in pages:
        best: tuple[float, bool, Topic] | None = None
        for topic in topics:
            for rank, own in enumerate(topic.pages):
                overlap = min(cited.end, own.end) - max(cited.start, own.start) + 1
                if overlap <= 0:
                    continue
                union = max(cited.end, own.end) - min(cited.start, own.start) + 1
                ratio = overlap / union / (1 if rank == 0 else 2)
                primary = rank == 0
                if ratio >= _MIN_PAGE_OVERLAP and (best is None or (ratio, primary) > best[:2]):
                    best = (ratio, primary, topic)
        if best is not None and best[2] not in result:
            result.append(best[2])
    return result


def _numbered_topics(sections: Sequence[str], by_number: dict[str, Topic]) -> list[Topic] | None:
    """Topics for numbered sections ("3.3.3 Initiation"), matched by their number only: a
    section number names one topic exactly, so a close spelling never stands in for it.
    ``None`` when the sections or the entry's topics are not numbered."""
    numbers = [number for section in sections if (number := section_number(section))]
    if not numbers or not by_number:
        return None
    return [by_number[number] for number in numbers if number in by_number]


def _match(hit: Hit, segment: str, sections: list[str], pages: list[PageRange]) -> CatalogMatch:
    entry = hit.entry
    index = topic_index(entry.guideline_id)
    numbered = _numbered_topics(sections, index.by_number)
    if numbered is not None:
        topics = numbered
    else:
        topics = _topics_in(segment, index)
        if sections:
            topics += [t for t in _close_topics(sections, entry.guideline_id) if t not in topics]
        if not topics and pages:
            topics = _topics_by_page(pages, entry.topics)
    topic_pages = next((t.pages[0] for t in topics if t.pages), None)
    return CatalogMatch(
        guideline_id=entry.guideline_id,
        score=round(hit.score, 3),
        family=entry.family,
        title=entry.title,
        edition=entry.edition,
        pages=topic_pages or entry.pages,
        sections=[t.name for t in topics],
        mtus=entry.mtus,
        evidence_tier=entry.evidence_tier,
    )


@lru_cache(maxsize=4096)
def normalise_citation(raw: str) -> EnrichedCitation:
    """Resolve one cited guideline string; ``guideline_id`` stays ``None`` when nothing fits.

    Letters cite the same few hundred strings again and again, and validation and enrichment
    both resolve them: results (immutable) are kept for the most recent 4096 strings."""
    text = clean(raw)
    pages = parse_pages(text)
    sections = parse_sections(text)
    hits = _suppress_fallbacks(_refine_by_page(pattern_index().hits(text), pages))
    starts = sorted({h.start for h in hits})
    matches: list[tuple[float, int, CatalogMatch]] = []
    for hit in hits:
        # A guideline's topics follow its mention; a lone guideline may be preceded by them.
        begin = 0 if len(starts) == 1 else hit.start
        end = next((s for s in starts if s > hit.start), len(text))
        match = _match(hit, text[begin:end], sections, pages)
        matches.append((hit.score, hit.start, match))
    matches.sort(key=lambda m: (-m[0], m[1]))
    ordered = [m for _, _, m in matches]
    best = ordered[0] if ordered else None
    return EnrichedCitation(
        raw=raw,
        guideline_id=best.guideline_id if best else None,
        matches=ordered,
        pages=pages,
        sections=sections,
        mtus=best.mtus if best else None,
    )


def enrich_citations(cites: Sequence[Citation]) -> list[EnrichedCitation]:
    return [normalise_citation(c.raw) for c in cites]
