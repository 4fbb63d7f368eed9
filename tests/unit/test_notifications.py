"""Bucket notifications of every supported store shape -> the created objects they announce."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from workers.config import Settings
from workers.runtime import Message, PermanentError
from workers.stages import build_handler
from workers.stages.notifications import ObjectFilter, parse_notification, read_notification

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "notifications"
LETTERS = ObjectFilter("imr-letters", "", (".pdf", ".txt"))


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def test_aws_record_is_url_decoded_and_keeps_the_object_identity() -> None:
    [found] = parse_notification(sample("aws_put.json"), LETTERS)
    assert found.bucket == "imr-letters"
    assert found.key == "incoming/2017/Final Determination (CM17-0001234).pdf"
    assert found.version_id == "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"
    assert found.etag == "d41d8cd98f00b204e9800998ecf8427e"
    assert found.size == 184213
    assert found.sequencer == "0055AED6DCD90281E5"
    assert found.event_name == "ObjectCreated:Put"
    assert found.received_at == datetime(2026, 11, 2, 18, 4, 11, 312000, tzinfo=UTC)


def test_only_created_events_count_and_multipart_etags_are_unquoted() -> None:
    found = parse_notification(sample("aws_mixed_events.json"), LETTERS)
    # The delete and the tagging change announce nothing; the .docx copy fails the suffixes.
    assert [(o.key, o.etag, o.version_id) for o in found] == [
        ("incoming/scan+1.PDF", "9b2cf535f27731c974343645a3985328-2", None)
    ]


def test_minio_wrapper_is_unwrapped() -> None:
    [found] = parse_notification(sample("minio_put.json"), LETTERS)
    assert (found.bucket, found.key) == ("imr-letters", "incoming/CM16-0234464 final.pdf")
    assert (found.version_id, found.content_type) == ("1", "application/pdf")
    assert found.event_name == "s3:ObjectCreated:Put"


def test_versitygw_keys_are_taken_verbatim() -> None:
    accept = ObjectFilter("capture-236015a5", "", (".pdf",))
    [found] = parse_notification(sample("versitygw_put.json"), accept)
    assert found.key == "in/Final Determination+copy (1).pdf"
    assert found.etag == "183b148a9dae94a7844a8351b1fc2d59"
    assert found.version_id is None
    assert found.event_name == "s3:ObjectCreated:Put"


def test_versitygw_multipart_upload_counts_as_created() -> None:
    accept = ObjectFilter("capture-236015a5", "", (".pdf",))
    [found] = parse_notification(sample("versitygw_multipart.json"), accept)
    assert (found.key, found.etag, found.version_id) == (
        "multi.pdf",
        "bccb8986cc6b395e4f045d410c776698-1",
        None,
    )


def test_an_aws_bucket_arn_leaves_keys_url_encoded() -> None:
    aws = record("a+b.pdf")
    aws["s3"]["bucket"]["arn"] = "arn:aws:s3:::imr-letters"
    [found] = parse_notification(payload(aws), LETTERS)
    assert found.key == "a b.pdf"


@pytest.mark.parametrize("name", ["aws_test_event.json", "versitygw_test_event.json"])
def test_test_events_announce_nothing(name: str) -> None:
    assert parse_notification(sample(name), LETTERS) == []


def record(key: str, *, bucket: str = "imr-letters", event: str = "ObjectCreated:Put") -> dict:
    return {"eventName": event, "s3": {"bucket": {"name": bucket}, "object": {"key": key}}}


def payload(*records: dict) -> bytes:
    return json.dumps({"Records": list(records)}).encode()


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (ObjectFilter("imr-letters"), ["in/a.pdf", "in/b.txt", "out/c.PDF", "in/d.docx"]),
        (ObjectFilter("imr-letters", "in/"), ["in/a.pdf", "in/b.txt", "in/d.docx"]),
        (ObjectFilter("imr-letters", "", (".pdf",)), ["in/a.pdf", "out/c.PDF"]),
        (ObjectFilter("imr-letters", "in/", (".pdf", ".txt")), ["in/a.pdf", "in/b.txt"]),
        (ObjectFilter("other-bucket"), []),
    ],
)
def test_filters_by_bucket_prefix_and_case_insensitive_suffix(
    accept: ObjectFilter, expected: list[str]
) -> None:
    document = payload(
        record("in/a.pdf"), record("in/b.txt"), record("out/c.PDF"), record("in/d.docx")
    )
    assert [o.key for o in parse_notification(document, accept)] == expected


def test_folder_markers_are_not_letters() -> None:
    assert parse_notification(payload(record("in/")), ObjectFilter("imr-letters")) == []


def test_filter_comes_from_settings() -> None:
    settings = Settings(s3_bucket="drop", s3_prefix="letters/", s3_suffixes=(".pdf",))
    assert ObjectFilter.from_settings(settings) == ObjectFilter("drop", "letters/", (".pdf",))


def test_event_names_with_and_without_the_s3_prefix_are_accepted() -> None:
    document = payload(
        record("a.pdf", event="s3:ObjectCreated:Post"),
        record("b.pdf", event="ObjectCreated:Copy"),
        record("c.pdf", event="s3:ObjectRemoved:Delete"),
        record("d.pdf", event="s3:ObjectRestore:Completed"),
    )
    assert [o.key for o in parse_notification(document, LETTERS)] == ["a.pdf", "b.pdf"]


def test_a_bare_record_array_is_read_like_records() -> None:
    document = json.dumps([record("a.pdf"), record("b.pdf")]).encode()
    assert [o.key for o in parse_notification(document, LETTERS)] == ["a.pdf", "b.pdf"]


def test_optional_fields_of_the_wrong_type_are_left_out() -> None:
    odd = record("a.pdf")
    odd["eventTime"] = "yesterday"
    odd["s3"]["object"].update({"size": "12", "eTag": 5, "versionId": "", "sequencer": None})
    [found] = parse_notification(payload(odd), LETTERS)
    assert (found.size, found.etag, found.version_id, found.sequencer, found.received_at) == (
        None,
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b"{not json", "malformed_notification"),
        (b"\xff\xfe\x00", "malformed_notification"),
        (b'"a string"', "unknown_notification_shape"),
        (b'{"Service": "S3"}', "unknown_notification_shape"),
        (b'{"Records": {"eventName": "ObjectCreated:Put"}}', "unknown_notification_shape"),
        (b'{"Records": ["text"]}', "malformed_notification_record"),
        (b'{"Records": [{"s3": {}}]}', "malformed_notification_record"),
        (b'{"Records": [{"eventName": "ObjectCreated:Put"}]}', "malformed_notification_record"),
        (
            b'{"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"},'
            b' "object": {}}}]}',
            "malformed_notification_record",
        ),
        (
            b'{"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"},'
            b' "object": {"key": "k.pdf", "eTag": "a\\"b"}}}]}',
            "malformed_notification_record",
        ),
    ],
)
def test_malformed_payloads_are_permanent_failures(document: bytes, reason: str) -> None:
    with pytest.raises(PermanentError) as raised:
        parse_notification(document, LETTERS)
    assert raised.value.reason == reason


@pytest.mark.parametrize(
    ("event", "bucket", "key", "reason"),
    [
        ("s3:ObjectRemoved:Delete", "imr-letters", "a.pdf", "object_removed"),
        ("s3:ObjectRestore:Completed", "imr-letters", "a.pdf", "other_event"),
        ("s3:ObjectCreated:Put", "elsewhere", "a.pdf", "other_bucket"),
        ("s3:ObjectCreated:Put", "imr-letters", "notes/", "folder"),
        ("s3:ObjectCreated:Put", "imr-letters", "a.docx", "unsupported_type"),
    ],
)
def test_every_ignored_record_has_a_reason(event: str, bucket: str, key: str, reason: str) -> None:
    document = {"Records": [
        {"eventName": event, "s3": {"bucket": {"name": bucket}, "object": {"key": key}}},
        {"eventName": "s3:ObjectCreated:Put",
         "s3": {"bucket": {"name": "imr-letters"}, "object": {"key": "b.pdf"}}},
    ]}  # fmt: skip
    found = read_notification(json.dumps(document).encode(), LETTERS)
    assert ([o.key for o in found.objects], found.ignored) == (["b.pdf"], [reason])


def test_a_test_event_is_ignored_as_such() -> None:
    payload = json.dumps({"Event": "s3:TestEvent", "Bucket": "imr-letters"}).encode()
    assert read_notification(payload, LETTERS).ignored == ["test_event"]


def test_ingest_counts_and_logs_ignored_records() -> None:
    registry = CollectorRegistry()
    _, handle = build_handler(
        "ingest", Settings(_env_file=None, s3_bucket="imr-letters"), registry=registry
    )
    removed = {"bucket": {"name": "imr-letters"}, "object": {"key": "x.pdf"}}
    document = {"Records": [{"eventName": "s3:ObjectRemoved:Delete", "s3": removed}]}
    with capture_logs() as logs:
        assert handle(Message("events", 0, 0, None, json.dumps(document).encode(), (), None)) == []
    assert [(log["event"], log["reason"]) for log in logs] == [
        ("notification ignored", "object_removed")
    ]
    assert "x.pdf" not in str(logs)
    value = registry.get_sample_value(
        "imr_notifications_ignored_total", {"reason": "object_removed"}
    )
    assert value == 1.0
    assert registry.get_sample_value("imr_notifications_ignored_total", {"reason": "folder"}) == 0.0
