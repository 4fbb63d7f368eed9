"""Confidence of fields read from OCR text.

Every field whose provenance lies on an OCR'd page takes the confidence of its words: the
lowest word confidence for a short value, a low percentile for long text (a rationale), so one
doubtful word in a short value is enough. A field below :data:`WORD_CONFIDENCE_FLOOR`, or whose
words cannot be found, gets an ``ocr.low_confidence`` warning naming it, and so does every
letter-level field (header, patient, reviewer) that was not found at all: on a scan its label
may have been misread. Licence states are
matched to the US states by edit distance; one that matches none is low confidence too. The
record always carries an ``ocr.pages`` warning that says which pages were OCR'd.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from schemas.letter import ExtractionWarning, LetterRecord, Provenance
from workers.extraction.document import Document
from workers.extraction.layouts.header import HEADER_FIELDS
from workers.extraction.vocabulary import US_STATES, closest

OCR_PAGES: Final = "ocr.pages"
OCR_LOW_CONFIDENCE: Final = "ocr.low_confidence"
WORD_CONFIDENCE_FLOOR: Final = 85.0
"""Tesseract word confidence (0..100) below which a word may be misread."""
LONG_FIELD_WORDS: Final = 12
LONG_FIELD_PERCENTILE: Final = 0.1
STATE_MAX_DISTANCE: Final = 2


def apply_ocr_confidence(record: LetterRecord, doc: Document) -> LetterRecord:
    """``record`` with OCR word confidences applied; unchanged when no page was OCR'd."""
    if not doc.ocr_pages:
        return record
    warnings = [
        ExtractionWarning(
            code=OCR_PAGES,
            field="pages",
            message="pages read by OCR: " + ", ".join(map(str, doc.ocr_pages)),
        )
    ]
    confidence = _scored(doc, record.provenance, record.confidence, "", warnings)
    items = [
        item.model_copy(
            update={
                "confidence": _scored(
                    doc, item.provenance, item.confidence, f"items[{index}].", warnings
                )
            }
        )
        for index, item in enumerate(record.items)
    ]
    for index, item in enumerate(record.items):
        for name in _ITEM_FIELDS:
            if name not in item.provenance:
                warnings.append(_low(f"items[{index}].{name}", "no provenance to check"))
    for name, value in _letter_values(record).items():
        if value is None:
            warnings.append(_low(name, "not found, its label may be misread"))
        elif name not in record.provenance:
            warnings.append(_low(name, "no provenance to check"))
    reviewer = record.reviewer
    matched: list[str] = []
    for state in reviewer.license_states:
        found = _us_states(state)
        matched += found or [state]
        if not found:
            warnings.append(_low("reviewer.license_states", "not a US state"))
    return record.model_copy(
        update={
            "confidence": confidence,
            "items": items,
            "reviewer": reviewer.model_copy(update={"license_states": matched}),
            "warnings": [*record.warnings, *warnings],
        }
    )


def _us_states(text: str) -> list[str]:
    """The US state ``text`` is within two edits of; or, if none, the states it lists with
    periods read for commas (``New York. California``); else none."""
    found = closest(text, US_STATES, STATE_MAX_DISTANCE)
    if found is not None:
        return [found]
    parts = [closest(part, US_STATES, STATE_MAX_DISTANCE) for part in text.split(".")]
    named = [part for part in parts if part is not None]
    return named if len(parts) > 1 and len(named) == len(parts) else []


def _scored(
    doc: Document,
    provenance: Mapping[str, Provenance],
    confidence: Mapping[str, float],
    prefix: str,
    warnings: list[ExtractionWarning],
) -> dict[str, float]:
    scored = dict(confidence)
    for name, where in provenance.items():
        if not (doc.is_ocr(where.start) or doc.is_ocr(max(where.start, where.end - 1))):
            continue
        words = sorted(doc.ocr_confidences(where.start, where.end))
        if not words:
            warnings.append(_low(prefix + name, "no OCR words found"))
            scored[name] = 0.0
            continue
        index = int(len(words) * LONG_FIELD_PERCENTILE) if len(words) > LONG_FIELD_WORDS else 0
        score = words[index]
        scored[name] = min(scored.get(name, 1.0), score / 100)
        if score < WORD_CONFIDENCE_FLOOR:
            warnings.append(_low(prefix + name, f"word confidence {score:.0f}"))
    return scored


def _letter_values(record: LetterRecord) -> dict[str, object]:
    return {
        **{name: getattr(record, name) for name in HEADER_FIELDS},
        "patient.age": record.patient.age,
        "patient.sex": record.patient.sex,
        "reviewer.specialty": record.reviewer.specialty,
        "reviewer.license_states": record.reviewer.license_states or None,
    }


_ITEM_FIELDS: Final = ("treatment", "outcome", "rationale")


def _low(field: str, why: str) -> ExtractionWarning:
    return ExtractionWarning(
        code=OCR_LOW_CONFIDENCE,
        field=field,
        message=f"OCR text may be misread: {why} (floor {WORD_CONFIDENCE_FLOOR:.0f})",
    )
