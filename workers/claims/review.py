"""The review queue: letters that need a person, their edits and confirmations, and approval.

Edits are not written over the landed determination: each one is a ``review_changes`` row
(who, when, old and new value), and the letter as corrected is the landed determination with
its edits applied in order. Approval writes the corrected letter into ``letters``, ``items``
and ``citations``, marks it ``approved`` and publishes the reviewed event in the same
transaction: if publishing fails, nothing is approved.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from schemas.determination import DeterminationData, DeterminedItem
from schemas.events import DeterminationReviewed
from schemas.letter import Item
from schemas.review import REVIEW_SOURCE, FieldReview, FieldValue, ReviewAction, ReviewedData
from workers.claims.database import Database, Row, Transaction
from workers.claims.letters import elect_current, letter_columns, replace_item, to_json
from workers.enrichment import enrich_item

LETTER_FIELDS: dict[str, str] = {
    "case_number": "Case number",
    "date_assigned": "Date assigned",
    "date_of_injury": "Date of injury",
    "decision_date": "Decision date",
    "ur_denial_date": "UR denial date",
    "application_received": "Application received",
    "priority": "Priority",
    "patient.age": "Patient age",
    "patient.sex": "Patient sex",
    "reviewer.specialty": "Reviewer specialty",
}
"""Letter fields a reviewer may edit, by path, with their labels."""
ITEM_FIELDS: dict[str, str] = {"treatment": "Treatment", "outcome": "Outcome"}
"""Item fields a reviewer may edit (``items[N].<name>``, N 1-based)."""
_ITEM_PATH = re.compile(r"^items\[(\d+)\]\.(\w+)$")

Publish = Callable[[DeterminationReviewed], None]


REVIEW_ERRORS: dict[str, str] = {
    "approved_meanwhile": "the letter was approved meanwhile",
    "no_such_letter": "no such letter",
    "not_pending": "the letter is not waiting for review",
    "item_field_not_editable": "this item field cannot be edited",
    "field_not_editable": "this field cannot be edited",
    "no_such_item": "no such item",
    "age_not_a_number": "age must be a whole number",
    "invalid_value": "not a valid value for this field",
}
"""What each refusal says to a person (never letter content)."""


class ReviewError(ValueError):
    """A request the review queue refuses, by ``code`` (a key of :data:`REVIEW_ERRORS`)."""

    def __init__(self, code: str) -> None:
        super().__init__(REVIEW_ERRORS[code])
        self.code = code


@dataclass(frozen=True, slots=True)
class QueueEntry:
    letter_id: str
    case_number: str | None
    layout: str
    pages: int
    landed_at: datetime
    reasons: list[Row]

    def age_days(self, now: datetime) -> float:
        return (now - self.landed_at).total_seconds() / 86400


@dataclass
class LetterReview:
    """One letter as the console shows it: as extracted, as corrected so far, and why."""

    letter: Row
    original: DeterminationData
    corrected: DeterminationData
    changes: list[FieldReview]
    reasons: list[Row]
    edited: set[str] = field(default_factory=set)
    confirmed: set[str] = field(default_factory=set)

    @property
    def pending(self) -> bool:
        return str(self.letter["review_status"]) == "pending"


def instant(text: str) -> datetime:
    """A timestamp column (PostgreSQL or SQLite text) as an aware datetime."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ReviewQueue:
    """Reads and changes the review state of letters in ``database``; ``publish`` sends an
    approved letter's event and raises if it could not be delivered."""

    def __init__(self, database: Database, publish: Publish) -> None:
        self.database = database
        self._publish = publish

    def queue(self) -> list[QueueEntry]:
        """Letters waiting for a person, oldest first."""
        with self.database.transaction() as tx:
            letters = tx.query(
                "SELECT letter_id, case_number, layout, pages, landed_at FROM letters "
                "WHERE review_status = 'pending' ORDER BY landed_at, letter_id"
            )
            reasons = _reasons_by_letter(tx, [str(row["letter_id"]) for row in letters])
        return [
            QueueEntry(
                letter_id=row["letter_id"],
                case_number=row["case_number"],
                layout=row["layout"],
                pages=row["pages"],
                landed_at=instant(row["landed_at"]),
                reasons=reasons.get(row["letter_id"], []),
            )
            for row in letters
        ]

    def letter(self, letter_id: str) -> LetterReview:
        with self.database.transaction() as tx:
            return _load(tx, letter_id)

    def edit(self, letter_id: str, path: str, value: str, reviewer: str) -> None:
        """Set field ``path`` to ``value`` as typed (blank clears an optional field)."""
        with self.database.transaction() as tx:
            review = _load(tx, letter_id)
            _require_pending(review)
            old = _value(review.corrected, path)
            new = _parse(review.corrected, path, value)
            if new == old:
                return
            _record(tx, letter_id, path, "edit", old, new, reviewer)

    def confirm(self, letter_id: str, path: str, reviewer: str) -> None:
        """Record that ``reviewer`` checked field ``path`` and found it right."""
        with self.database.transaction() as tx:
            review = _load(tx, letter_id)
            _require_pending(review)
            value = _value(review.corrected, path)
            _record(tx, letter_id, path, "confirm", value, value, reviewer)

    def approve(self, letter_id: str, reviewer: str) -> DeterminationReviewed:
        """Write the corrected letter, mark it approved and publish the reviewed event."""
        now = datetime.now(UTC)
        with self.database.transaction() as tx:
            review = _load(tx, letter_id)
            _require_pending(review)
            event = DeterminationReviewed(
                source=REVIEW_SOURCE,
                data=ReviewedData(
                    letter_id=letter_id,
                    extracted_event_id=str(review.letter["event_id"]),
                    approved_by=reviewer,
                    approved_at=now,
                    changes=review.changes,
                    determination=review.corrected,
                ),
            )
            _write_corrected(tx, review.corrected, review.original.case_number)
            changed = tx.execute(
                "UPDATE letters SET review_status = 'approved', reviewed_determination = ?, "
                "reviewed_by = ?, reviewed_at = ?, reviewed_event_id = ? "
                "WHERE letter_id = ? AND review_status = 'pending'",
                (
                    review.corrected.model_dump_json(),
                    reviewer,
                    now.isoformat(),
                    event.id,
                    letter_id,
                ),
            )
            if changed != 1:
                raise ReviewError("approved_meanwhile")
            tx.execute(
                "INSERT INTO review_changes (change_id, letter_id, field, action, old_value, "
                "new_value, reviewer, changed_at) VALUES (?, ?, '', 'approve', NULL, NULL, ?, ?)",
                (str(uuid.uuid4()), letter_id, reviewer, now.isoformat()),
            )
            self._publish(event)
        return event


