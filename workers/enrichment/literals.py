"""A literal prefilter for many case-insensitive regexes searched in the same short text.

Each regex is reduced to its *factor*: a set of ASCII literals one of which occurs in every
match (``\\bchronic pain (?:medical )?treatment\\b`` -> ``{"chronic pain "}``; an alternation
gives the union of its branches' factors). Looking the literals up in the lowered text tells
which regexes can match at all; only those need searching. A regex without a factor (it can
match without fixed text) is always searched, so the prefilter never changes a result.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from typing import Any

Factor = frozenset[str]

# The stdlib regex parser. Its module is private, so a parse tree this reader does not know
# gives "no factor" (always search): results stay exact on any Python version.
_parser: Any = importlib.import_module("re._parser")

_ZERO_WIDTH = frozenset({"AT", "ASSERT", "ASSERT_NOT"})
_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})


def _better(a: Factor | None, b: Factor | None) -> Factor | None:
    """The more selective factor: longer shortest literal, then fewer literals."""
    if a is None or b is None:
        return a if b is None else b
    return a if (min(map(len, a)), -len(a)) >= (min(map(len, b)), -len(b)) else b


def _sequence_factor(items: Any) -> Factor | None:
    """The best factor of a parsed sequence: a run of literals, or a required part's factor."""
    best: Factor | None = None
    run = ""
    for op, arg in items:
        name = str(op)
        if name == "LITERAL" and chr(arg).isascii():
            run += chr(arg).lower()
            continue
        if name in _ZERO_WIDTH:  # consumes nothing: the run of literals stays contiguous
            continue
        if run:
            best = _better(best, frozenset({run}))
            run = ""
        if name == "SUBPATTERN":
            best = _better(best, _sequence_factor(arg[-1]))
        elif name == "ATOMIC_GROUP":
            best = _better(best, _sequence_factor(arg))
        elif name == "BRANCH":
            branches = [_sequence_factor(branch) for branch in arg[1]]
            if all(branches):
                best = _better(best, frozenset().union(*(b for b in branches if b)))
        elif name in _REPEATS and arg[0] >= 1:
            best = _better(best, _sequence_factor(arg[2]))
    return _better(best, frozenset({run})) if run else best


def factor(regex: str) -> Factor | None:
    """Lower-case literals one of which every match of ``regex`` contains; ``None`` if none."""
    try:
        return _sequence_factor(_parser.parse(regex, re.IGNORECASE))
    except Exception:  # a parse tree this reader does not know: no prefilter for this regex
        return None


class LiteralScanner:
    """Which of a fixed set of lower-case ASCII literals occur in a text."""

    def __init__(self, literals: Iterable[str]) -> None:
        self._literals = tuple(sorted({w for w in literals if w}))

    def scan(self, text: str) -> frozenset[str] | None:
        """The literals in ``text``, in any case; ``None`` for a text that is not ASCII, where
        case-insensitive matching is more than lower-casing (then every regex is searched)."""
        if not text.isascii():
            return None
        lowered = text.lower()
        return frozenset(w for w in self._literals if w in lowered)
