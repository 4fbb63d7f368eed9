"""Rewrites of partial certifications: other phrasings, and ordinary items made partial.

A partial certification names the original request, the part utilization review authorized
and the portion IMR reviewed. The expected ``treatment`` is the whole heading before ": Upheld",
without a trailing " is"/" are" (the gold convention); the expected reviewed portion is the
remaining portion, or the original request restated when the heading says the original request
stayed IMR eligible.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from tests.perturbation.anatomy import (
    ItemParts,
    Span,
    fill,
    items,
    replace_spans,
    words_pattern,
)
from tests.perturbation.expected import ExpectedItem, Partial
from tests.perturbation.letter import Letter, NotApplicable

HEADING_WIDTH = 95


@dataclass(frozen=True)
class Phrasing:
    name: str
    template: str
    """Heading words before " is: Upheld", with ``{original}``, ``{authorized}``,
    ``{remaining}`` and ``{restated}`` (the original request with a lower-case first letter)."""
    reviews_original: bool = False
    """The heading says the whole original request stayed IMR eligible."""
    takes_verb: bool = True
    """The words end in a noun phrase that " is: Upheld" follows (not "... remains eligible")."""


STANDARD = Phrasing(
    "standard",
    "{original} was the original request. {authorized} was authorized by the Claims "
    "Administrator. The remaining IMR eligible portion of the original request, {remaining}",
)
LEAVING_ORIGINAL = Phrasing(
    "leaving_original_eligible",
    "{original} was the original request. The Claims Administrator authorized {authorized}, "
    "leaving the original request IMR eligible. The original request, {restated}",
    reviews_original=True,
)
_REMAINING = "The remaining IMR eligible portion of the original request, {remaining}"
VERB_VARIANTS = (
    Phrasing(
        "modified_to",
        "{original} was modified to {authorized} by the Claims Administrator. " + _REMAINING,
    ),
    Phrasing(
        "certified",
        "{original} was the original request. {authorized} was certified by the Claims "
        "Administrator. " + _REMAINING,
    ),
    Phrasing(
        "approved",
        "{original} was the original request. {authorized} was approved by the Claims "
        "Administrator. " + _REMAINING,
    ),
    Phrasing(
        "with_modification",
        "{original} was the original request. The Claims Administrator certified the request "
        "with modification to {authorized}. " + _REMAINING,
    ),
    Phrasing(
        "certified_with_modification",
        "{original} was the original request. {authorized} was certified with modification by "
        "the Claims Administrator. " + _REMAINING,
    ),
    Phrasing(
        "utilization_review_remains_eligible",
        "{original} was the original request. {authorized} was certified by utilization review. "
        "{remaining} remains IMR eligible",
        takes_verb=False,
    ),
    Phrasing(
        "original_request_was_for",
        "The original request was for {restated}. {authorized} was authorized by the Claims "
        "Administrator. " + _REMAINING,
    ),
)

# A count in a treatment: "#60", "times 12", "x 6", "12 sessions", "3 refills".
_QUANTITY = re.compile(
    r"(?<=#)\d+\b|(?<=\btimes )\d+\b|(?<=\bx)\s?\d+\b"
    r"|\b\d+(?= (?:sessions?|visits?|tablets?|capsules?|refills?|patches|treatments)\b)",
    re.IGNORECASE,
)


def restate(text: str) -> str:
    """``text`` as restated inside a sentence: first letter in lower case unless the first word
    is an acronym or name in capitals ("MRI", "EMG")."""
    first = text.split(" ", 1)[0]
    return text if first[1:2].isupper() or first[1:2].isdigit() else text[:1].lower() + text[1:]


def _render(phrasing: Phrasing, partial: Partial) -> tuple[str, Partial]:
    """Heading words for ``partial`` in ``phrasing`` and the partial certification they state."""
    words = phrasing.template.format(
        original=partial.original_request,
        authorized=partial.authorized,
        remaining=partial.remaining,
        restated=restate(partial.original_request),
    )
    reviewed = restate(partial.original_request) if phrasing.reviews_original else partial.remaining
    return words, Partial(partial.original_request, partial.authorized, reviewed)


def _rewrite_item(
    letter: Letter, part: ItemParts, item: ExpectedItem, phrasing: Phrasing, partial: Partial
) -> tuple[list[tuple[Span, str]], ExpectedItem]:
    """Edits that give ``part`` a heading in ``phrasing``; a rationale that names the portion
    reviewed before names the new one."""
    words, stated = _render(phrasing, partial)
    verb = f" {part.verb or 'is'}" if phrasing.takes_verb else ""
    heading = f"{words}{verb}: {part.outcome}"
    edits = [(part.heading, fill(heading, HEADING_WIDTH))]
    before = item.partial.remaining if item.partial else item.treatment
    if " ".join(before.split()) != " ".join(stated.remaining.split()):
        rationale = letter.text[part.rationale.start : part.rationale.end]
        renamed = re.sub(words_pattern(before), lambda _: stated.remaining, rationale)
        if renamed != rationale:  # re-wrapped, as a printed rationale would be
            edits.append((part.rationale, " " + fill(renamed, HEADING_WIDTH, after=20) + "\n"))
    return edits, item.with_changes(treatment=words, partial=stated)


def _rephrase(letter: Letter, choose: list[Phrasing], rng: random.Random) -> Letter:
    parts = items(letter)
    edits: list[tuple[Span, str]] = []
    expected = list(letter.expected.items)
    for index, (part, item) in enumerate(zip(parts, expected, strict=True)):
        if item.partial is None:
            continue
        made, expected[index] = _rewrite_item(letter, part, item, rng.choice(choose), item.partial)
        edits += made
    if not edits:
        raise NotApplicable("no partial certification")
    return letter.with_text(replace_spans(letter.text, edits), letter.expected.with_items(expected))


def second_phrasing(letter: Letter, rng: random.Random) -> Letter:
    """Every partial certification in the second MAXIMUS phrasing: "X was the original request.
    The Claims Administrator authorized Y, leaving the original request IMR eligible. The
    original request, x is: Upheld"; IMR reviewed the whole original request."""
    return _rephrase(letter, [LEAVING_ORIGINAL], rng)


