"""Read object-store bucket notifications into the objects they announce. Pure: no I/O.

Accepted shapes, as the stores publish them:

* AWS S3: ``{"Records": [...]}``; keys are URL-encoded with ``+`` for spaces.
* MinIO: the same records wrapped as ``{"EventName": ..., "Key": ..., "Records": [...]}``.
* versitygw: AWS-like records (a bare JSON array of them in older releases) whose keys are
  *not* URL-encoded. Such records are recognised by the bucket ARN, which versitygw builds from
  the request path and so ends with ``/<bucket>/<key>`` verbatim; their keys are taken as is.
* Test events (``{"Event": "s3:TestEvent", ...}``), sent when notifications are configured,
  announce nothing.

Only ``ObjectCreated:*`` records (with or without the ``s3:`` prefix) announce a letter; other
events are ignored, as are objects outside the configured bucket, prefix and suffixes.
:func:`read_notification` says why each ignored record was ignored (:data:`IGNORED_REASONS`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

from pydantic import ValidationError

from schemas.events import SourceObject
from workers.config import Settings
from workers.runtime import PermanentError
from workers.storage import normalise_etag

_TEST_EVENT = "s3:TestEvent"
_CREATED = "ObjectCreated:"
_REMOVED = "ObjectRemoved:"

IGNORED_REASONS = (
    "test_event",
    "object_removed",
    "other_event",
    "other_bucket",
    "outside_prefix",
    "folder",
    "unsupported_type",
)
"""Why a notification record announces no letter."""


@dataclass(frozen=True, slots=True)
class ObjectFilter:
    """Which announced objects are letters: in ``bucket``, under ``prefix``, ending in one of
    ``suffixes`` (case-insensitive; empty means any)."""

    bucket: str
    prefix: str = ""
    suffixes: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> ObjectFilter:
        return cls(settings.s3_bucket, settings.s3_prefix, settings.s3_suffixes)

    def accepts(self, bucket: str, key: str) -> bool:
        return self.rejection(bucket, key) is None

    def rejection(self, bucket: str, key: str) -> str | None:
        """Why the object is not a letter to read (one of :data:`IGNORED_REASONS`), or ``None``."""
        if bucket != self.bucket:
            return "other_bucket"
        if not key.startswith(self.prefix):
            return "outside_prefix"
        if key.endswith("/"):
            return "folder"
        lowered = key.lower()
        if self.suffixes and not any(lowered.endswith(s.lower()) for s in self.suffixes):
            return "unsupported_type"
        return None


@dataclass(frozen=True, slots=True)
class Notification:
    """What one notification announces: the letters to read, and why other records are not."""

    objects: list[SourceObject]
    ignored: list[str]
    """One reason (of :data:`IGNORED_REASONS`) per ignored record, in order."""


def read_notification(payload: bytes, accept: ObjectFilter) -> Notification:
    """The created objects ``payload`` announces that ``accept`` lets through, in order, and
    the reason for every record it does not.

    Raises :class:`PermanentError` when the payload is not JSON or not a known shape.
    """
    try:
        document = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PermanentError("malformed_notification") from error
    if isinstance(document, Mapping) and document.get("Event") == _TEST_EVENT:
        return Notification([], ["test_event"])
    objects: list[SourceObject] = []
    ignored: list[str] = []
    for record in _records(document):
        found = _created_object(record)
        if isinstance(found, str):
            ignored.append(found)
        elif (reason := accept.rejection(found.bucket, found.key)) is not None:
            ignored.append(reason)
        else:
            objects.append(found)
    return Notification(objects, ignored)


def parse_notification(payload: bytes, accept: ObjectFilter) -> list[SourceObject]:
    """The created objects ``payload`` announces that ``accept`` lets through, in order."""
    return read_notification(payload, accept).objects


def _records(document: Any) -> Sequence[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, Mapping):
        records = document.get("Records")
        if isinstance(records, list):
            return records
    raise PermanentError("unknown_notification_shape")


def _created_object(record: Any) -> SourceObject | str:
    """The object a record announces as created, or why it announces none."""
    if not isinstance(record, Mapping):
        raise PermanentError("malformed_notification_record")
    event_name = record.get("eventName")
    if not isinstance(event_name, str):
        raise PermanentError("malformed_notification_record")
    event = event_name.removeprefix("s3:")
    if not event.startswith(_CREATED):
        return "object_removed" if event.startswith(_REMOVED) else "other_event"
    s3 = _mapping(record.get("s3"))
    bucket = _mapping(s3.get("bucket")).get("name")
    obj = _mapping(s3.get("object"))
    key = obj.get("key")
    if not isinstance(bucket, str) or not isinstance(key, str) or not bucket or not key:
        raise PermanentError("malformed_notification_record")
    size = obj.get("size")
    try:
        return SourceObject(
            bucket=bucket,
            key=key if _key_is_verbatim(s3, bucket, key) else unquote_plus(key),
            version_id=_text(obj.get("versionId")),
            etag=normalise_etag(_text(obj.get("eTag"))),
            size=size
            if isinstance(size, int) and not isinstance(size, bool) and size >= 0
            else None,
            content_type=_text(obj.get("contentType")),
            received_at=_timestamp(record.get("eventTime")),
            event_name=event_name,
            sequencer=_text(obj.get("sequencer")),
        )
    except ValidationError as error:
        raise PermanentError("malformed_notification_record") from error


def _key_is_verbatim(s3: Mapping[str, Any], bucket: str, key: str) -> bool:
    arn = _mapping(s3.get("bucket")).get("arn")
    return isinstance(arn, str) and arn.endswith(f"/{bucket}/{key}")


def _mapping(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PermanentError("malformed_notification_record")
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _timestamp(value: Any) -> datetime | None:
    """The event time if it is an ISO 8601 instant with a zone; it is informational only."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