def _reasons_by_letter(tx: Transaction, letter_ids: list[str]) -> dict[str, list[Row]]:
    if not letter_ids:
        return {}
    marks = ", ".join("?" for _ in letter_ids)
    rows = tx.query(
        "SELECT letter_id, code, field, message, severity FROM validation_reasons "
        f"WHERE letter_id IN ({marks}) ORDER BY letter_id, position",
        letter_ids,
    )
    found: dict[str, list[Row]] = {}
    for row in rows:
        found.setdefault(str(row["letter_id"]), []).append(row)
    return found


def _load(tx: Transaction, letter_id: str) -> LetterReview:
    rows = tx.query("SELECT * FROM letters WHERE letter_id = ?", (letter_id,))
    if not rows:
        raise ReviewError("no_such_letter")
    letter = rows[0]
    original = DeterminationData.model_validate_json(letter["determination"])
    changes = [
        FieldReview(
            field=row["field"],
            action=row["action"],
            old_value=_json(row["old_value"]),
            new_value=_json(row["new_value"]),
            reviewer=row["reviewer"],
            at=instant(row["changed_at"]),
        )
        for row in tx.query(
            "SELECT field, action, old_value, new_value, reviewer, changed_at FROM review_changes "
            "WHERE letter_id = ? AND action IN ('edit', 'confirm') ORDER BY changed_at, change_id",
            (letter_id,),
        )
    ]
    edited = {change.field for change in changes if change.action == "edit"}
    confirmed = {change.field for change in changes if change.action == "confirm"}
    return LetterReview(
        letter=letter,
        original=original,
        corrected=corrected_determination(original, changes),
        changes=changes,
        reasons=_reasons_by_letter(tx, [letter_id]).get(letter_id, []),
        edited=edited,
        confirmed=confirmed,
    )


def _json(stored: str | int | None) -> FieldValue:
    """A JSON column's value. SQLite gives a JSON number back as a number (numeric affinity)."""
    if not isinstance(stored, str):
        return stored
    value: FieldValue = json.loads(stored)
    return value


