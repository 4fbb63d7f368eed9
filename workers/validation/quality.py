"""Rules on what the extractor itself reported: its warnings and its confidence."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Final

from schemas.letter import LetterRecord
from workers.validation.ocr import OCR_WARNING_CODES
from workers.validation.rule import Finding, Rule, item_field

CONFIDENCE_THRESHOLD: Final = 0.6
"""Values extracted with less confidence than this go to a person."""


LETTER_DISAGREES_WITH_ITSELF: Final = "header_narrative_mismatch"
"""The letter's header and its narrative state different dates. The narrative often dates
another event (another review, a prescription, an exam), so this calls for review only when
the header value itself was not read surely from its label."""


def _extractor_warnings(record: LetterRecord) -> Iterator[Finding]:
    for warning in record.warnings:
        if warning.code in OCR_WARNING_CODES:
            continue
        if (
            warning.code == LETTER_DISAGREES_WITH_ITSELF
            and record.confidence.get(warning.field) == 1
        ):
            continue
        yield Finding(warning.field, f"extractor warning {warning.code}")


def _low_confidence(record: LetterRecord) -> Iterator[Finding]:
    for name, value in _below_threshold(record.confidence):
        yield _low(name, value)
    for index, item in enumerate(record.items):
        for name, value in _below_threshold(item.confidence):
            yield _low(item_field(index, name), value)


def _below_threshold(confidence: Mapping[str, float]) -> Iterator[tuple[str, float]]:
    return ((name, value) for name, value in confidence.items() if value < CONFIDENCE_THRESHOLD)


def _low(field: str, value: float) -> Finding:
    return Finding(field, f"confidence {value:.2f} below {CONFIDENCE_THRESHOLD}")


RULES: Final = (
    Rule(
        "extraction.warning",
        "warning",
        "The extractor noticed something it could not resolve (e.g. header and narrative "
        "disagree, or the item count does not match the letter's sections).",
        _extractor_warnings,
    ),
    Rule(
        "confidence.low",
        "warning",
        f"Every extracted value has confidence of at least {CONFIDENCE_THRESHOLD}.",
        _low_confidence,
    ),
)
