"""A gold letter as text, with the values the extractor must give for it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from workers.extraction.text_layer import load_document

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "dwc-imr-2016"

HEADER_FIELDS = (
    "case_number",
    "date_assigned",
    "date_of_injury",
    "decision_date",
    "ur_denial_date",
    "application_received",
    "priority",
    "patient_age",
    "patient_sex",
    "reviewer_specialty",
    "reviewer_license_states",
)
# The corpus letters print every partial certification in this one phrasing.
_STANDARD_PARTIAL = re.compile(
    r"^(?P<original>.+?) was the original request\. (?P<authorized>.+?) was authorized by the "
    r"Claims Administrator\. The remaining IMR eligible portion of the original request, "
    r"(?P<remaining>.+)$"
)


_ASCII = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'",
                        "\u201c": '"', "\u201d": '"'})  # fmt: skip


def words(text: str) -> str:
    """``text`` with every run of whitespace collapsed to one space, and dashes and quotes in
    ASCII as the text layer gives them."""
    return " ".join(text.translate(_ASCII).split())


@dataclass(frozen=True, slots=True)
class Partial:
    original: str
    authorized: str
    remaining: str


@dataclass(frozen=True, slots=True)
class ExpectedItem:
    treatment: str
    outcome: str
    partial: Partial | None
    claims_administrator: tuple[str, ...]
    reviewer: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Letter:
    """A letter's text and what it must yield: header values and items in letter order."""

    name: str
    text: str
    header: tuple[tuple[str, Any], ...]
    items: tuple[ExpectedItem, ...]

    def with_text(self, text: str, items: tuple[ExpectedItem, ...] | None = None) -> Letter:
        return replace(self, text=text, items=self.items if items is None else items)


def gold_names() -> list[str]:
    """Case numbers of the gold letters (empty when the corpus is absent)."""
    gold = CORPUS / "gold"
    return sorted(path.stem for path in gold.glob("*.json")) if gold.is_dir() else []


def load_letter(name: str) -> Letter:
    gold: dict[str, Any] = json.loads((CORPUS / "gold" / f"{name}.json").read_text())
    text = load_document((CORPUS / "pdf" / f"{name}.pdf").read_bytes()).text
    items = tuple(_expected_item(item) for item in gold["items"])
    return Letter(name, text, tuple((field, gold[field]) for field in HEADER_FIELDS), items)


def _expected_item(item: dict[str, Any]) -> ExpectedItem:
    treatment = words(item["treatment"])
    standard = _STANDARD_PARTIAL.match(treatment)
    partial = (
        Partial(standard["original"], standard["authorized"], standard["remaining"])
        if standard
        else None
    )
    return ExpectedItem(
        treatment=treatment,
        outcome=item["outcome"],
        partial=partial,
        claims_administrator=tuple(words(c) for c in item["claims_administrator_guidelines"]),
        reviewer=tuple(words(c) for c in item["reviewer_guidelines"]),
    )


def heading_spans(letter: Letter) -> list[re.Match[str]] | None:
    """Each item's heading in ``letter.text`` up to and including its outcome word (group 1),
    in order; ``None`` when one cannot be found."""
    found: list[re.Match[str]] = []
    position = 0
    for item in letter.items:
        pattern = r"\s+".join(re.escape(word) for word in item.treatment.split())
        match = re.compile(pattern + r"(?:\s+(?:is|are))?\s*:\s*(Upheld|Overturned)").search(
            letter.text, position
        )
        if match is None:
            return None
        found.append(match)
        position = match.end()
    return found
