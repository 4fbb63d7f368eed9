"""Landing determinations and dead letters in the claims database, idempotently.

A letter is written once: a duplicate or replayed event for a letter id already present
changes nothing (not even after a review corrected the letter). Each case keeps every letter
it had; the one with the latest decision is ``is_current``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import structlog

from schemas.determination import DeterminationData, DeterminedItem
from schemas.enrichment import EnrichedCitation
from schemas.events import DeterminationExtracted
from workers.claims.database import Database, Transaction

log = structlog.get_logger(__name__)

Landed = Literal["landed", "duplicate"]
ReviewStatus = Literal["not_needed", "pending", "approved"]
_PARTIES = ("claims_administrator", "reviewer")


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True, slots=True)
class DeadLetterRow:
    """What the claims database keeps of a dead letter: where, why, when; never the payload."""

    dead_letter_id: str
    stage: str
    reason: str
    error_class: str
    attempt: int | None
    source_topic: str | None
    source_partition: int | None
    source_offset: int | None
    letter_id: str | None
    failed_at: datetime | None


class LetterStore:
    """Writes to the claims database; every method is one transaction."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def land(self, event: DeterminationExtracted) -> Landed:
        """Insert the letter of ``event`` with its items, citations and validation reasons,
        unless its letter id is already there; then make the case's latest letter current."""
        data = event.data
        with self.database.transaction() as tx:
            if tx.query("SELECT 1 FROM letters WHERE letter_id = ?", (data.letter_id,)):
                log.info("letter_duplicate", letter_id=data.letter_id)
                return "duplicate"
            _insert_letter(tx, event)
            for position, item in enumerate(data.items, start=1):
                replace_item(tx, data.letter_id, position, item)
            insert_reasons(tx, data)
            if data.case_number is not None:
                elect_current(tx, data.case_number)
        log.info("letter_landed", letter_id=data.letter_id, items=len(data.items))
        return "landed"

    def land_dead_letter(self, row: DeadLetterRow) -> Landed:
        with self.database.transaction() as tx:
            inserted = tx.execute(
                "INSERT INTO dead_letters (dead_letter_id, stage, reason, error_class, attempt, "
                "source_topic, source_partition, source_offset, letter_id, failed_at, landed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dead_letter_id) DO NOTHING",
                (
                    row.dead_letter_id,
                    row.stage,
                    row.reason,
                    row.error_class,
                    row.attempt,
                    row.source_topic,
                    row.source_partition,
                    row.source_offset,
                    row.letter_id,
                    None if row.failed_at is None else row.failed_at.isoformat(),
                    _now(),
                ),
            )
        return "landed" if inserted else "duplicate"


def _insert_letter(tx: Transaction, event: DeterminationExtracted) -> None:
    data = event.data
    source = data.source
    review: ReviewStatus = "pending" if data.validation.status == "needs_review" else "not_needed"
    columns: dict[str, Any] = {
        "letter_id": data.letter_id,
        "case_number": data.case_number,
        "is_current": data.case_number is None,
        "validation_status": data.validation.status,
        "review_status": review,
        **letter_columns(data),
        "provenance": to_json(_dump(data.provenance)),
        "confidence": to_json(data.confidence),
        "warnings": to_json([warning.model_dump(mode="json") for warning in data.warnings]),
        "source_bucket": source.bucket,
        "source_key": source.key,
        "source_version_id": source.version_id,
        "source_etag": source.etag,
        "source_sha256": source.sha256,
        "source_content_type": source.content_type,
        "received_at": None if source.received_at is None else source.received_at.isoformat(),
        "extractor_version": data.extractor_version,
        "event_id": event.id,
        "event_time": event.time.isoformat(),
        "landed_at": _now(),
        "determination": data.model_dump_json(),
    }
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    tx.execute(f"INSERT INTO letters ({names}) VALUES ({marks})", list(columns.values()))


