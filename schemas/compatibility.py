"""Breaking changes between two versions of a JSON schema (as exported by :mod:`schemas.export`).

A change breaks consumers of an event version when a property they read disappears, when a value
they read changes type (or loses an allowed literal value), or when producers of the previous
release stop being valid because a property became required. Adding optional properties and new
literal values is additive.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

Schema = Mapping[str, Any]

_VARIANT_KEYS = ("anyOf", "oneOf")


def breaking_changes(before: Schema, after: Schema) -> list[str]:
    """Every breaking change from ``before`` to ``after``, as ``"<path>: <what>"`` lines."""
    return list(_Comparison(before, after).compare(before, after, "$"))


def _resolve(node: Schema, root: Schema) -> Schema:
    """``node`` with local ``$ref`` chains followed (``#/$defs/...``)."""
    seen: set[str] = set()
    while isinstance(node.get("$ref"), str):
        ref: str = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            break
        seen.add(ref)
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def _variants(node: Schema, root: Schema) -> list[Schema]:
    """The alternatives a value may match: ``anyOf``/``oneOf`` members, flattened and resolved."""
    node = _resolve(node, root)
    for key in _VARIANT_KEYS:
        if key in node:
            return [found for member in node[key] for found in _variants(member, root)]
    return [node]


def _types(variants: list[Schema]) -> set[str]:
    found: set[str] = set()
    for variant in variants:
        declared = variant.get("type")
        if isinstance(declared, str):
            found.add(declared)
        elif isinstance(declared, list):
            found.update(declared)
        elif "const" in variant or "enum" in variant:
            found.update(_literal_type(value) for value in _literals([variant]) or [None])
        else:
            found.add("any")
    return found


def _literal_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _literals(variants: list[Schema]) -> list[Any] | None:
    """Allowed literal values when every variant restricts them (``const``/``enum``), else None."""
    values: list[Any] = []
    for variant in variants:
        if "const" in variant:
            values.append(variant["const"])
        elif "enum" in variant:
            values.extend(variant["enum"])
        elif variant.get("type") != "null":
            return None
    return values


def _only(variants: list[Schema], kind: str) -> Schema | None:
    """The single variant of type ``kind``, if exactly one."""
    matching = [variant for variant in variants if variant.get("type") == kind]
    return matching[0] if len(matching) == 1 else None


class _Comparison:
    """Walks two schema documents side by side; ``$ref`` resolves within each document."""

    def __init__(self, before_root: Schema, after_root: Schema) -> None:
        self.before_root = before_root
        self.after_root = after_root
        self.open: set[tuple[int, int]] = set()

    def compare(self, before: Schema, after: Schema, path: str) -> Iterator[str]:
        key = (id(_resolve(before, self.before_root)), id(_resolve(after, self.after_root)))
        if key in self.open:
            return  # a recursive definition: already being compared further up this path
        self.open.add(key)
        try:
            yield from self._compare_nodes(before, after, path)
        finally:
            self.open.discard(key)

    def _compare_nodes(self, before: Schema, after: Schema, path: str) -> Iterator[str]:
        old, new = _variants(before, self.before_root), _variants(after, self.after_root)
        old_types, new_types = _types(old), _types(new)
        if old_types != new_types and "any" not in new_types:
            yield f"{path}: type changed from {sorted(old_types)} to {sorted(new_types)}"
            return
        old_literals, new_literals = _literals(old), _literals(new)
        if old_literals is not None and new_literals is not None:
            lost = [value for value in old_literals if value not in new_literals]
            if lost:
                yield f"{path}: allowed values removed: {lost}"
        old_object, new_object = _only(old, "object"), _only(new, "object")
        if old_object is not None and new_object is not None:
            yield from self._compare_objects(old_object, new_object, path)
        old_items = (_only(old, "array") or {}).get("items")
        new_items = (_only(new, "array") or {}).get("items")
        if old_items is not None and new_items is not None:
            yield from self.compare(old_items, new_items, f"{path}[]")

    def _compare_objects(self, old: Schema, new: Schema, path: str) -> Iterator[str]:
        old_properties: Mapping[str, Any] = old.get("properties", {})
        new_properties: Mapping[str, Any] = new.get("properties", {})
        for name, schema in old_properties.items():
            if name in new_properties:
                yield from self.compare(schema, new_properties[name], f"{path}.{name}")
            else:
                yield f"{path}.{name}: property removed"
        for name in sorted(set(new.get("required", ())) - set(old.get("required", ()))):
            yield f"{path}.{name}: property newly required"
        old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_extra, Mapping) and isinstance(new_extra, Mapping):
            yield from self.compare(old_extra, new_extra, f"{path}.*")
