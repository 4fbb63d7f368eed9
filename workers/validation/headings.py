"""Rules from a second reading of every item's heading (:mod:`workers.extraction.heading_checks`).

The record's treatment is read again with the heading model and checked against the item's
partial certification and the request its rationale's closing verdict names; each kind of doubt
is its own rule, so a consumer can tell a fragment from a contradiction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

from schemas.letter import Layout, LetterRecord
from workers.extraction.heading_checks import item_signals
from workers.validation.rule import Finding, Rule, item_field

TREATMENT_IN_SENTENCE: Final[frozenset[Layout]] = frozenset({"D"})
"""Layouts that name each treatment inside a sentence rather than in a heading of its own."""


def _signals_of(code: str) -> Callable[[LetterRecord], Iterator[Finding]]:
    def check(record: LetterRecord) -> Iterator[Finding]:
        in_sentence = record.layout in TREATMENT_IN_SENTENCE
        for index, item in enumerate(record.items):
            signals = item_signals(
                item.treatment, item.partial_certification, item.rationale, in_sentence=in_sentence
            )
            for signal in signals:
                if signal.code == code:
                    yield Finding(item_field(index, signal.field), signal.message)

    return check


_DESCRIPTIONS: Final = {
    "treatment_fragment": "The treatment reads as a whole heading: it does not start or end "
    "mid-phrase and holds no stray sentences.",
    "treatment_disagrees_with_rationale": "When the rationale's closing verdict names the "
    "request, it shares words with the treatment (or with the partial certification's original "
    "request and reviewed portion).",
    "partial_unread": "A heading that speaks of an original request or an authorized part "
    "yields a partial certification.",
    "partial_reviewed_portion_guessed": "A partial certification states, or gives the numbers "
    "to derive, the portion IMR reviewed.",
}

RULES: Final = tuple(
    Rule(f"item.{code}", "warning", description, _signals_of(code))
    for code, description in _DESCRIPTIONS.items()
)
