"""Rules on letters read by OCR: a possibly misread value is never published as valid."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from schemas.letter import LetterRecord
from workers.extraction.ocr_confidence import OCR_LOW_CONFIDENCE, OCR_PAGES
from workers.validation.rule import Finding, Rule

OCR_WARNING_CODES: Final = frozenset({OCR_PAGES, OCR_LOW_CONFIDENCE})
"""Extractor warnings these rules report (the generic extractor-warning rule skips them)."""


def _low_confidence(record: LetterRecord) -> Iterator[Finding]:
    for warning in record.warnings:
        if warning.code == OCR_LOW_CONFIDENCE:
            yield Finding(warning.field, warning.message)


RULES: Final = (
    Rule(
        "ocr.low_confidence",
        "warning",
        "Every value read from OCR text has high word confidence and belongs to its closed "
        "vocabulary; one that may be misread goes to a person.",
        _low_confidence,
    ),
)
