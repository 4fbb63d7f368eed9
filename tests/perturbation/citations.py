"""Rewrites of the guideline fields: line wraps, citations split or joined, URL citations.

A field is rewritten from its expected citations, so the expectation holds by construction:
"Decision based on MTUS A, Section(s): x, and B 2004, Section(s): y." and two sentences
"Decision based on MTUS A .... Decision based on MTUS B ..." both give the entries "MTUS A ..."
and "MTUS B ...".
"""

from __future__ import annotations

import random
import re

from tests.perturbation.anatomy import ItemParts, Span, fill, items, replace_spans
from tests.perturbation.expected import ExpectedItem
from tests.perturbation.letter import Letter, NotApplicable

FIELD_WIDTH = 95
_DECISION = "Decision based on"
# An MTUS entry that a ", and" join splits again unambiguously: "MTUS <Title> <year>, ...".
_MTUS_SOURCE = re.compile(r"MTUS [A-Z][\w&/'(),-]*(?: [\w&/'(),-]+)*? (?:19|20)\d{2}, \S")
_FIELDS = ("claims_administrator_guidelines", "reviewer_guidelines")


def _field_spans(part: ItemParts) -> tuple[Span, Span]:
    return part.claims_administrator, part.reviewer


def _field_text(prefix: str, sentences: list[str]) -> str:
    """A field's content after its label: ``prefix`` (boilerplate before the first citation)
    then the sentences, wrapped, on its own lines."""
    return " " + fill(" ".join([prefix, *sentences]).strip(), FIELD_WIDTH, after=32) + "\n"


def wrapped(letter: Letter, rng: random.Random) -> Letter:
    """Every guideline field wrapped anew at a random width of 25 to 60 characters (URLs and
    long words stay whole)."""
    edits = []
    for part in items(letter):
        for span in _field_spans(part):
            content = letter.text[span.start : span.end]
            edits.append((span, " " + fill(content, rng.randint(25, 60), after=20) + "\n"))
    return letter.with_text(replace_spans(letter.text, edits))


def _regrouped(content: str, entries: tuple[str, ...]) -> str | None:
    """The field's citations split into one sentence each when the field joins some, else its
    MTUS sources joined with ", and"; None when neither is unambiguous."""
    mtus = [entry for entry in entries if entry.startswith("MTUS ")]
    others = list(entries[len(mtus) :])
    if (
        len(entries) < 2
        or entries[: len(mtus)] != tuple(mtus)
        or not all(_MTUS_SOURCE.match(entry) for entry in mtus)
        or any(". " in entry or entry.endswith(".") for entry in others)
    ):
        return None
    prefix = content[: content.find(_DECISION)] if _DECISION in content else ""
    non_mtus = [f"{_DECISION} Non-MTUS Citation {entry}." for entry in others]
    if content.count(_DECISION) < len(entries):
        sentences = [f"{_DECISION} {entry}." for entry in mtus] + non_mtus
    elif len(mtus) >= 2:
        joined = ", and ".join([mtus[0], *(entry.removeprefix("MTUS ") for entry in mtus[1:])])
        sentences = [f"{_DECISION} {joined}.", *non_mtus]
    else:
        return None
    return _field_text(" ".join(prefix.split()), sentences)


def split_or_joined(letter: Letter, rng: random.Random) -> Letter:
    """Every field citing two sources or more: when one "Decision based on" sentence holds
    several, one sentence per source; else the MTUS sources joined in one sentence with
    ", and". Fields whose split would be ambiguous (a non-MTUS entry holding a sentence break, an
    MTUS entry without "<Title> <year>,") are left alone."""
    edits = []
    for part, item in zip(items(letter), letter.expected.items, strict=True):
        for span, name in zip(_field_spans(part), _FIELDS, strict=True):
            new = _regrouped(letter.text[span.start : span.end], getattr(item, name))
            if new is not None:
                edits.append((span, new))
    if not edits:
        raise NotApplicable("no field cites two sources")
    return letter.with_text(replace_spans(letter.text, edits))


_URLS = (
    "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC4473183/",
    "https://www.acoem.org/guidance-and-position-statements/guidelines",
    "http://www.nhlbi.nih.gov/health/health-topics/topics/ekg",
    "https://www.aaos.org/quality/quality-programs/clinical-practice-guidelines/",
)


def url_pair(letter: Letter, rng: random.Random) -> Letter:
    """One item's reviewer field gains "Decision based on Non-MTUS Citation Other Medical
    Treatment Guidelines <url1> and <url2>." (or "<url1>, <url2>"): two citations, the first
    with the label, the second the bare URL."""
    parts = items(letter)
    index = rng.randrange(len(parts))
    first, second = rng.sample(_URLS, 2)
    joiner = rng.choice([" and ", ", "])
    label = "Other Medical Treatment Guidelines"
    sentence = f"{_DECISION} Non-MTUS Citation {label} {first}{joiner}{second}."
    span = parts[index].reviewer
    content = letter.text[span.start : span.end].rstrip()
    if "did not cite" in content:
        content = ""  # a field that cited nothing now cites the URLs
    edits = [(span, f"{content}\n{sentence}\n" if content else f" {sentence}\n")]
    item: ExpectedItem = letter.expected.items[index]
    cited = (*item.reviewer_guidelines, f"{label} {first}", second)
    expected = list(letter.expected.items)
    expected[index] = item.with_changes(reviewer_guidelines=cited)
    return letter.with_text(replace_spans(letter.text, edits), letter.expected.with_items(expected))


_SECOND_DECISION = re.compile(r"\.\s+Decision\s+based\s+on\s+")


def fused(letter: Letter, rng: random.Random) -> Letter:
    """Not meaning-preserving, a check of the safety net: in every reviewer field with two
    "Decision based on" sentences the second is joined to the first with "; ", so two sources
    run together. The expectation stays what the letter meant: the result must come out right
    or be flagged, never silently as one citation."""
    edits = []
    for part in items(letter):
        content = letter.text[part.reviewer.start : part.reviewer.end]
        first = content.find(_DECISION)
        second = _SECOND_DECISION.search(content, first + 1) if first >= 0 else None
        if second is not None:
            joined = content[: second.start()] + "; " + content[second.end() :]
            edits.append((part.reviewer, joined))
    if not edits:
        raise NotApplicable("no reviewer field with two sentences")
    return letter.with_text(replace_spans(letter.text, edits))
