"""What `imr dlq` reads from a dead letter's payload to show what it is about."""

from __future__ import annotations

import json

from workers.cli.dlq import describe
from workers.runtime import Message


def _message(value: bytes) -> Message:
    return Message("imr.parse.dlq", 0, 7, None, value, (), None)


def test_a_pipeline_event_names_its_letter_and_object() -> None:
    data = {"letter_id": "ab" * 16, "source": {"bucket": "drop", "key": "in/CM17-1.pdf"}}
    assert describe(_message(json.dumps(data).encode())) == {
        "letter_id": "ab" * 16,
        "object_key": "in/CM17-1.pdf",
    }


def test_a_bucket_notification_names_its_object() -> None:
    record = {"eventName": "s3:ObjectCreated:Put", "s3": {"object": {"key": "in/a.pdf"}}}
    assert describe(_message(json.dumps({"Records": [record]}).encode())) == {
        "letter_id": None,
        "object_key": "in/a.pdf",
    }


def test_anything_else_names_nothing() -> None:
    for value in (b"\x00\xff not json", b"[]", b'"text"', b'{"other": 1}'):
        assert describe(_message(value)) == {"letter_id": None, "object_key": None}
