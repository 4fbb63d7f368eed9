"""Write the JSON schemas of every event and the AsyncAPI document of every topic.

``python -m schemas.export`` rewrites ``schemas/json/`` and ``schemas/asyncapi.yaml``;
``python -m schemas.export --check`` exits 1 (listing the files) when they differ from the
models, without writing anything.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from schemas.cloudevents import (
    CONTENT_TYPE_HEADER,
    JSON_CONTENT_TYPE,
    TRACEPARENT_HEADER,
    TRACEPARENT_PATTERN,
    CloudEvent,
    schema_uri,
)
from schemas.events import EVENT_CLASSES, AnyEvent, to_kafka
from schemas.examples import example_events
from workers import __version__
from workers.config import ROLES, STAGES, Settings, Stage
from workers.runtime.dead_letter import (
    DLQ_ATTEMPT,
    DLQ_ERROR_CLASS,
    DLQ_KIND,
    DLQ_REASON,
    DLQ_SOURCE_OFFSET,
    DLQ_SOURCE_PARTITION,
    DLQ_SOURCE_TOPIC,
    DLQ_STAGE,
    DLQ_TIMESTAMP,
)
from workers.runtime.stage import group_id

SCHEMAS_DIR = Path(__file__).resolve().parent
JSON_DIR = SCHEMAS_DIR / "json"
ASYNCAPI_PATH = SCHEMAS_DIR / "asyncapi.yaml"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

DLQ_HEADERS: dict[str, str] = {
    DLQ_STAGE: "Stage that gave up on the record (ingest, parse, ocr, validate, enrich).",
    DLQ_ERROR_CLASS: "Class name of the failure.",
    DLQ_REASON: "Stable reason code; never document text.",
    DLQ_ATTEMPT: "Attempts made, decimal.",
    DLQ_SOURCE_TOPIC: "Topic the record was consumed from.",
    DLQ_SOURCE_PARTITION: "Partition the record was consumed from, decimal.",
    DLQ_SOURCE_OFFSET: "Offset of the record, decimal.",
    DLQ_TIMESTAMP: "When the record was dead-lettered, epoch milliseconds, decimal.",
}
DLQ_OPTIONAL_HEADERS: dict[str, str] = {
    DLQ_KIND: "transient (a dependency was unavailable: worth replaying) or permanent; absent "
    "from dead letters of earlier releases.",
}
KAFKA_BINDING_VERSION = "0.5.0"


def _kafka_key(schema: dict[str, Any]) -> dict[str, Any]:
    """Kafka message binding describing the record key."""
    return {"kafka": {"key": schema, "bindingVersion": KAFKA_BINDING_VERSION}}


def event_schema_file(cls: type[CloudEvent[Any]]) -> str:
    """File of the whole event (structured mode)."""
    return f"{cls.event_name()}.schema.json"


def data_schema_file(cls: type[CloudEvent[Any]]) -> str:
    """File of the event's ``data`` (the Kafka record value in binary mode)."""
    return f"{cls.event_name()}.data.schema.json"


def _schema(model: type[BaseModel], schema_id: str) -> dict[str, Any]:
    body = model.model_json_schema(mode="serialization")
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": schema_id, **body}


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON schema, for every event and every event's data."""
    schemas: dict[str, dict[str, Any]] = {}
    for cls in EVENT_CLASSES:
        name = cls.event_name()
        schemas[event_schema_file(cls)] = _schema(cls, f"{schema_uri(name)}:event")
        schemas[data_schema_file(cls)] = _schema(cls.data_model(), schema_uri(name))
    return schemas


def _header_schema(cls: type[CloudEvent[Any]]) -> dict[str, Any]:
    string = {"type": "string"}
    properties: dict[str, Any] = {
        "ce_specversion": {"const": "1.0"},
        "ce_id": {**string, "description": "UUID v4, unique per event."},
        "ce_source": {**string, "description": "Producer, e.g. /imr/workers/parse."},
        "ce_type": {"const": cls.model_fields["type"].default},
        "ce_subject": {**string, "description": "Same as the record key."},
        "ce_time": {**string, "format": "date-time"},
        "ce_dataschema": {"const": cls.model_fields["dataschema"].default},
        CONTENT_TYPE_HEADER: {"const": JSON_CONTENT_TYPE},
        TRACEPARENT_HEADER: {
            **string,
            "pattern": TRACEPARENT_PATTERN,
            "description": "W3C trace context (optional).",
        },
    }
    required = [name for name in properties if name != TRACEPARENT_HEADER]
    return {"type": "object", "properties": properties, "required": required}


