"""schemas/README.md documents every field of the determination event, and its example is a
valid event."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema

from schemas.events import DeterminationExtracted, from_structured
from schemas.export import JSON_DIR, SCHEMAS_DIR, data_schema_file, event_schema_file

README = (SCHEMAS_DIR / "README.md").read_text()
SCHEMA = json.loads((JSON_DIR / data_schema_file(DeterminationExtracted)).read_text())
SEPARATE_TABLES = {"EnrichedCitation"}
"""Definitions documented in a table of their own (field names relative to the definition)."""
OPAQUE = {"PageRange"}
"""Definitions documented as a whole (``{start, end}``)."""


def _target(prop: Mapping[str, Any]) -> tuple[str | None, bool]:
    """The definition a property refers to (through ``anyOf`` / array ``items``), and whether
    it is an array of them."""
    for option in [prop, *prop.get("anyOf", [])]:
        if "$ref" in option:
            return option["$ref"].rsplit("/", 1)[-1], False
        if option.get("type") == "array" and "$ref" in option.get("items", {}):
            return option["items"]["$ref"].rsplit("/", 1)[-1], True
    return None, False


def _leaves(node: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    for name, prop in node.get("properties", {}).items():
        path = prefix + name
        target, is_array = _target(prop)
        if target is None or target in SEPARATE_TABLES | OPAQUE:
            yield path
        else:
            yield from _leaves(SCHEMA["$defs"][target], path + ("[]." if is_array else "."))


def test_every_field_of_the_determination_event_is_documented() -> None:
    documented = set(re.findall(r"^\| `([^`]+)` \|", README, flags=re.MULTILINE))
    expected = set(_leaves(SCHEMA))
    for name in SEPARATE_TABLES:
        expected |= set(_leaves(SCHEMA["$defs"][name]))
    assert expected - documented == set()
    assert len(expected) > 60


def test_the_readme_example_is_a_valid_structured_event() -> None:
    [block] = re.findall(r"```json\n(.*?)\n```", README, flags=re.DOTALL)
    document = json.loads(block)
    schema = json.loads((JSON_DIR / event_schema_file(DeterminationExtracted)).read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    event = from_structured(document)
    assert isinstance(event, DeterminationExtracted)
    assert event.subject == document["subject"]