def _require_pending(review: LetterReview) -> None:
    if not review.pending:
        raise ReviewError("not_pending")


def _record(
    tx: Transaction,
    letter_id: str,
    path: str,
    action: ReviewAction,
    old: FieldValue,
    new: FieldValue,
    reviewer: str,
) -> None:
    tx.execute(
        "INSERT INTO review_changes (change_id, letter_id, field, action, old_value, new_value, "
        "reviewer, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            str(uuid.uuid4()),
            letter_id,
            path,
            action,
            to_json(old),
            to_json(new),
            reviewer,
            datetime.now(UTC).isoformat(),
        ),
    )


def _locate(path: str) -> tuple[int | None, str]:
    """``(item index 0-based or None, field path)`` of an editable path; raises ReviewError."""
    match = _ITEM_PATH.match(path)
    if match:
        if match[2] not in ITEM_FIELDS:
            raise ReviewError("item_field_not_editable")
        return int(match[1]) - 1, match[2]
    if path not in LETTER_FIELDS:
        raise ReviewError("field_not_editable")
    return None, path


def _value(data: DeterminationData, path: str) -> FieldValue:
    index, name = _locate(path)
    document: Any = data.model_dump(mode="json")
    if index is not None:
        if not 0 <= index < len(data.items):
            raise ReviewError("no_such_item")
        document = document["items"][index]
    for part in name.split("."):
        document = document[part]
    if document is None or isinstance(document, str | int):
        return document
    raise ReviewError("field_not_editable")


def _with_value(document: dict[str, Any], path: str, value: FieldValue) -> None:
    index, name = _locate(path)
    target = document if index is None else document["items"][index]
    *parents, last = name.split(".")
    for part in parents:
        target = target[part]
    target[last] = value


def _parse(data: DeterminationData, path: str, text: str) -> FieldValue:
    """``text`` as the value of ``path``, checked against the event model."""
    stripped = text.strip()
    value: FieldValue = stripped or None
    if path == "patient.age" and value is not None:
        if not stripped.isdigit():
            raise ReviewError("age_not_a_number")
        value = int(stripped)
    document = data.model_dump(mode="json")
    _with_value(document, path, value)
    try:
        DeterminationData.model_validate(document)
    except ValidationError as error:
        raise ReviewError("invalid_value") from error
    return value


def corrected_determination(
    original: DeterminationData, changes: list[FieldReview]
) -> DeterminationData:
    """``original`` with every edit applied in order, items whose treatment or outcome changed
    enriched again, and confidence 1 for every field edited or confirmed."""
    document = original.model_dump(mode="json")
    touched_items: set[int] = set()
    for change in changes:
        index, name = _locate(change.field)
        if change.action == "edit":
            _with_value(document, change.field, change.new_value)
            if index is not None:
                touched_items.add(index)
        confidence = document if index is None else document["items"][index]
        confidence["confidence"][name] = 1.0
    for index in touched_items:
        document["items"][index] = _reenriched(document["items"][index])
    return DeterminationData.model_validate(document)


def _reenriched(item: Mapping[str, Any]) -> dict[str, Any]:
    plain = {name: item[name] for name in Item.model_fields}
    for name in ("claims_administrator_guidelines", "reviewer_guidelines"):
        plain[name] = [{"raw": citation["raw"]} for citation in item[name]]
    extracted = Item.model_validate(plain)
    return DeterminedItem.combine(extracted, enrich_item(extracted)).model_dump(mode="json")


def _write_corrected(tx: Transaction, data: DeterminationData, was: str | None) -> None:
    """The corrected fields into the letter's rows; a corrected case number moves the letter
    to that case, and both cases elect their current letter again."""
    columns = {
        "case_number": data.case_number,
        "is_current": data.case_number is None,
        **letter_columns(data),
    }
    assignments = ", ".join(f"{name} = ?" for name in columns)
    tx.execute(
        f"UPDATE letters SET {assignments}, confidence = ? WHERE letter_id = ?",
        [*columns.values(), to_json(data.confidence), data.letter_id],
    )
    for position, item in enumerate(data.items, start=1):
        replace_item(tx, data.letter_id, position, item)
    for case_number in {was, data.case_number} - {None}:
        elect_current(tx, str(case_number))
