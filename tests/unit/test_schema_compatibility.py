"""The breaking-change checker, and the current schemas against the last released ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from schemas.compatibility import breaking_changes
from schemas.export import json_schemas

RELEASED = Path(__file__).resolve().parents[1] / "fixtures" / "schemas"


def _object(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required)}


STRING = {"type": "string"}
OPTIONAL_STRING = {"anyOf": [{"type": "string"}, {"type": "null"}]}
BEFORE = {
    "$defs": {
        "Item": _object({"treatment": STRING, "outcome": {"enum": ["upheld", "overturned"]}}),
    },
    **_object(
        {
            "case_number": OPTIONAL_STRING,
            "pages": {"type": "integer"},
            "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}},
            "confidence": {"type": "object", "additionalProperties": {"type": "number"}},
            "patient": {"anyOf": [{"$ref": "#/$defs/Item"}, {"type": "null"}]},
        },
        required=("pages",),
    ),
}


def _after(change: dict[str, Any]) -> dict[str, Any]:
    after: dict[str, Any] = json.loads(json.dumps(BEFORE))
    for path, value in change.items():
        *parents, last = path.split("/")
        node = after
        for part in parents:
            node = node[part]
        if value is None:
            del node[last]
        else:
            node[last] = value
    return after


def test_identical_schemas_are_compatible() -> None:
    assert breaking_changes(BEFORE, json.loads(json.dumps(BEFORE))) == []


@pytest.mark.parametrize(
    "change",
    [
        {"properties/reviewer": OPTIONAL_STRING},
        {"$defs/Item/properties/rationale": STRING},
        {"$defs/Item/properties/outcome": {"enum": ["upheld", "overturned", "withdrawn"]}},
        {"properties/pages": {"type": ["integer"]}},
        {"required": []},
    ],
    ids=["new optional", "new nested optional", "new literal", "same type", "fewer required"],
)
def test_additive_changes_are_compatible(change: dict[str, Any]) -> None:
    assert breaking_changes(BEFORE, _after(change)) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"properties/case_number": None}, "$.case_number: property removed"),
        ({"$defs/Item/properties/treatment": None}, "$.items[].treatment: property removed"),
        (
            {"properties/pages": STRING},
            "$.pages: type changed from ['integer'] to ['string']",
        ),
        (
            {"properties/case_number": STRING},
            "$.case_number: type changed from ['null', 'string'] to ['string']",
        ),
        (
            {"properties/confidence/additionalProperties": STRING},
            "$.confidence.*: type changed from ['number'] to ['string']",
        ),
        (
            {"$defs/Item/properties/outcome": {"enum": ["upheld"]}},
            "$.items[].outcome: allowed values removed: ['overturned']",
        ),
        ({"required": ["pages", "case_number"]}, "$.case_number: property newly required"),
        (
            {"$defs/Item/required": ["treatment"]},
            "$.items[].treatment: property newly required",
        ),
    ],
)
def test_breaking_changes_are_reported(change: dict[str, Any], expected: str) -> None:
    assert expected in breaking_changes(BEFORE, _after(change))


def test_a_nested_object_reached_through_a_nullable_ref_is_compared() -> None:
    after = _after({"$defs/Item/properties/treatment": {"type": "integer"}})
    found = breaking_changes(BEFORE, after)
    assert "$.patient.treatment: type changed from ['string'] to ['integer']" in found


def test_released_schemas_are_present() -> None:
    released = sorted(path.name for path in RELEASED.glob("*.json"))
    assert released, f"no released schemas in {RELEASED}"
    assert set(released) <= set(json_schemas())


@pytest.mark.parametrize("name", sorted(path.name for path in RELEASED.glob("*.json")))
def test_current_schemas_keep_the_released_contract(name: str) -> None:
    released = json.loads((RELEASED / name).read_text())
    assert breaking_changes(released, json_schemas()[name]) == []


def test_recursive_definitions_terminate() -> None:
    node = {"$ref": "#/$defs/Node"}
    tree = {
        "$defs": {"Node": _object({"name": STRING, "child": {"anyOf": [node, {"type": "null"}]}})},
        **node,
    }
    pruned = json.loads(json.dumps(tree))
    del pruned["$defs"]["Node"]["properties"]["name"]
    assert breaking_changes(tree, tree) == []
    assert breaking_changes(tree, pruned) == [
        "$.name: property removed",
        "$.child.name: property removed",
    ]
