"""What extraction must read from a letter, in one shape for gold answers and for results.

Text is compared with whitespace collapsed and the text layer's character normalisation applied
(the gold keeps an en dash the text layer reads as "-"), and otherwise strictly; the parts of a
partial certification may differ in the case of their first letter only, since a letter
restates "the original request, purchase of ..." in lower case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from schemas.letter import LetterRecord
from workers.extraction.layouts.header import HEADER_FIELDS as LETTER_HEADER_FIELDS
from workers.extraction.text_layer import normalise_text

HEADER_FIELDS = (
    *LETTER_HEADER_FIELDS,
    "patient_age",
    "patient_sex",
    "reviewer_specialty",
    "reviewer_license_states",
)

# The one partial-certification phrasing of the corpus, as the gold treatment keeps it.
_GOLD_PARTIAL = re.compile(
    r"(?P<original>.+?) was the original request\. (?P<authorized>.+?) was authorized by the "
    r"Claims Administrator\. The remaining IMR eligible portion of the original request, "
    r"(?P<remaining>.+)"
)


def collapse(text: str) -> str:
    """``text`` normalised, with every run of whitespace (line breaks and form feeds too) as one
    space."""
    return " ".join(normalise_text(text).split())


@dataclass(frozen=True)
class Partial:
    original_request: str
    authorized: str
    remaining: str


@dataclass(frozen=True)
class ExpectedItem:
    treatment: str
    outcome: str
    partial: Partial | None = None
    claims_administrator_guidelines: tuple[str, ...] = ()
    reviewer_guidelines: tuple[str, ...] = ()

    def with_changes(self, **changes: Any) -> ExpectedItem:
        return replace(self, **changes)


@dataclass(frozen=True)
class Expected:
    header: dict[str, Any] = field(default_factory=dict)
    items: tuple[ExpectedItem, ...] = ()

    @classmethod
    def from_gold(cls, gold: dict[str, Any]) -> Expected:
        """The expectation a corpus gold file states (its partial certifications are read from
        the gold treatment, which keeps the whole heading)."""
        items = []
        for item in gold["items"]:
            found = _GOLD_PARTIAL.fullmatch(item["treatment"])
            partial = Partial(*found.groups()) if found else None
            items.append(
                ExpectedItem(
                    treatment=item["treatment"],
                    outcome=item["outcome"],
                    partial=partial,
                    claims_administrator_guidelines=tuple(item["claims_administrator_guidelines"]),
                    reviewer_guidelines=tuple(item["reviewer_guidelines"]),
                )
            )
        return cls(header={name: gold[name] for name in HEADER_FIELDS}, items=tuple(items))

    @classmethod
    def from_record(cls, record: LetterRecord) -> Expected:
        """What an extraction record (or determination, which extends it) says."""
        data = record.model_dump(mode="json")
        header = {name: data.get(name) for name in HEADER_FIELDS[:7]}
        header |= {
            "patient_age": record.patient.age,
            "patient_sex": record.patient.sex,
            "reviewer_specialty": record.reviewer.specialty,
            "reviewer_license_states": list(record.reviewer.license_states),
        }
        items = []
        for item in record.items:
            part = item.partial_certification
            items.append(
                ExpectedItem(
                    treatment=item.treatment,
                    outcome=item.outcome,
                    partial=Partial(part.original_request, part.authorized, part.remaining)
                    if part
                    else None,
                    claims_administrator_guidelines=tuple(
                        c.raw for c in item.claims_administrator_guidelines
                    ),
                    reviewer_guidelines=tuple(c.raw for c in item.reviewer_guidelines),
                )
            )
        return cls(header=header, items=tuple(items))

    def with_items(self, items: list[ExpectedItem] | tuple[ExpectedItem, ...]) -> Expected:
        return replace(self, items=tuple(items))


def differences(want: Expected, got: Expected) -> list[str]:
    """Names of the fields where ``got`` differs from ``want`` (never their values)."""
    found = [
        name
        for name in HEADER_FIELDS
        if _text(got.header.get(name)) != _text(want.header.get(name))
    ]
    if len(got.items) != len(want.items):
        found.append("item_count")
    for index, (mine, gold) in enumerate(zip(got.items, want.items, strict=False)):
        where = f"items[{index}]"
        for name in ("treatment", "outcome"):
            if collapse(getattr(mine, name)) != collapse(getattr(gold, name)):
                found.append(f"{where}.{name}")
        found += [
            f"{where}.partial_certification.{name}"
            for name in _partial_differences(mine.partial, gold.partial)
        ]
        for name in ("claims_administrator_guidelines", "reviewer_guidelines"):
            if _text(list(getattr(mine, name))) != _text(list(getattr(gold, name))):
                found.append(f"{where}.{name}")
    return found


def _partial_differences(got: Partial | None, want: Partial | None) -> list[str]:
    if got is None or want is None:
        return [] if got is want else ["present"]
    return [
        name
        for name in ("original_request", "authorized", "remaining")
        if _first_letter_loose(getattr(got, name)) != _first_letter_loose(getattr(want, name))
    ]


def _first_letter_loose(text: str) -> str:
    text = collapse(text)
    return text[:1].lower() + text[1:]


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return collapse(value)
    if isinstance(value, list):
        return [_text(v) for v in value]
    return value
