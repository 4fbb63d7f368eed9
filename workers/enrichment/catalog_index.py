"""The catalog's patterns, indexed by the literals their regexes need.

The literals of every pattern are looked up in a citation once
(:class:`workers.enrichment.literals.LiteralScanner`); only the patterns whose regex can match
are searched, each distinct regex at most once. The result is what a search of every pattern
of every entry gives.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from workers.enrichment.catalog import GuidelineEntry, load_catalog
from workers.enrichment.literals import Factor, LiteralScanner, factor


@dataclass(frozen=True, slots=True)
class Hit:
    """A catalog entry found in a citation: its best pattern's score and where that matched."""

    entry: GuidelineEntry
    score: float
    start: int


@dataclass(frozen=True, slots=True)
class _Rule:
    """One catalog pattern; regexes are numbers into :attr:`PatternIndex.regexes`."""

    entry: GuidelineEntry
    score: float
    regex: int
    requires: int | None
    excludes: int | None


class PatternIndex:
    """Every pattern of ``entries``, reachable from the literals its regex needs."""

    def __init__(self, entries: Sequence[GuidelineEntry]) -> None:
        numbers: dict[str, int] = {}

        def number(regex: str) -> int:
            return numbers.setdefault(regex, len(numbers))

        def optional(regex: str | None) -> int | None:
            return None if regex is None else number(regex)

        self._rules = [
            _Rule(entry, p.score, number(p.regex), optional(p.requires), optional(p.excludes))
            for entry in entries
            for p in entry.patterns
        ]
        self._regexes = [re.compile(regex, re.IGNORECASE) for regex in numbers]
        self._factors: list[Factor | None] = [factor(regex) for regex in numbers]
        self._always: list[int] = []
        self._by_literal: dict[str, list[int]] = {}
        for i, rule in enumerate(self._rules):
            needed = self._factors[rule.regex]
            if needed is None:
                self._always.append(i)
            for literal in needed or ():
                self._by_literal.setdefault(literal, []).append(i)
        self._scanner = LiteralScanner(w for f in self._factors for w in f or ())

    def hits(self, text: str) -> list[Hit]:
        """Each entry some pattern of which matches ``text`` (and whose ``requires`` and
        ``excludes`` hold), with its best pattern (score, then earliest), in catalog order."""
        found = self._scanner.scan(text)
        if found is None:
            reachable: Sequence[int] = range(len(self._rules))
        else:
            chosen = set(self._always)
            for literal in found:
                chosen.update(self._by_literal.get(literal, ()))
            reachable = sorted(chosen)
        searched: dict[int, int | None] = {}

        def start(regex: int) -> int | None:
            if regex not in searched:
                needed = self._factors[regex]
                if found is not None and needed is not None and needed.isdisjoint(found):
                    searched[regex] = None
                else:
                    match = self._regexes[regex].search(text)
                    searched[regex] = None if match is None else match.start()
            return searched[regex]

        best: dict[str, Hit] = {}
        for i in reachable:
            rule = self._rules[i]
            if rule.requires is not None and start(rule.requires) is None:
                continue
            if rule.excludes is not None and start(rule.excludes) is not None:
                continue
            position = start(rule.regex)
            if position is None:
                continue
            current = best.get(rule.entry.guideline_id)
            if current is None or (rule.score, -position) > (current.score, -current.start):
                best[rule.entry.guideline_id] = Hit(rule.entry, rule.score, position)
        return list(best.values())


@cache
def pattern_index() -> PatternIndex:
    """The index of the packaged catalog, built once per process."""
    return PatternIndex(load_catalog().entries)
