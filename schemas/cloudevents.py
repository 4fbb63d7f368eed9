"""The CloudEvents 1.0 envelope shared by every event, and its two encodings.

* **Binary mode** (Kafka): the attributes travel as ``ce_*`` headers (plus ``content-type`` and the
  W3C ``traceparent``), the record value is the JSON of ``data`` alone.
* **Structured mode** (files, stdout): one JSON object holding the attributes and ``data``.

Concrete event classes (see :mod:`schemas.events`) fix ``type`` and ``dataschema`` with literal
defaults and derive ``subject`` and the Kafka key from their data.
"""

from __future__ import annotations

import builtins
import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Generic, Literal, NamedTuple, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, computed_field

SPECVERSION = "1.0"
JSON_CONTENT_TYPE = "application/json"
TYPE_PREFIX = "org.imr."
"""Reverse-DNS prefix of every event ``type``; the rest is ``<name>.v<major>``."""
SCHEMA_URI_PREFIX = "urn:imr:schema:"
"""``dataschema`` is this prefix plus the event name; it is also the ``$id`` of the data schema
file ``schemas/json/<name>.data.schema.json``."""
TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"

TRACEPARENT_HEADER = "traceparent"
CONTENT_TYPE_HEADER = "content-type"
_CE_HEADER_PREFIX = "ce_"
_HEADER_ATTRIBUTES = ("specversion", "id", "source", "type", "subject", "time", "dataschema")
"""Attributes carried as ``ce_<name>`` headers in binary mode, in header order."""

RawHeaders = Iterable[tuple[str, bytes | None]]

DataT = TypeVar("DataT", bound=BaseModel)
EventT = TypeVar("EventT", bound="CloudEvent[Any]")


class KafkaRecord(NamedTuple):
    """One record as handed to a Kafka producer."""

    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


