"""Rules on the disputed items: presence, outcome, partial certifications, rationale."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final, get_args

from schemas.letter import LetterRecord, Outcome
from workers.extraction.fields import conclusion
from workers.extraction.heading import reviews_whole_request
from workers.validation.quantities import stated_quantity
from workers.validation.rule import Finding, Rule, item_field

OUTCOMES: Final = frozenset(get_args(Outcome))


def _no_usable_item(record: LetterRecord) -> Iterator[Finding]:
    if not any(item.treatment.strip() for item in record.items):
        yield Finding("items", "no disputed item with a treatment was found")


def _outcome_vocabulary(record: LetterRecord) -> Iterator[Finding]:
    for index, item in enumerate(record.items):
        if item.outcome not in OUTCOMES:
            yield Finding(item_field(index, "outcome"), "outcome is neither upheld nor overturned")


def _item_fields(record: LetterRecord) -> Iterator[Finding]:
    for index, item in enumerate(record.items):
        for name in ("treatment", "rationale"):
            if not getattr(item, name).strip():
                yield Finding(item_field(index, name), f"{name} missing")


def _partial_arithmetic(record: LetterRecord) -> Iterator[Finding]:
    for index, item in enumerate(record.items):
        parts = item.partial_certification
        if parts is None or reviews_whole_request(parts):
            continue
        original = stated_quantity(parts.original_request)
        authorized = stated_quantity(parts.authorized)
        remaining = stated_quantity(parts.remaining)
        if original is None or authorized is None or remaining is None:
            continue
        if original - authorized != remaining:
            yield Finding(
                item_field(index, "partial_certification"),
                f"original {original} - authorized {authorized} != remaining {remaining}",
            )


def _rationale_agrees(record: LetterRecord) -> Iterator[Finding]:
    for index, item in enumerate(record.items):
        found = conclusion(item.rationale)
        if found is not None and found[0] != item.outcome:
            yield Finding(
                item_field(index, "outcome"),
                f"outcome {item.outcome} but the rationale concludes {found[0]}",
            )


RULES: Final = (
    Rule(
        "items.none",
        "error",
        "The letter has at least one disputed item with a treatment; otherwise nothing in it can "
        "be used.",
        _no_usable_item,
    ),
    Rule(
        "item.outcome",
        "error",
        "Every item's outcome is upheld or overturned.",
        _outcome_vocabulary,
    ),
    Rule(
        "item.missing",
        "warning",
        "Every item states its treatment and a decision rationale.",
        _item_fields,
    ),
    Rule(
        "item.partial_arithmetic",
        "warning",
        "For a partial certification whose three parts each state one quantity, original minus "
        "authorized equals the remaining portion (unless IMR reviewed the whole original "
        "request).",
        _partial_arithmetic,
    ),
    Rule(
        "item.rationale_disagrees",
        "warning",
        "The outcome agrees with the rationale's conclusion on medical necessity (upheld: not "
        "medically necessary; overturned: medically necessary).",
        _rationale_agrees,
    ),
)