def letter_columns(data: DeterminationData) -> dict[str, Any]:
    """The letter's own fields, as the ``letters`` columns hold them (review can change them)."""

    def day(value: Any) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "layout": data.layout,
        "pages": data.pages,
        "date_assigned": day(data.date_assigned),
        "date_of_injury": day(data.date_of_injury),
        "decision_date": day(data.decision_date),
        "ur_denial_date": day(data.ur_denial_date),
        "application_received": day(data.application_received),
        "priority": data.priority,
        "patient_age": data.patient.age,
        "patient_sex": data.patient.sex,
        "reviewer_specialty": data.reviewer.specialty,
        "reviewer_license_states": to_json(data.reviewer.license_states),
    }


def _dump(mapping: dict[str, Any]) -> dict[str, Any]:
    return {name: value.model_dump(mode="json") for name, value in mapping.items()}


def replace_item(tx: Transaction, letter_id: str, position: int, item: DeterminedItem) -> None:
    """Write item ``position`` of the letter and its citations (earlier rows replaced)."""
    tx.execute("DELETE FROM items WHERE letter_id = ? AND position = ?", (letter_id, position))
    partial = item.partial_certification
    tx.execute(
        "INSERT INTO items (letter_id, position, treatment, outcome, category, subcategory, "
        "authorization_action, authorization_scope, partial_certification, service, rationale, "
        "provenance, confidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            letter_id,
            position,
            item.treatment,
            item.outcome,
            item.category,
            item.subcategory,
            item.authorization.action,
            item.authorization.scope,
            None if partial is None else partial.model_dump_json(),
            item.service.model_dump_json(),
            item.rationale,
            to_json(_dump(item.provenance)),
            to_json(item.confidence),
        ),
    )
    for party in _PARTIES:
        citations: list[EnrichedCitation] = getattr(item, f"{party}_guidelines")
        _insert_citations(tx, letter_id, position, party, citations)


def _insert_citations(
    tx: Transaction,
    letter_id: str,
    item_position: int,
    party: str,
    citations: Iterable[EnrichedCitation],
) -> None:
    for position, citation in enumerate(citations, start=1):
        tx.execute(
            "INSERT INTO citations (letter_id, item_position, party, position, raw, "
            "guideline_id, mtus, sections, pages) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                letter_id,
                item_position,
                party,
                position,
                citation.raw,
                citation.guideline_id,
                citation.mtus,
                to_json(citation.sections),
                to_json([page.model_dump() for page in citation.pages]),
            ),
        )


def insert_reasons(tx: Transaction, data: DeterminationData) -> None:
    for position, reason in enumerate(data.validation.reasons, start=1):
        tx.execute(
            "INSERT INTO validation_reasons (letter_id, position, code, field, message, severity) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (data.letter_id, position, reason.code, reason.field, reason.message, reason.severity),
        )


def elect_current(tx: Transaction, case_number: str) -> None:
    """Mark the case's latest letter current: latest decision date, then latest received, then
    latest event; the letter id breaks remaining ties so every replica elects the same one."""
    rows = tx.query(
        "SELECT letter_id, decision_date, received_at, event_time, is_current FROM letters "
        "WHERE case_number = ?",
        (case_number,),
    )
    if not rows:
        return
    winner = max(
        rows,
        key=lambda row: (
            str(row["decision_date"] or ""),
            _instant(row["received_at"]),
            _instant(row["event_time"]),
            row["letter_id"],
        ),
    )["letter_id"]
    current = [row["letter_id"] for row in rows if row["is_current"]]
    if current == [winner]:
        return
    tx.execute("UPDATE letters SET is_current = ? WHERE case_number = ?", (False, case_number))
    tx.execute("UPDATE letters SET is_current = ? WHERE letter_id = ?", (True, winner))


def _instant(text: str | None) -> datetime:
    if text is None:
        return datetime.min.replace(tzinfo=UTC)
    return datetime.fromisoformat(text)