def verb_variants(letter: Letter, rng: random.Random) -> Letter:
    """Every partial certification in another wording of the standard phrasing, chosen per
    item: "was modified to", "was certified", "was approved", "certified the request with
    modification to", "was certified with modification", "was certified by utilization review
    ... remains IMR eligible", "The original request was for"."""
    return _rephrase(letter, list(VERB_VARIANTS), rng)


def from_ordinary(letter: Letter, rng: random.Random) -> Letter:
    """One ordinary item (chosen at random, preferring one with a count) made a partial
    certification: UR authorized about a third of the count and IMR reviewed the rest, in any
    phrasing; an item without a count gets "X for 1 month" authorized and the original request
    left IMR eligible."""
    parts = items(letter)
    ordinary = [i for i, item in enumerate(letter.expected.items) if item.partial is None]
    if not ordinary:
        raise NotApplicable("every item is already a partial certification")
    counted = [i for i in ordinary if _count(letter.expected.items[i].treatment)]
    index = rng.choice(counted or ordinary)
    item = letter.expected.items[index]
    found = _count(item.treatment)
    if found:
        total = int(found.group().strip())
        granted = max(1, total // 3)
        partial = Partial(
            item.treatment,
            _with_count(item.treatment, found, granted),
            _with_count(item.treatment, found, total - granted),
        )
        phrasing = rng.choice([STANDARD, LEAVING_ORIGINAL, *VERB_VARIANTS])
    else:
        partial = Partial(item.treatment, f"{restate(item.treatment)} for 1 month", item.treatment)
        phrasing = LEAVING_ORIGINAL
    edits, changed = _rewrite_item(letter, parts[index], item, phrasing, partial)
    expected = list(letter.expected.items)
    expected[index] = changed
    return letter.with_text(replace_spans(letter.text, edits), letter.expected.with_items(expected))


def _count(treatment: str) -> re.Match[str] | None:
    """The first count of at least 3 in ``treatment`` (so the two parts differ)."""
    return next((m for m in _QUANTITY.finditer(treatment) if int(m.group()) >= 3), None)


def _with_count(treatment: str, found: re.Match[str], count: int) -> str:
    space = " " if found.group().startswith(" ") else ""
    return f"{treatment[: found.start()]}{space}{count}{treatment[found.end() :]}"