class EventDecodeError(ValueError):
    """A record or document is not a valid event of a known type.

    ``reason`` is a short description without any document content (safe to log and to put in a
    dead letter); ``event_type`` is the ``type`` attribute when one could be read.
    """

    def __init__(self, reason: str, *, event_type: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.event_type = event_type


def schema_uri(name: str) -> str:
    """The ``dataschema`` attribute of event ``name``."""
    return SCHEMA_URI_PREFIX + name


def stage_source(stage: str) -> str:
    """The ``source`` attribute of events produced by pipeline stage ``stage``."""
    return f"/imr/workers/{stage}"


def _new_id() -> str:
    return str(uuid.uuid4())


def _now() -> datetime:
    return datetime.now(UTC)


class CloudEvent(BaseModel, Generic[DataT]):
    """CloudEvents 1.0 attributes plus typed ``data``.

    ``subject`` is derived from ``data`` by each concrete class (:meth:`event_subject`), so it
    always agrees with the Kafka key; a ``subject`` found on input is ignored.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=_new_id, min_length=1)
    source: str = Field(pattern=r"^\S+$", description="URI-reference of the producer.")
    type: str
    time: AwareDatetime = Field(default_factory=_now)
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str
    traceparent: str | None = Field(
        default=None, pattern=TRACEPARENT_PATTERN, description="W3C trace context extension."
    )
    data: DataT

    @classmethod
    def event_name(cls) -> str:
        """The ``type`` without the project prefix, e.g. ``letter.parsed.v1``."""
        default = cls.model_fields["type"].default
        if not isinstance(default, str):
            raise TypeError(f"{cls.__name__} does not fix its event type")
        return default.removeprefix(TYPE_PREFIX)

    @classmethod
    def data_model(cls) -> builtins.type[BaseModel]:
        """The model of ``data``."""
        annotation = cls.model_fields["data"].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            raise TypeError(f"{cls.__name__} does not fix its data model")
        return annotation

    @computed_field  # type: ignore[prop-decorator]
    @property
    def subject(self) -> str:
        """The letter (or case) the event is about."""
        return self.event_subject()

    def event_subject(self) -> str:
        raise NotImplementedError

    def kafka_key(self) -> bytes | None:
        """Partition key: records about the same subject stay in order."""
        return self.event_subject().encode()


def encode_binary(event: CloudEvent[Any]) -> KafkaRecord:
    """``event`` in CloudEvents Kafka binary mode."""
    attributes = event.model_dump(mode="json", exclude={"data"})
    headers = [
        (_CE_HEADER_PREFIX + name, str(attributes[name]).encode())
        for name in _HEADER_ATTRIBUTES
        if attributes.get(name) is not None
    ]
    headers.append((CONTENT_TYPE_HEADER, JSON_CONTENT_TYPE.encode()))
    if event.traceparent is not None:
        headers.append((TRACEPARENT_HEADER, event.traceparent.encode()))
    return KafkaRecord(event.kafka_key(), event.data.model_dump_json().encode(), headers)


def encode_structured(event: CloudEvent[Any]) -> dict[str, Any]:
    """``event`` as a structured-mode JSON object (absent optional attributes are omitted)."""
    document = event.model_dump(mode="json")
    return {name: value for name, value in document.items() if value is not None}


def decode_binary(
    value: bytes, headers: RawHeaders, registry: Mapping[str, type[EventT]]
) -> EventT:
    """Parse a binary-mode record into the event class ``registry`` maps its ``ce_type`` to."""
    found: dict[str, str] = {}
    for name, raw in headers:
        lowered = name.lower()
        if raw is None:
            continue
        if lowered.startswith(_CE_HEADER_PREFIX) or lowered in (
            CONTENT_TYPE_HEADER,
            TRACEPARENT_HEADER,
        ):
            try:
                found[lowered] = raw.decode()
            except UnicodeDecodeError as error:
                raise EventDecodeError(f"header {lowered} is not UTF-8") from error
    content_type = found.get(CONTENT_TYPE_HEADER, JSON_CONTENT_TYPE)
    if content_type.split(";")[0].strip().lower() != JSON_CONTENT_TYPE:
        raise EventDecodeError(f"unsupported content-type {content_type!r}")
    try:
        data = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EventDecodeError("value is not JSON", event_type=found.get("ce_type")) from error
    document: dict[str, Any] = {
        name: found[_CE_HEADER_PREFIX + name]
        for name in _HEADER_ATTRIBUTES
        if _CE_HEADER_PREFIX + name in found
    }
    if TRACEPARENT_HEADER in found:
        document["traceparent"] = found[TRACEPARENT_HEADER]
    document["data"] = data
    return decode_structured(document, registry)


def decode_structured(document: Mapping[str, Any], registry: Mapping[str, type[EventT]]) -> EventT:
    """Parse a structured-mode object. Unknown extension attributes are ignored, as the
    CloudEvents specification asks of consumers."""
    type_ = document.get("type")
    if not isinstance(type_, str) or not type_:
        raise EventDecodeError("missing event type")
    if document.get("specversion") != SPECVERSION:
        raise EventDecodeError("missing or unsupported specversion", event_type=type_)
    cls = registry.get(type_)
    if cls is None:
        raise EventDecodeError(f"unknown event type {type_!r}", event_type=type_)
    if "data" not in document:
        raise EventDecodeError("missing data", event_type=type_)
    known = {key: value for key, value in document.items() if key in cls.model_fields}
    try:
        return cls.model_validate(known)
    except ValidationError as error:
        raise EventDecodeError(
            f"invalid {type_}: {describe_errors(error)}", event_type=type_
        ) from error


def describe_errors(error: ValidationError, limit: int = 5) -> str:
    """Field locations and messages of a validation error, without the offending values."""
    problems = [
        f"{'.'.join(str(part) for part in detail['loc']) or '<root>'}: {detail['msg']}"
        for detail in error.errors(include_input=False, include_url=False)
    ]
    more = f" (+{len(problems) - limit} more)" if len(problems) > limit else ""
    return "; ".join(problems[:limit]) + more
