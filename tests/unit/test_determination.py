"""The determination payload: one call and the two-stage split agree, through the Kafka codec."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from schemas.events import (
    DeterminationExtracted,
    LetterParsed,
    LetterParsedData,
    LetterValidated,
    SourceObject,
    from_kafka,
    letter_id_for,
    stage_source,
    to_kafka,
)
from schemas.examples import LETTER_ID, PARSED_SOURCE, RECORD
from schemas.export import JSON_DIR, data_schema_file
from workers.determination import determine, parsed_to_validated, validated_to_determination
from workers.enrichment import enrich_item

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "imr-letter-seed.txt"
VERSION = "test-extractor"


def test_every_record_field_is_carried_at_top_level() -> None:
    data = determine(RECORD, letter_id=LETTER_ID, source=PARSED_SOURCE, extractor_version=VERSION)
    record = RECORD.model_dump(mode="json")
    payload = data.model_dump(mode="json")
    assert {name: payload[name] for name in record if name != "items"} == {
        name: value for name, value in record.items() if name != "items"
    }
    assert (data.letter_id, data.source, data.extractor_version) == (
        LETTER_ID,
        PARSED_SOURCE,
        VERSION,
    )


def test_items_keep_the_extracted_fields_and_carry_their_enrichment() -> None:
    data = determine(RECORD, letter_id=LETTER_ID, source=PARSED_SOURCE, extractor_version=VERSION)
    [item] = data.items
    [extracted] = RECORD.items
    enrichment = enrich_item(extracted)
    for name in ("treatment", "outcome", "partial_certification", "rationale", "provenance"):
        assert getattr(item, name) == getattr(extracted, name)
    assert item.confidence == extracted.confidence
    assert item.authorization == enrichment.authorization
    assert item.service == enrichment.service
    assert item.category == enrichment.category
    assert item.reviewer_guidelines == enrichment.reviewer_guidelines
    assert [c.raw for c in item.reviewer_guidelines] == [
        c.raw for c in extracted.reviewer_guidelines
    ]


def test_the_validation_verdict_is_included() -> None:
    doubtful = RECORD.model_copy(update={"case_number": "CM16-12", "confidence": {"pages": 0.2}})
    data = determine(doubtful, letter_id=LETTER_ID, source=PARSED_SOURCE, extractor_version=VERSION)
    assert data.validation.status == "needs_review"
    assert {reason.code for reason in data.validation.reasons} == {
        "case_number.format",
        "confidence.low",
    }
    clean = determine(RECORD, letter_id=LETTER_ID, source=PARSED_SOURCE, extractor_version=VERSION)
    assert clean.validation.status == "valid"


def test_two_stages_through_kafka_records_equal_one_call() -> None:
    parsed = LetterParsed(
        source=stage_source("parse"),
        data=LetterParsedData(
            letter_id=LETTER_ID, source=PARSED_SOURCE, record=RECORD, extractor_version=VERSION
        ),
    )
    record = to_kafka(parsed)
    received = from_kafka(record.value, record.headers)
    assert isinstance(received, LetterParsed)
    validated = LetterValidated(
        source=stage_source("validate"), data=parsed_to_validated(received.data)
    )
    record = to_kafka(validated)
    received_validated = from_kafka(record.value, record.headers)
    assert isinstance(received_validated, LetterValidated)
    staged = validated_to_determination(received_validated.data)
    assert staged == determine(
        RECORD, letter_id=LETTER_ID, source=PARSED_SOURCE, extractor_version=VERSION
    )


def test_a_local_file_source_is_enough(tmp_path: Path) -> None:
    letter = tmp_path / "letter.txt"
    letter.write_bytes(b"letter body")
    digest = hashlib.sha256(letter.read_bytes()).hexdigest()
    source = SourceObject(
        bucket=tmp_path.name, key=letter.name, etag=digest, sha256=digest, size=11, pages=1
    )
    letter_id = letter_id_for(source.bucket, source.key, None, source.etag)
    data = determine(RECORD, letter_id=letter_id, source=source, extractor_version=VERSION)
    event = DeterminationExtracted(source=stage_source("extract"), data=data)
    assert to_kafka(event).key == b"CM16-0000000"
    assert data.source.version_id is None


def _seed_determination() -> DeterminationExtracted:
    from workers.extraction import extract

    data = SEED.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    source = SourceObject(
        bucket=SEED.parent.name, key=SEED.name, etag=digest, sha256=digest, size=len(data)
    )
    record = extract(data)
    determination = determine(
        record,
        letter_id=source.letter_id,
        source=source.model_copy(update={"pages": record.pages}),
        extractor_version=VERSION,
    )
    return DeterminationExtracted(source=stage_source("extract"), data=determination)


@pytest.mark.skipif(not SEED.is_file(), reason=f"seed letter not found at {SEED}")
def test_the_seed_letter_gives_a_schema_valid_determination_needing_review() -> None:
    event = _seed_determination()
    schema = json.loads((JSON_DIR / data_schema_file(DeterminationExtracted)).read_text())
    jsonschema.Draft202012Validator(schema).validate(json.loads(to_kafka(event).value))
    # The seed is a body-only 2014 letter: no header block, so its header fields need review.
    assert event.data.validation.status == "needs_review"
    assert {reason.code for reason in event.data.validation.reasons} == {"header.missing"}
    assert to_kafka(event).key == event.data.letter_id.encode()
