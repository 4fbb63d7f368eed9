"""CloudEvents envelope, keys and the binary/structured codecs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from schemas.deadletter import DeadLetterData
from schemas.determination import DeterminedItem
from schemas.enrichment import EnrichedCitation
from schemas.events import (
    EVENT_CLASSES,
    AnyEvent,
    DeadLetter,
    DeterminationExtracted,
    EventDecodeError,
    LetterParsed,
    LetterReceived,
    LetterReceivedData,
    SourceObject,
    from_kafka,
    from_structured,
    letter_id_for,
    to_kafka,
    to_structured,
)
from schemas.examples import ENRICHMENT, ITEM, LETTER_ID, SOURCE, example_events
from schemas.validation import ValidationReason, ValidationResult

EVENTS = example_events()
SECRET = "Oxycodone for patient Jane Roe"


def _event(cls: type[Any]) -> Any:
    return next(event for event in EVENTS if isinstance(event, cls))


def _headers(event: AnyEvent) -> dict[str, bytes]:
    return dict(to_kafka(event).headers)


def test_examples_cover_every_event_class() -> None:
    assert sorted(type(event).__name__ for event in EVENTS) == sorted(
        cls.__name__ for cls in EVENT_CLASSES
    )


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: type(event).__name__)
def test_binary_round_trip(event: AnyEvent) -> None:
    record = to_kafka(event)
    assert from_kafka(record.value, record.headers) == event


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: type(event).__name__)
def test_structured_round_trip_through_json_text(event: AnyEvent) -> None:
    text = json.dumps(to_structured(event))
    assert from_structured(json.loads(text)) == event


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: type(event).__name__)
def test_binary_value_is_the_data_alone(event: AnyEvent) -> None:
    assert json.loads(to_kafka(event).value) == event.data.model_dump(mode="json")


def test_binary_headers_carry_every_attribute() -> None:
    event = _event(LetterParsed)
    headers = _headers(event)
    assert headers == {
        "ce_specversion": b"1.0",
        "ce_id": event.id.encode(),
        "ce_source": b"/imr/workers/parse",
        "ce_type": b"org.imr.letter.parsed.v1",
        "ce_subject": LETTER_ID.encode(),
        "ce_time": b"2017-01-20T14:30:00Z",
        "ce_dataschema": b"urn:imr:schema:letter.parsed.v1",
        "content-type": b"application/json",
        "traceparent": event.traceparent.encode(),
    }


def test_traceparent_header_is_omitted_when_absent() -> None:
    event = _event(LetterReceived).model_copy(update={"traceparent": None})
    assert "traceparent" not in _headers(event)
    assert "traceparent" not in to_structured(event)


def test_letter_events_are_keyed_by_letter_id() -> None:
    for cls in (LetterReceived, LetterParsed):
        assert to_kafka(_event(cls)).key == LETTER_ID.encode()


def test_determination_is_keyed_by_case_number_else_letter_id() -> None:
    event = _event(DeterminationExtracted)
    assert to_kafka(event).key == b"CM16-0000000"
    assert event.subject == "CM16-0000000"
    anonymous = event.model_copy(
        update={"data": event.data.model_copy(update={"case_number": None})}
    )
    assert to_kafka(anonymous).key == LETTER_ID.encode()
    assert anonymous.subject == LETTER_ID


def test_dead_letter_keeps_the_original_key_and_names_the_record() -> None:
    event = _event(DeadLetter)
    assert to_kafka(event).key == LETTER_ID.encode()
    assert event.subject == "imr.letters.received.v1/2/1041"
    keyless = event.model_copy(
        update={"data": event.data.model_copy(update={"original_key": None})}
    )
    assert to_kafka(keyless).key is None


def test_new_events_get_distinct_uuid4_ids_and_utc_times() -> None:
    data = LetterReceivedData(letter_id=LETTER_ID, source=SOURCE)
    first = LetterReceived(source="/imr/workers/ingest", data=data)
    second = LetterReceived(source="/imr/workers/ingest", data=data)
    assert first.id != second.id
    assert len(first.id) == 36 and first.id[14] == "4"
    offset = first.time.utcoffset()
    assert offset is not None and offset.total_seconds() == 0


def test_event_type_is_fixed_per_class() -> None:
    data = LetterReceivedData(letter_id=LETTER_ID, source=SOURCE)
    with pytest.raises(ValueError, match="type"):
        LetterReceived(source="/x", type="org.imr.letter.parsed.v1", data=data)


def test_invalid_traceparent_is_refused() -> None:
    data = LetterReceivedData(letter_id=LETTER_ID, source=SOURCE)
    with pytest.raises(ValueError, match="traceparent"):
        LetterReceived(source="/x", traceparent="not-a-trace", data=data)


def test_event_names_and_schema_uris_follow_the_type() -> None:
    for cls in EVENT_CLASSES:
        name = cls.event_name()
        assert cls.model_fields["type"].default == f"org.imr.{name}"
        assert cls.model_fields["dataschema"].default == f"urn:imr:schema:{name}"
        assert name.endswith(".v1")


def _record(event: AnyEvent) -> tuple[bytes, list[tuple[str, bytes | None]]]:
    record = to_kafka(event)
    return record.value, list(record.headers)


def _without(headers: list[tuple[str, bytes | None]], name: str) -> list[tuple[str, bytes | None]]:
    return [(key, value) for key, value in headers if key != name]


def _replace(
    headers: list[tuple[str, bytes | None]], name: str, value: bytes
) -> list[tuple[str, bytes | None]]:
    return [*_without(headers, name), (name, value)]


def test_decode_refuses_a_missing_type() -> None:
    value, headers = _record(_event(LetterParsed))
    with pytest.raises(EventDecodeError) as caught:
        from_kafka(value, _without(headers, "ce_type"))
    assert caught.value.reason == "missing event type"


def test_decode_refuses_an_unknown_type() -> None:
    value, headers = _record(_event(LetterParsed))
    with pytest.raises(EventDecodeError) as caught:
        from_kafka(value, _replace(headers, "ce_type", b"org.imr.letter.parsed.v9"))
    assert caught.value.event_type == "org.imr.letter.parsed.v9"
    assert "unknown event type" in caught.value.reason


@pytest.mark.parametrize(
    ("header", "value", "named"),
    [
        pytest.param("ce_specversion", b"0.3", "specversion", id="another-specversion"),
        pytest.param("content-type", b"application/avro", "content-type", id="not-json"),
        pytest.param("ce_source", b"\xff", "ce_source", id="not-utf8"),
    ],
)
def test_decode_refuses_a_bad_header_and_names_it(header: str, value: bytes, named: str) -> None:
    body, headers = _record(_event(LetterParsed))
    with pytest.raises(EventDecodeError, match=named):
        from_kafka(body, _replace(headers, header, value))


def test_decode_accepts_json_content_type_parameters() -> None:
    event = _event(LetterParsed)
    value, headers = _record(event)
    decoded = from_kafka(
        value, _replace(headers, "content-type", b"application/json; charset=utf-8")
    )
    assert decoded == event


def test_decode_refuses_a_value_that_is_not_json() -> None:
    _, headers = _record(_event(LetterParsed))
    with pytest.raises(EventDecodeError, match="not JSON"):
        from_kafka(b"\xff\xfe%PDF", headers)


def test_decode_refuses_data_of_the_wrong_shape_without_quoting_it() -> None:
    event = _event(LetterParsed)
    value, headers = _record(event)
    data = json.loads(value)
    data["record"]["items"][0]["treatment"] = SECRET
    data["record"]["items"][0]["outcome"] = SECRET
    with pytest.raises(EventDecodeError) as caught:
        from_kafka(json.dumps(data).encode(), headers)
    assert "data.record.items.0.outcome" in caught.value.reason
    assert SECRET not in caught.value.reason
    assert SECRET not in str(caught.value)


def test_decode_ignores_unknown_extensions_and_the_incoming_subject() -> None:
    event = _event(LetterParsed)
    value, headers = _record(event)
    headers = [*_replace(headers, "ce_subject", b"something-else"), ("ce_partitionkey", b"x")]
    assert from_kafka(value, headers) == event
    document = {**to_structured(event), "subject": "something-else", "comexampleext": 1}
    assert from_structured(document) == event


def test_structured_decode_refuses_missing_data() -> None:
    document = to_structured(_event(LetterReceived))
    del document["data"]
    with pytest.raises(EventDecodeError, match="missing data"):
        from_structured(document)


def test_letter_id_is_a_stable_hex_prefix_of_the_object_identity() -> None:
    first = letter_id_for("bucket", "a/b.pdf", "v1", "etag")
    assert first == letter_id_for("bucket", "a/b.pdf", "v1", "etag")
    assert len(first) == 32 and int(first, 16) >= 0
    others = {
        letter_id_for("bucket2", "a/b.pdf", "v1", "etag"),
        letter_id_for("bucket", "a/b.pdf ", "v1", "etag"),
        letter_id_for("bucket", "a/b.pdf", "v2", "etag"),
        letter_id_for("bucket", "a/b.pdf", None, "etag"),
        letter_id_for("bucket", "a/b.pdf", "", "etag"),
        letter_id_for("bucket", "a/b.pdf", "v1", None),
        letter_id_for("bucketa/", "b.pdf", "v1", "etag"),
    }
    assert first not in others and len(others) == 7


def test_source_object_letter_id_uses_the_helper() -> None:
    assert SOURCE.letter_id == letter_id_for(
        SOURCE.bucket, SOURCE.key, SOURCE.version_id, SOURCE.etag
    )


def test_source_object_refuses_a_quoted_etag() -> None:
    with pytest.raises(ValueError, match="etag"):
        SourceObject(bucket="b", key="k", etag='"abc"')


def test_validation_status_must_follow_its_reasons() -> None:
    warning = ValidationReason(code="dates.order", message="m", severity="warning")
    error = ValidationReason(code="items.missing", message="m", severity="error")
    assert ValidationResult.from_reasons([]).status == "valid"
    assert ValidationResult.from_reasons([warning]).status == "needs_review"
    assert ValidationResult.from_reasons([warning, error]).status == "rejected"
    with pytest.raises(ValueError, match="status"):
        ValidationResult(status="valid", reasons=[warning])


def test_dead_letter_keeps_the_original_bytes() -> None:
    value = bytes(range(256))
    headers: list[tuple[str, bytes | None]] = [("ce_type", b"\x00\xff"), ("empty", None)]
    data = DeadLetterData.capture(
        stage="validate",
        error_class="PermanentError",
        reason="invalid_event",
        attempt=3,
        source_topic="imr.letters.parsed.v1",
        source_partition=0,
        source_offset=7,
        failed_at=_event(DeadLetter).time,
        key=None,
        value=value,
        headers=headers,
    )
    restored = DeadLetterData.model_validate_json(data.model_dump_json())
    assert restored.original_value_bytes() == value
    assert restored.original_key_bytes() is None
    assert restored.original_header_bytes() == headers


def test_dead_letter_refuses_text_that_is_not_base64() -> None:
    document = _event(DeadLetter).data.model_dump()
    document["original_value"] = "not base64!"
    with pytest.raises(ValueError, match="original_value"):
        DeadLetterData.model_validate(document)


def test_determined_item_takes_the_enriched_citations() -> None:
    item = DeterminedItem.combine(ITEM, ENRICHMENT)
    assert item.treatment == ITEM.treatment
    assert item.category == ENRICHMENT.category
    assert all(isinstance(c, EnrichedCitation) for c in item.reviewer_guidelines)
    assert [c.raw for c in item.reviewer_guidelines] == [c.raw for c in ITEM.reviewer_guidelines]


def test_determined_item_refuses_enrichment_of_other_citations() -> None:
    other = ENRICHMENT.model_copy(update={"reviewer_guidelines": []})
    with pytest.raises(ValueError, match="reviewer_guidelines"):
        DeterminedItem.combine(ITEM, other)