def _example(event: AnyEvent) -> dict[str, Any]:
    record = to_kafka(event)
    return {
        "name": type(event).__name__,
        "headers": {name: value.decode() for name, value in record.headers},
        "payload": json.loads(record.value),
    }


_CASE_KEY = "Case number (UTF-8); the letter id when the letter has none."
_KEY_DESCRIPTIONS = {
    "DeterminationExtracted": _CASE_KEY,
    "DeterminationReviewed": _CASE_KEY,
    "DeadLetter": "Key of the failed record.",
}


def _event_message(cls: type[CloudEvent[Any]], event: AnyEvent) -> dict[str, Any]:
    key = _KEY_DESCRIPTIONS.get(cls.__name__, "Letter id (UTF-8, 32 hex digits).")
    return {
        "name": cls.__name__,
        "title": cls.__name__,
        "summary": (cls.__doc__ or cls.__name__).strip().splitlines()[0],
        "contentType": JSON_CONTENT_TYPE,
        "headers": _header_schema(cls),
        "payload": {"$ref": f"./json/{data_schema_file(cls)}"},
        "bindings": _kafka_key({"type": "string", "description": key}),
        "examples": [_example(event)],
    }


_S3_RECORDS_REF = "#/components/schemas/S3Records"
_S3_NOTIFICATION: dict[str, Any] = {
    "name": "S3Notification",
    "title": "Bucket notification",
    "summary": "Object-store event JSON exactly as the store publishes it.",
    "description": (
        "AWS S3 sends {Records: [...]}; MinIO wraps the same records with EventName and Key; "
        "versitygw sends a bare array of records. Only ObjectCreated records announce a "
        "letter; test events and other records are ignored."
    ),
    "contentType": JSON_CONTENT_TYPE,
    "payload": {
        "anyOf": [
            {"type": "object", "properties": {"Records": {"$ref": _S3_RECORDS_REF}}},
            {"$ref": _S3_RECORDS_REF},
        ]
    },
    "bindings": _kafka_key({"description": "Whatever the store or bridge sets; not used."}),
}

_S3_RECORDS: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "eventName": {"type": "string", "examples": ["s3:ObjectCreated:Put"]},
            "eventTime": {"type": "string", "format": "date-time"},
            "s3": {
                "type": "object",
                "properties": {
                    "bucket": {"type": "object", "properties": {"name": {"type": "string"}}},
                    "object": {
                        "type": "object",
                        "properties": {
                            "key": {"type": "string", "description": "URL-encoded."},
                            "size": {"type": "integer"},
                            "eTag": {"type": "string"},
                            "versionId": {"type": "string"},
                            "sequencer": {"type": "string"},
                        },
                    },
                },
            },
        },
    },
}

_DEAD_LETTER_RECORD: dict[str, Any] = {
    "name": "DeadLetterRecord",
    "title": "Dead letter",
    "summary": "A record a stage gave up on: original key, value and headers, plus imr.dlq.*.",
    "description": (
        "The key, value and headers are the failed record's, byte for byte (earlier imr.dlq.* "
        "headers are replaced), so `imr dlq replay` can send it back to its source topic."
    ),
    "headers": {
        "type": "object",
        "properties": {
            name: {"type": "string", "description": text}
            for name, text in {**DLQ_HEADERS, **DLQ_OPTIONAL_HEADERS}.items()
        },
        "required": list(DLQ_HEADERS),
        "additionalProperties": {"description": "Headers of the original record, unchanged."},
    },
    "payload": {"description": "Value of the original record, unchanged (any bytes)."},
    "bindings": _kafka_key({"description": "Key of the original record, unchanged."}),
}


def _channel_ids(settings: Settings) -> dict[str, tuple[str, str]]:
    """Channel id -> (topic, message id)."""
    channels = {
        "s3Events": (settings.topic_s3_events, "S3Notification"),
        "lettersReceived": (settings.topic_letters_received, "LetterReceived"),
        "lettersOcrRequested": (settings.topic_letters_ocr, "LetterReceived"),
        "lettersParsed": (settings.topic_letters_parsed, "LetterParsed"),
        "lettersValidated": (settings.topic_letters_validated, "LetterValidated"),
        "determinations": (settings.topic_determinations, "DeterminationExtracted"),
        "reviewedDeterminations": (settings.topic_reviewed, "DeterminationReviewed"),
    }
    for stage in ROLES:
        channels[f"{stage}DeadLetters"] = (settings.dlq_topic(stage), "DeadLetterRecord")
    return channels


