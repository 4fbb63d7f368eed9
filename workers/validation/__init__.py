"""Validation: data-driven rules over one extraction record. Pure: no I/O.

Every rule in :data:`RULES` has a stable ``code``; a ``warning`` makes the record
``needs_review``, an ``error`` makes it ``rejected`` (the stage dead-letters it).
"""

from __future__ import annotations

from typing import Final

from schemas.letter import LetterRecord
from schemas.validation import ValidationResult
from workers.validation import citations, header, headings, items, ocr, quality
from workers.validation.rule import Finding, Rule

RULES: Final[tuple[Rule, ...]] = (
    *items.RULES,
    *headings.RULES,
    *citations.RULES,
    *header.RULES,
    *quality.RULES,
    *ocr.RULES,
)


def validate(record: LetterRecord) -> ValidationResult:
    """Apply every rule of :data:`RULES` to ``record``."""
    return ValidationResult.from_reasons(reason for rule in RULES for reason in rule.apply(record))


__all__ = ["RULES", "Finding", "Rule", "validate"]
