"""A literal prefilter for many case-insensitive regexes searched in the same short text.

Each regex is reduced to its *factor*: a set of literal strings one of which occurs in every
match (``\\bchronic pain (?:medical )?treatment\\b`` -> ``{"chronic pain "}``; an alternation
gives the union of its branches' factors). One scan of the text for all factors tells which
regexes can match at all; only those need searching. A regex without a factor (it can match
without fixed text) is always searched, so the prefilter never changes a result.
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


def trie_pattern(words: Iterable[str]) -> str:
    """One regex alternation of ``words`` with shared prefixes factored out; at each position
    it matches the longest word."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" not in node:
            return body
        return f"{body}?" if len(branches) > 1 or len(body) == 1 else f"(?:{body})?"

    return emit(root)


class LiteralScanner:
    """Which of a fixed set of lower-case literals occur in a text, in one regex pass."""

    def __init__(self, literals: Iterable[str]) -> None:
        words = sorted({w for w in literals if w})
        known = set(words)
        # The longest literal found at a position stands for every literal that prefixes it.
        self._prefixes = {
            w: frozenset(w[:end] for end in range(1, len(w) + 1) if w[:end] in known) for w in words
        }
        pattern = trie_pattern(words) if words else r"(?!)"
        self._regex = re.compile(f"(?=({pattern}))", re.IGNORECASE)

    def scan(self, text: str) -> frozenset[str] | None:
        """The literals in ``text``; ``None`` when a case-insensitive match does not lower-case
        back to a literal (then the caller must search every regex)."""
        found: set[str] = set()
        for match in self._regex.finditer(text):
            prefixes = self._prefixes.get(match.group(1).lower())
            if prefixes is None:
                return None
            found |= prefixes
        return frozenset(found)
