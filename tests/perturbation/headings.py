"""Rewrites of item headings that leave their words alone: line wraps, page breaks inside a
heading, and the outcome's spelling and spacing. The expectation does not change."""

from __future__ import annotations

import random
from collections.abc import Callable

from tests.perturbation.anatomy import (
    ItemParts,
    Span,
    fill,
    heading_phrase,
    heading_text,
    items,
    replace_spans,
)
from tests.perturbation.letter import Letter, NotApplicable

# Edits one heading, or returns None when it cannot (e.g. a one-word heading).
HeadingEdit = Callable[[Letter, ItemParts, int, random.Random], str | None]


def _each_heading(letter: Letter, rng: random.Random, edit: HeadingEdit) -> Letter:
    edits: list[tuple[Span, str]] = []
    for index, part in enumerate(items(letter)):
        new = edit(letter, part, index, rng)
        if new is not None:
            edits.append((part.heading, new))
    if not edits:
        raise NotApplicable("no heading this rewrite can change")
    return letter.with_text(replace_spans(letter.text, edits))


def _narrow(letter: Letter, part: ItemParts, index: int, rng: random.Random) -> str:
    return fill(heading_text(heading_phrase(letter, part), part), rng.randint(20, 60))


def wrapped(letter: Letter, rng: random.Random) -> Letter:
    """Every heading wrapped anew at a random width of 20 to 60 characters."""
    return _each_heading(letter, rng, _narrow)


def _last_word_alone(letter: Letter, part: ItemParts, index: int, rng: random.Random) -> str | None:
    words = heading_phrase(letter, part).split()
    if len(words) < 2:
        return None
    return fill(" ".join(words[:-1]), 95) + "\n" + heading_text(words[-1], part)


def last_word_wrapped(letter: Letter, rng: random.Random) -> Letter:
    """Every heading of two words or more wrapped so that its last line holds only its last word
    and the outcome ("... of the bilateral upper" / "extremities: Overturned")."""
    return _each_heading(letter, rng, _last_word_alone)


def _first_word_alone(
    letter: Letter, part: ItemParts, index: int, rng: random.Random
) -> str | None:
    words = heading_phrase(letter, part).split()
    if len(words) < 2:
        return None
    return words[0] + "\n" + fill(heading_text(" ".join(words[1:]), part), 95)


def first_word_alone(letter: Letter, rng: random.Random) -> Letter:
    """Every heading of two words or more with its first word alone on the first line ("Left" /
    "L5-S1 epidural steroid injection: Upheld"), where a short line could be taken for the end
    of the rationale before it."""
    return _each_heading(letter, rng, _first_word_alone)


def _furniture(letter: Letter, rng: random.Random) -> tuple[str, str]:
    """A page end and a page start: a footer "Page k of n", a running header "Page k of n" or
    the case number, or nothing."""
    pages = letter.text.count("\f") + 2
    number = rng.randint(2, pages)
    page_of = f"Page {number} of {pages}"
    return rng.choice(
        [("", ""), (f"\n{page_of}", ""), ("", f"{page_of}\n"), ("", f"{letter.case}\n")]
    )


def _page_break_inside(
    letter: Letter, part: ItemParts, index: int, rng: random.Random
) -> str | None:
    words = heading_phrase(letter, part).split()
    if len(words) < 2:
        return None
    phrase = " ".join(words)
    lead = "of the original request,"
    # A partial certification breaks before its reviewed portion, where a real letter lost the
    # start of one; other headings at a random word.
    cut = phrase.find(lead) + len(lead) if lead in phrase else -1
    if cut < 0:
        at = rng.randint(1, len(words) - 1)
        cut = len(" ".join(words[:at]))
    end, start = _furniture(letter, rng)
    rest = heading_text(phrase[cut:].strip(), part)
    return f"{fill(phrase[:cut], 95)}{end}\f{start}{fill(rest, 95)}"


def page_break_inside(letter: Letter, rng: random.Random) -> Letter:
    """A page break inside every heading of two words or more (before the reviewed portion of
    a partial certification, else after a random word), with a running header or footer
    ("Page k of n", the case number) or none."""
    return _each_heading(letter, rng, _page_break_inside)


_OUTCOME_STYLES: tuple[Callable[[str], str], ...] = (
    lambda outcome: f": {outcome.upper()}",
    lambda outcome: f" : {outcome}",
    lambda outcome: f": {outcome}.",
    lambda outcome: f":\n{outcome}",
)


def outcome_spelling(letter: Letter, rng: random.Random) -> Letter:
    """The outcome of each heading written another way, in turn from a random start: "UPHELD",
    " : Upheld", "Upheld." or the outcome alone on the next line."""
    offset = rng.randrange(len(_OUTCOME_STYLES))

    def restyle(letter: Letter, part: ItemParts, index: int, rng: random.Random) -> str:
        verb = f" {part.verb}" if part.verb else ""
        style = _OUTCOME_STYLES[(offset + index) % len(_OUTCOME_STYLES)]
        return fill(heading_phrase(letter, part) + verb, 95) + style(part.outcome)

    return _each_heading(letter, rng, restyle)
