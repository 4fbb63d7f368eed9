"""Where the parts of a letter are: item headings, guideline fields and rationales.

Headings are found from the expectation (the treatment's words, whatever whitespace falls
between them, then the outcome), so a rewrite can change a heading without a parser of its own.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

from tests.perturbation.letter import Letter

_OUTCOME = re.compile(r"(?P<verb>\s+(?:is|are))?\s*:\s*(?P<outcome>Upheld|Overturned)\b", re.I)
_CA_LABEL = re.compile(r"Claims\s+Administrator\s+guideline\s*:", re.I)
_REVIEWER_LABEL = re.compile(r"MAXIMUS\s+guideline\s*:", re.I)
_RATIONALE_LABEL = re.compile(r"Decision\s+rationale\s*:", re.I)


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class ItemParts:
    """One item block, from its heading to the next heading (or the end of the letter)."""

    heading: Span
    """The heading from its first word to the outcome word."""
    phrase_end: int
    """Where the heading's words end (before " is: Upheld")."""
    verb: str
    """"is" or "are" between the words and the colon, or ""."""
    outcome: str
    """The outcome word as written."""
    claims_administrator: Span
    reviewer: Span
    rationale: Span
    """The rationale's text, after its label, to the end of the block."""
    block: Span


def words_pattern(text: str) -> str:
    """A pattern for ``text``'s words with any whitespace between them (and after a hyphen)."""
    words = [re.escape(word).replace(r"\-", r"-\s*") for word in text.split()]
    return r"\s+".join(words)


def items(letter: Letter) -> list[ItemParts]:
    """The item blocks of ``letter`` in text order; raises ``LookupError`` when a heading the
    expectation names is not in the text."""
    text = letter.text
    headings: list[tuple[Span, re.Match[str]]] = []
    position = 0
    for item in letter.expected.items:
        words = words_pattern(item.treatment)
        pattern = re.compile(f"(?P<words>{words}){_OUTCOME.pattern}", re.I)
        found = pattern.search(text, position)
        if found is None:
            raise LookupError(f"heading {len(headings)} not found in {letter.case}")
        headings.append((Span(found.start(), found.end()), found))
        position = found.end()
    parts = []
    for index, (heading, found) in enumerate(headings):
        end = headings[index + 1][0].start if index + 1 < len(headings) else len(text)
        ca = _CA_LABEL.search(text, heading.end, end)
        reviewer = _REVIEWER_LABEL.search(text, heading.end, end)
        rationale = _RATIONALE_LABEL.search(text, heading.end, end)
        if ca is None or reviewer is None or rationale is None:
            raise LookupError(f"item {index} of {letter.case} lacks a field label")
        parts.append(
            ItemParts(
                heading=heading,
                phrase_end=found.end("words"),
                verb=(found.group("verb") or "").strip(),
                outcome=found.group("outcome"),
                claims_administrator=Span(ca.end(), reviewer.start()),
                reviewer=Span(reviewer.end(), rationale.start()),
                rationale=Span(rationale.end(), end),
                block=Span(heading.start, end),
            )
        )
    return parts


def replace_spans(text: str, edits: Iterable[tuple[Span, str]]) -> str:
    """``text`` with each span replaced; spans must not overlap."""
    for span, new in sorted(edits, key=lambda edit: edit[0].start, reverse=True):
        text = text[: span.start] + new + text[span.end :]
    return text


def fill(text: str, width: int, after: int = 0) -> str:
    """``text``'s words wrapped into lines of at most ``width`` characters (longer words, such as
    URLs, stay whole on a line of their own); the first line is ``after`` characters shorter, for
    the label it follows."""
    wrapped = textwrap.fill(
        " ".join(text.split()),
        width,
        initial_indent=" " * after,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return wrapped[after:]


def heading_phrase(letter: Letter, part: ItemParts) -> str:
    """The heading's words before " is: Upheld", whitespace collapsed."""
    return " ".join(letter.text[part.heading.start : part.phrase_end].split())


def heading_text(phrase: str, part: ItemParts, outcome: str | None = None) -> str:
    """A heading of ``phrase`` with ``part``'s verb and outcome word (or ``outcome``)."""
    verb = f" {part.verb}" if part.verb else ""
    return f"{phrase}{verb}: {outcome or part.outcome}"
