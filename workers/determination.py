"""From an extraction record to the determination payload. Pure: no I/O.

The work is split where the validate and enrich stages meet, so the Kafka pipeline
(:func:`parsed_to_validated` in one process, :func:`validated_to_determination` in the next) and
:func:`determine` (``imr extract``, the embedded mode) produce the same payload.
"""

from __future__ import annotations

from schemas.determination import DeterminationData, DeterminedItem
from schemas.events import LetterParsedData, LetterValidatedData
from schemas.letter import LetterRecord
from schemas.source import SourceObject
from workers.enrichment import enrich_item
from workers.enrichment.confidence import notes
from workers.validation import validate


def parsed_to_validated(parsed: LetterParsedData) -> LetterValidatedData:
    """The parsed letter with its validation verdict."""
    return LetterValidatedData(**dict(parsed), validation=validate(parsed.record))


def validated_to_determination(validated: LetterValidatedData) -> DeterminationData:
    """The determination payload: the record's fields at top level, every item enriched, and
    ``info`` notes for enrichments of low confidence added to the validation reasons."""
    record = validated.record
    enriched = [enrich_item(item) for item in record.items]
    items = [
        DeterminedItem.combine(item, found)
        for item, found in zip(record.items, enriched, strict=True)
    ]
    low = [
        note
        for index, found in enumerate(enriched)
        for note in notes(index, found.enrichment_confidence)
    ]
    return DeterminationData(
        **{**dict(record), "items": items},
        letter_id=validated.letter_id,
        source=validated.source,
        extractor_version=validated.extractor_version,
        validation=validated.validation.with_notes(low),
    )


def determine(
    record: LetterRecord, *, letter_id: str, source: SourceObject, extractor_version: str
) -> DeterminationData:
    """Validate and enrich ``record`` in one call."""
    parsed = LetterParsedData(
        letter_id=letter_id, source=source, record=record, extractor_version=extractor_version
    )
    return validated_to_determination(parsed_to_validated(parsed))