_STAGE_FLOW: dict[Stage, tuple[str, tuple[str, ...]]] = {
    "ingest": ("s3Events", ("lettersReceived",)),
    # A letter with scanned pages goes to the ocr stage, which hands it back to parse.
    "parse": ("lettersReceived", ("lettersParsed", "lettersOcrRequested")),
    "ocr": ("lettersOcrRequested", ("lettersReceived",)),
    "validate": ("lettersParsed", ("lettersValidated",)),
    "enrich": ("lettersValidated", ("determinations",)),
}


def _operations(settings: Settings) -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for stage in STAGES:
        consumed, produced = _STAGE_FLOW[stage]
        for name, action, channel, verb in (
            ("Receive", "receive", consumed, "Consume"),
            *(
                (
                    "Send" + ("" if index == 0 else f"To{channel[0].upper()}{channel[1:]}"),
                    "send",
                    channel,
                    "Publish",
                )
                for index, channel in enumerate(produced)
            ),
            ("DeadLetter", "send", f"{stage}DeadLetters", "Dead-letter"),
        ):
            operations[f"{stage}{name}"] = {
                "action": action,
                "channel": {"$ref": f"#/channels/{channel}"},
                "summary": f"{verb} ({stage} stage, consumer group {group_id(settings, stage)}).",
            }
    sink = f"consumer group {group_id(settings, 'sink')}"
    for name, action, channel, summary in (
        ("sinkReceive", "receive", "determinations", f"Land in the claims database ({sink})."),
        *(
            (f"sinkReceive{stage.title()}DeadLetters", "receive", f"{stage}DeadLetters", "")
            for stage in STAGES
        ),
        ("sinkDeadLetter", "send", "sinkDeadLetters", "Dead-letter what is not a determination."),
        ("reviewSend", "send", "reviewedDeterminations", "Publish an approved review (console)."),
    ):
        operations[name] = {
            "action": action,
            "channel": {"$ref": f"#/channels/{channel}"},
            "summary": summary or f"Record dead letters by reason ({sink}).",
        }
    return operations


def asyncapi_document(settings: Settings | None = None) -> dict[str, Any]:
    """The AsyncAPI 3.0 document for the topics of ``settings`` (default: the default topic
    names, whatever the environment says)."""
    settings = settings or Settings.model_construct()
    examples = {type(event).__name__: event for event in example_events()}
    messages: dict[str, Any] = {
        "S3Notification": _S3_NOTIFICATION,
        "DeadLetterRecord": _DEAD_LETTER_RECORD,
    }
    for cls in EVENT_CLASSES:
        messages[cls.__name__] = _event_message(cls, examples[cls.__name__])
    channels = {
        channel: {
            "address": topic,
            "messages": {message: {"$ref": f"#/components/messages/{message}"}},
        }
        for channel, (topic, message) in _channel_ids(settings).items()
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "IMR determination workers",
            "version": __version__,
            "description": (
                "Topics of the IMR letter pipeline. Events are CloudEvents 1.0 in Kafka binary "
                "mode: attributes in ce_* headers, the record value is the JSON of data."
            ),
        },
        "defaultContentType": JSON_CONTENT_TYPE,
        "servers": {
            "kafka": {
                "host": settings.kafka_bootstrap_servers,
                "protocol": "kafka",
                "description": "Set by IMR_KAFKA_BOOTSTRAP_SERVERS and the IMR_KAFKA_* options.",
            }
        },
        "channels": channels,
        "operations": _operations(settings),
        "components": {"messages": messages, "schemas": {"S3Records": _S3_RECORDS}},
    }


def rendered_files() -> dict[Path, str]:
    """Path -> exact text of every exported file."""
    files = {
        JSON_DIR / name: json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        for name, schema in json_schemas().items()
    }
    files[ASYNCAPI_PATH] = yaml.safe_dump(
        asyncapi_document(), sort_keys=False, allow_unicode=True, width=100
    )
    return files


def stale_files() -> list[Path]:
    """Exported files missing or different on disk, and stray schema files."""
    files = rendered_files()
    stale = [path for path, text in files.items() if not path.is_file() or path.read_text() != text]
    stray = [path for path in JSON_DIR.glob("*.json") if path not in files]
    return sorted(stale + stray)


def write() -> list[Path]:
    """Write every exported file, delete stray schema files; returns the files changed."""
    changed = stale_files()
    files = rendered_files()
    JSON_DIR.mkdir(exist_ok=True)
    for path in changed:
        if path in files:
            path.write_text(files[path])
        else:
            path.unlink()
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m schemas.export", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report out-of-date files")
    args = parser.parse_args(argv)
    paths = stale_files() if args.check else write()
    for path in paths:
        print(path.relative_to(SCHEMAS_DIR.parent), file=sys.stderr)
    if args.check and paths:
        print("schemas are out of date: run python -m schemas.export", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
