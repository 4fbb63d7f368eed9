"""The topics of one catalog entry, indexed by spelling, by section number and for close
spellings of a cited section; built once per entry.

A spelling is named in a cleaned citation where it starts at a word start (no word character
or full stop before it) and ends at a word end, in any case, any run of spaces standing for the
spaces between its words. For an ASCII segment with single spaces (a cleaned citation), the
lowered text is compared at each word start with the spellings that begin with its character;
any other segment is searched with one regex per spelling, the reference this index reproduces.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from functools import cache, lru_cache

from workers.enrichment.catalog import Topic, load_catalog
from workers.enrichment.service_rules import TOPICAL_FORM

Span = tuple[int, int, Topic]

_UNUSUAL_SPACE = re.compile(r"\s\s|[^\S ]")
_SECTION_NUMBER = re.compile(r"(\d+(?:\.\d+)*)\.?(?=\s|$)")
_FUZZY_CUTOFF = 0.85
_AUTOJUNK_LENGTH = 200
"""From this length difflib treats frequent characters as junk, so an identical string may
score below 1.0; shorter sections equal to a spelling are that spelling, as difflib finds."""


def section_number(text: str) -> str | None:
    """The leading section number: "3.3.9 Opioids" -> "3.3.9", "4. X" -> "4"."""
    found = _SECTION_NUMBER.match(text.strip())
    return found.group(1) if found else None


@cache
def _spelling_regex(spelling: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(word) for word in spelling.split())
    return re.compile(rf"(?<![\w.]){body}(?![\w])", re.IGNORECASE)


def _is_word(char: str) -> bool:
    """What ``\\w`` matches."""
    return char.isalnum() or char == "_"


class TopicIndex:
    """One entry's topics by spelling (single-spaced, lower case) and by section number."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self.topics = topics
        self._topical = [TOPICAL_FORM.search(t.name) is not None for t in topics]
        # Every topic that spells a key, in topic order: the first one named wins a tie.
        self._owners: dict[str, list[int]] = {}
        for position, topic in enumerate(topics):
            for spelling in topic.spellings:
                owners = self._owners.setdefault(" ".join(spelling.split()), [])
                if position not in owners:
                    owners.append(position)
        self._by_first: dict[str, list[str]] = {}
        for key in self._owners:
            self._by_first.setdefault(key[:1], []).append(key)
        self._ascii = all(key.isascii() and key for key in self._owners)
        self.by_spelling = {s: t for t in topics for s in t.spellings}
        self.by_number = {number: t for t in topics if (number := section_number(t.name))}

    def spans(self, segment: str) -> list[Span]:
        """Every (start, end, topic) where a spelling of a topic is named in ``segment``. A
        topic about a topical form of a drug counts only where the segment speaks of one."""
        topical_segment = TOPICAL_FORM.search(segment) is not None
        if not (self._ascii and segment.isascii()) or _UNUSUAL_SPACE.search(segment):
            return self.spans_by_regex(segment, topical_segment)
        lowered = segment.lower()
        found: list[Span] = []
        ends: dict[str, int] = {}  # like finditer, one spelling's matches never overlap
        for start, char in enumerate(lowered):
            if start and (_is_word(lowered[start - 1]) or lowered[start - 1] == "."):
                continue
            for key in self._by_first.get(char, ()):
                end = start + len(key)
                if (
                    start >= ends.get(key, 0)
                    and lowered.startswith(key, start)
                    and not (end < len(lowered) and _is_word(lowered[end]))
                ):
                    ends[key] = end
                    found += [
                        (start, end, self.topics[n])
                        for n in self._owners[key]
                        if topical_segment or not self._topical[n]
                    ]
        return found

    def spans_by_regex(self, segment: str, topical_segment: bool) -> list[Span]:
        """:meth:`spans` by one regex search per spelling, in topic order (the reference)."""
        found: list[Span] = []
        for topic, topical in zip(self.topics, self._topical, strict=True):
            if topical and not topical_segment:
                continue
            for spelling in topic.spellings:
                for match in _spelling_regex(spelling).finditer(segment):
                    found.append((match.start(), match.end(), topic))
        return found


@cache
def topic_index(guideline_id: str) -> TopicIndex:
    """The index of a packaged catalog entry's topics."""
    return TopicIndex(load_catalog().by_id[guideline_id].topics)


@lru_cache(maxsize=4096)
def close_topic(guideline_id: str, section: str) -> Topic | None:
    """The topic whose spelling is ``section`` (lower case) or close to it (typos such as
    "inital care"): a spelling first, difflib only for what no spelling equals."""
    by_spelling = topic_index(guideline_id).by_spelling
    if len(section) < _AUTOJUNK_LENGTH and section in by_spelling:
        return by_spelling[section]
    close = difflib.get_close_matches(section, list(by_spelling), 1, _FUZZY_CUTOFF)
    return by_spelling[close[0]] if close else None
