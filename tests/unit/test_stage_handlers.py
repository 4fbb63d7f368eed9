"""Each stage handler on in-memory records: letters from a local folder, no Kafka, no S3."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from schemas.events import (
    AnyEvent,
    DeterminationExtracted,
    LetterParsed,
    LetterParsedData,
    LetterReceived,
    LetterValidated,
    SourceObject,
    from_kafka,
    to_kafka,
)
from schemas.validation import ValidationReason, ValidationResult
from workers.config import Settings
from workers.extraction import EXTRACTOR_VERSION, extract
from workers.runtime import Message, Output, PermanentError
from workers.stages import build_handler, received_event, source_topic
from workers.stages.enrich import make_enrich_handler
from workers.stages.ingest import make_ingest_handler
from workers.stages.parse import make_parse_handler
from workers.stages.validate import make_validate_handler, rejection_reason
from workers.storage import LocalFolderStore, ObjectChangedError, ObjectMissingError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LETTER = FIXTURES / "letters" / "a2014_two_items.txt"
NOT_A_LETTER = FIXTURES / "letters" / "negative_meeting_notes.txt"
BUCKET = "drop"
SETTINGS = Settings(s3_bucket=BUCKET, s3_prefix="in/", max_object_bytes=200_000, max_pages=10)


def message(output: Output | None = None, *, value: bytes = b"", offset: int = 0) -> Message:
    """A consumed record holding ``output`` (or a bare ``value``)."""
    if output is None:
        return Message("in", 0, offset, None, value, (), None)
    return Message(output.topic, 0, offset, output.key, output.value, output.headers, None)


def event_message(event: AnyEvent) -> Message:
    record = to_kafka(event)
    return message(Output("in", record.key, record.value, tuple(record.headers)))


def decoded(outputs: Sequence[Output]) -> list[AnyEvent]:
    return [from_kafka(output.value, output.headers) for output in outputs]


@pytest.fixture
def store(tmp_path: Path) -> LocalFolderStore:
    folder = tmp_path / BUCKET
    folder.mkdir()
    return LocalFolderStore(folder)


# -- ingest ---------------------------------------------------------------------------------


def notification(*keys: str, event: str = "ObjectCreated:Put") -> bytes:
    records = [
        {
            "eventName": event,
            "s3": {"bucket": {"name": BUCKET}, "object": {"key": key, "eTag": f"etag-{key}"}},
        }
        for key in keys
    ]
    return json.dumps({"Records": records}).encode()


def test_ingest_emits_one_received_event_per_created_letter_keyed_by_letter_id() -> None:
    handle = make_ingest_handler(SETTINGS)
    outputs = handle(message(value=notification("in/a.pdf", "in/b+c.txt", "out/x.pdf")))

    assert [o.topic for o in outputs] == [SETTINGS.topic_letters_received] * 2
    events = decoded(outputs)
    assert all(isinstance(e, LetterReceived) for e in events)
    keys = [e.data.source.key for e in events if isinstance(e, LetterReceived)]
    assert keys == ["in/a.pdf", "in/b c.txt"]
    for output, event in zip(outputs, events, strict=True):
        assert isinstance(event, LetterReceived)
        assert output.key == event.data.letter_id.encode()
        assert event.data.letter_id == event.data.source.letter_id
        assert event.source == "/imr/workers/ingest"


def test_ingest_gives_a_redelivered_notification_the_same_letter_id() -> None:
    handle = make_ingest_handler(SETTINGS)
    first = handle(message(value=notification("in/a.pdf"), offset=1))
    again = handle(message(value=notification("in/a.pdf"), offset=2))
    assert [o.key for o in first] == [o.key for o in again]


def test_ingest_ignores_test_events_and_deletions() -> None:
    handle = make_ingest_handler(SETTINGS)
    test_event = json.dumps({"Service": "S3", "Event": "s3:TestEvent"}).encode()
    assert handle(message(value=test_event)) == []
    assert handle(message(value=notification("in/a.pdf", event="ObjectRemoved:Delete"))) == []


def test_ingest_dead_letters_malformed_notifications() -> None:
    with pytest.raises(PermanentError) as raised:
        make_ingest_handler(SETTINGS)(message(value=b"<xml/>"))
    assert raised.value.reason == "malformed_notification"


def test_ingest_passes_submitted_received_events_through_unchanged() -> None:
    submitted = received_event(SourceObject(bucket="elsewhere", key="x.pdf", etag="e1"))
    [output] = make_ingest_handler(SETTINGS)(event_message(submitted))
    assert output.topic == SETTINGS.topic_letters_received
    assert decoded([output]) == [submitted]


def test_ingest_refuses_other_cloudevents_on_the_notification_topic() -> None:
    received = received_event(SourceObject(bucket=BUCKET, key="in/a.pdf"))
    parsed = LetterParsed(
        source="/test",
        data=LetterParsedData(
            letter_id=received.data.letter_id,
            source=received.data.source,
            record=extract(LETTER.read_bytes()),
            extractor_version=EXTRACTOR_VERSION,
        ),
    )
    with pytest.raises(PermanentError) as raised:
        make_ingest_handler(SETTINGS)(event_message(parsed))
    assert raised.value.reason == "unexpected_event_type"


# -- parse ----------------------------------------------------------------------------------


def received_for(store: LocalFolderStore, key: str, data: bytes) -> LetterReceived:
    info = store.put(BUCKET, key, data, "text/plain")
    return received_event(SourceObject(bucket=BUCKET, key=key, etag=info.etag))


def test_parse_reads_the_letter_and_emits_the_record_with_its_digest(
    store: LocalFolderStore,
) -> None:
    data = LETTER.read_bytes()
    received = received_for(store, "in/letter.txt", data)
    [output] = make_parse_handler(SETTINGS, store)(event_message(received))

    assert output.topic == SETTINGS.topic_letters_parsed
    assert output.key == received.data.letter_id.encode()
    [parsed] = decoded([output])
    assert isinstance(parsed, LetterParsed)
    assert parsed.data.letter_id == received.data.letter_id
    assert parsed.data.record == extract(data)
    assert parsed.data.extractor_version == EXTRACTOR_VERSION
    source = parsed.data.source
    assert source.sha256 == hashlib.sha256(data).hexdigest()
    assert (source.size, source.pages) == (len(data), parsed.data.record.pages)
    assert (source.key, source.etag) == ("in/letter.txt", received.data.source.etag)


def test_parse_refuses_an_object_overwritten_since_the_notification(
    store: LocalFolderStore,
) -> None:
    received = received_for(store, "in/letter.txt", LETTER.read_bytes())
    store.put(BUCKET, "in/letter.txt", b"replaced", "text/plain")
    with pytest.raises(ObjectChangedError):
        make_parse_handler(SETTINGS, store)(event_message(received))


def test_parse_fails_permanently_for_a_missing_object(store: LocalFolderStore) -> None:
    received = received_event(SourceObject(bucket=BUCKET, key="in/gone.txt"))
    with pytest.raises(ObjectMissingError):
        make_parse_handler(SETTINGS, store)(event_message(received))


@pytest.mark.parametrize(
    ("path", "limits", "reason"),
    [
        (NOT_A_LETTER, {}, "not_an_imr_letter"),
        (FIXTURES / "broken" / "encrypted.pdf", {}, "encrypted"),
        (LETTER, {"max_object_bytes": 100}, "too_large"),
        (LETTER, {"max_pages": 1}, "too_large"),
        (FIXTURES / "pdf" / "c_upheld.pdf", {"max_inflated_bytes": 1}, "too_large"),
    ],
)
def test_parse_turns_unreadable_documents_into_reasoned_permanent_failures(
    store: LocalFolderStore, path: Path, limits: dict[str, int], reason: str
) -> None:
    settings = SETTINGS.model_copy(update=limits)
    received = received_for(store, f"in/{path.name}", path.read_bytes())
    with pytest.raises(PermanentError) as raised:
        make_parse_handler(settings, store)(event_message(received))
    assert raised.value.reason == reason


def test_parse_dead_letters_records_that_are_not_events(store: LocalFolderStore) -> None:
    with pytest.raises(PermanentError) as raised:
        make_parse_handler(SETTINGS, store)(message(value=notification("in/a.pdf")))
    assert raised.value.reason == "undecodable_event"


# -- validate -------------------------------------------------------------------------------


def parsed_event(path: Path = LETTER, **record_changes: object) -> LetterParsed:
    source = SourceObject(bucket=BUCKET, key=f"in/{path.name}")
    record = extract(path.read_bytes()).model_copy(update=record_changes)
    return LetterParsed(
        source="/test",
        data=LetterParsedData(
            letter_id=source.letter_id,
            source=source,
            record=record,
            extractor_version=EXTRACTOR_VERSION,
        ),
    )


def test_validate_passes_a_valid_record_on_with_its_verdict() -> None:
    parsed = parsed_event()
    [output] = make_validate_handler(SETTINGS)(event_message(parsed))
    assert output.topic == SETTINGS.topic_letters_validated
    assert output.key == parsed.data.letter_id.encode()
    [validated] = decoded([output])
    assert isinstance(validated, LetterValidated)
    assert validated.data.validation.status == "valid"
    assert validated.data.record == parsed.data.record
    assert validated.data.source == parsed.data.source


def test_validate_passes_needs_review_on_and_dead_letters_rejected_records() -> None:
    handle = make_validate_handler(SETTINGS)
    [review] = decoded(handle(event_message(parsed_event(case_number=None))))
    assert isinstance(review, LetterValidated)
    assert review.data.validation.status == "needs_review"

    items = extract(LETTER.read_bytes()).items
    rejected = parsed_event(items=[item.model_copy(update={"treatment": " "}) for item in items])
    with pytest.raises(PermanentError) as raised:
        handle(event_message(rejected))
    assert raised.value.reason == "rejected:items.none"


def test_rejection_reason_lists_only_error_codes_once_each() -> None:
    reasons = [
        ValidationReason(code="b.error", message="m", severity="error"),
        ValidationReason(code="a.warn", message="m", severity="warning"),
        ValidationReason(code="a.error", message="m", severity="error"),
        ValidationReason(code="b.error", field="items[1]", message="m", severity="error"),
    ]
    result = ValidationResult.from_reasons(reasons)
    assert rejection_reason(result) == "rejected:a.error,b.error"


# -- enrich ---------------------------------------------------------------------------------


def validated_event(parsed: LetterParsed) -> LetterValidated:
    [output] = make_validate_handler(SETTINGS)(event_message(parsed))
    [validated] = decoded([output])
    assert isinstance(validated, LetterValidated)
    return validated


def test_enrich_emits_the_determination_keyed_by_case_number() -> None:
    validated = validated_event(parsed_event())
    [output] = make_enrich_handler(SETTINGS)(event_message(validated))

    assert output.topic == SETTINGS.topic_determinations
    assert output.key == b"CM14-0031187"
    [determination] = decoded([output])
    assert isinstance(determination, DeterminationExtracted)
    data = determination.data
    assert (data.letter_id, data.source) == (validated.data.letter_id, validated.data.source)
    assert data.case_number == "CM14-0031187"
    assert [i.outcome for i in data.items] == [i.outcome for i in validated.data.record.items]
    assert [i.treatment for i in data.items] == [i.treatment for i in validated.data.record.items]
    assert data.validation == validated.data.validation
    assert all(item.authorization is not None for item in data.items)


def test_enrich_keys_a_letter_without_case_number_by_letter_id() -> None:
    validated = validated_event(parsed_event(case_number=None))
    [output] = make_enrich_handler(SETTINGS)(event_message(validated))
    assert output.key == validated.data.letter_id.encode()


def test_enrich_refuses_events_of_an_earlier_stage() -> None:
    with pytest.raises(PermanentError) as raised:
        make_enrich_handler(SETTINGS)(event_message(parsed_event()))
    assert raised.value.reason == "unexpected_event_type"


# -- wiring ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "topic"),
    [
        ("ingest", SETTINGS.topic_s3_events),
        ("parse", SETTINGS.topic_letters_received),
        ("validate", SETTINGS.topic_letters_parsed),
        ("enrich", SETTINGS.topic_letters_validated),
    ],
)
def test_each_stage_consumes_the_previous_stages_topic(stage: str, topic: str) -> None:
    assert source_topic(stage, SETTINGS) == topic  # type: ignore[arg-type]


def test_build_handler_wires_parse_to_the_given_store(store: LocalFolderStore) -> None:
    received = received_for(store, "in/letter.txt", LETTER.read_bytes())
    topic, handle = build_handler("parse", SETTINGS, store=store)
    assert topic == SETTINGS.topic_letters_received
    [parsed] = decoded(handle(event_message(received)))
    assert isinstance(parsed, LetterParsed)
