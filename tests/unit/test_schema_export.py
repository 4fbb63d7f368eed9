"""Exported JSON schemas and AsyncAPI document: up to date, self-consistent, and they accept the
events the models produce."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from schemas import export
from schemas.events import EVENT_CLASSES, AnyEvent, to_kafka, to_structured
from schemas.examples import example_events
from workers.config import ROLES, STAGES, Settings

EVENTS = example_events()
ASYNCAPI = yaml.safe_load(export.ASYNCAPI_PATH.read_text())


def _validator(file_name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((export.JSON_DIR / file_name).read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def test_committed_files_match_the_models() -> None:
    stale = [str(path.relative_to(export.SCHEMAS_DIR)) for path in export.stale_files()]
    assert stale == [], "run: python -m schemas.export"


def test_check_mode_reports_changed_missing_and_stray_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    json_dir = tmp_path / "json"
    shutil.copytree(export.JSON_DIR, json_dir)
    asyncapi = tmp_path / "asyncapi.yaml"
    shutil.copy(export.ASYNCAPI_PATH, asyncapi)
    monkeypatch.setattr(export, "SCHEMAS_DIR", tmp_path)
    monkeypatch.setattr(export, "JSON_DIR", json_dir)
    monkeypatch.setattr(export, "ASYNCAPI_PATH", asyncapi)
    assert export.main(["--check"]) == 0

    changed = json_dir / "letter.parsed.v1.data.schema.json"
    edited = changed.read_text().replace('"record"', '"recrod"')
    changed.write_text(edited)
    (json_dir / "letter.received.v1.schema.json").unlink()
    (json_dir / "letter.old.v0.schema.json").write_text("{}")
    expected = {
        changed,
        json_dir / "letter.received.v1.schema.json",
        json_dir / "letter.old.v0.schema.json",
    }
    assert set(export.stale_files()) == expected
    assert export.main(["--check"]) == 1
    assert changed.read_text() == edited

    assert export.main([]) == 0
    assert export.stale_files() == []
    assert not (json_dir / "letter.old.v0.schema.json").exists()


def test_every_event_and_its_data_has_a_schema_file() -> None:
    names = set(export.json_schemas())
    for cls in EVENT_CLASSES:
        assert export.event_schema_file(cls) in names
        assert export.data_schema_file(cls) in names
    assert len(names) == 2 * len(EVENT_CLASSES)


def test_data_schema_ids_are_the_events_dataschema() -> None:
    for cls in EVENT_CLASSES:
        schema = export.json_schemas()[export.data_schema_file(cls)]
        assert schema["$id"] == cls.model_fields["dataschema"].default


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: type(event).__name__)
def test_structured_events_validate_against_the_event_schema(event: AnyEvent) -> None:
    validator = _validator(export.event_schema_file(type(event)))
    validator.validate(to_structured(event))
    broken = {**to_structured(event), "type": "org.imr.other.v1"}
    assert not validator.is_valid(broken)


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: type(event).__name__)
def test_kafka_values_validate_against_the_data_schema(event: AnyEvent) -> None:
    validator = _validator(export.data_schema_file(type(event)))
    value = json.loads(to_kafka(event).value)
    validator.validate(value)
    assert not validator.is_valid({**value, "unexpected": 1})


def test_the_determination_schema_rejects_an_item_without_enrichment() -> None:
    validator = _validator("determination.extracted.v1.data.schema.json")
    event = next(event for event in EVENTS if type(event).__name__ == "DeterminationExtracted")
    value = json.loads(to_kafka(event).value)
    del value["items"][0]["authorization"]
    assert not validator.is_valid(value)


def _resolve(reference: str) -> Any:
    node: Any = ASYNCAPI
    for part in reference.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_asyncapi_has_a_channel_for_every_topic() -> None:
    settings = Settings.model_construct()
    topics = {
        settings.topic_s3_events,
        settings.topic_letters_received,
        settings.topic_letters_ocr,
        settings.topic_letters_parsed,
        settings.topic_letters_validated,
        settings.topic_determinations,
        settings.topic_reviewed,
        *(settings.dlq_topic(stage) for stage in ROLES),
    }
    assert ASYNCAPI["asyncapi"] == "3.0.0"
    assert {channel["address"] for channel in ASYNCAPI["channels"].values()} == topics


def test_asyncapi_references_resolve() -> None:
    for channel in ASYNCAPI["channels"].values():
        for message in channel["messages"].values():
            assert _resolve(message["$ref"])["name"]
    for operation in ASYNCAPI["operations"].values():
        assert _resolve(operation["channel"]["$ref"])["address"]
    for message in ASYNCAPI["components"]["messages"].values():
        reference = message["payload"].get("$ref", "")
        if reference.startswith("./"):
            assert (export.SCHEMAS_DIR / reference).is_file(), reference


def test_asyncapi_gives_each_stage_a_receive_a_send_and_a_dead_letter_operation() -> None:
    by_stage: dict[str, list[tuple[str, str]]] = {}
    for name, operation in ASYNCAPI["operations"].items():
        stage = next((stage for stage in STAGES if name.startswith(stage)), None)
        if stage is None:
            continue
        channel = _resolve(operation["channel"]["$ref"])["address"]
        by_stage.setdefault(stage, []).append((operation["action"], channel))
    settings = Settings.model_construct()
    assert by_stage["parse"] == [
        ("receive", settings.topic_letters_received),
        ("send", settings.topic_letters_parsed),
        ("send", settings.topic_letters_ocr),
        ("send", settings.dlq_topic("parse")),
    ]
    assert by_stage["ocr"] == [
        ("receive", settings.topic_letters_ocr),
        ("send", settings.topic_letters_received),
        ("send", settings.dlq_topic("ocr")),
    ]
    assert ("send", settings.topic_determinations) in by_stage["enrich"]
    assert set(by_stage) == set(STAGES)


def test_asyncapi_has_the_sink_read_determinations_and_the_console_publish_reviews() -> None:
    settings = Settings.model_construct()
    actions = {
        (operation["action"], _resolve(operation["channel"]["$ref"])["address"])
        for name, operation in ASYNCAPI["operations"].items()
        if name.startswith(("sink", "review"))
    }
    assert ("receive", settings.topic_determinations) in actions
    assert ("send", settings.topic_reviewed) in actions
    assert {("receive", settings.dlq_topic(stage)) for stage in STAGES} <= actions


def test_the_reviewed_event_validates_and_a_change_without_reviewer_does_not() -> None:
    validator = _validator("determination.reviewed.v1.data.schema.json")
    event = next(event for event in EVENTS if type(event).__name__ == "DeterminationReviewed")
    value = json.loads(to_kafka(event).value)
    validator.validate(value)
    assert value["determination"]["decision_date"] == value["changes"][0]["new_value"]
    del value["changes"][0]["reviewer"]
    assert not validator.is_valid(value)


def test_asyncapi_examples_match_their_headers_and_payload_schemas() -> None:
    for cls in EVENT_CLASSES:
        message = ASYNCAPI["components"]["messages"][cls.__name__]
        headers = jsonschema.Draft202012Validator(message["headers"])
        payload = _validator(message["payload"]["$ref"].removeprefix("./json/"))
        for example in message["examples"]:
            headers.validate(example["headers"])
            payload.validate(example["payload"])


def test_asyncapi_documents_the_dead_letter_headers() -> None:
    headers = ASYNCAPI["components"]["messages"]["DeadLetterRecord"]["headers"]
    assert set(headers["required"]) == set(export.DLQ_HEADERS)
    documented = {**export.DLQ_HEADERS, **export.DLQ_OPTIONAL_HEADERS}
    assert set(headers["properties"]) == set(documented)
    assert all(name.startswith("imr.dlq.") for name in documented)
    assert len(export.DLQ_HEADERS) == 8
