"""The review queue on the claims database: edits, confirmations, approval and its event, and
the summary figures."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest

from schemas.events import DeterminationReviewed, to_kafka
from schemas.export import JSON_DIR, data_schema_file
from tests.claims_data import determination
from workers.claims import Database, DeadLetterRow, LetterStore, open_database
from workers.claims.report import render_text, summarise
from workers.claims.review import ReviewError, ReviewQueue
from workers.claims.snapshot import snapshot
from workers.cli import main

REVIEWED_SCHEMA = json.loads((JSON_DIR / data_schema_file(DeterminationReviewed)).read_text())


class Published(list[DeterminationReviewed]):
    def __call__(self, event: DeterminationReviewed) -> None:
        self.append(event)


@pytest.fixture
def database(tmp_path: Path) -> Database:
    database = open_database(f"sqlite:///{tmp_path / 'claims.sqlite'}")
    store = LetterStore(database)
    store.land(determination("review.pdf", needs_review=True))
    store.land(determination("fine.pdf", case_number="CM16-0000002"))
    return database


def _pending_id(database: Database) -> str:
    [row] = database.query("SELECT letter_id FROM letters WHERE review_status = 'pending'")
    return str(row["letter_id"])


def test_the_queue_holds_the_letters_needing_review_with_their_reasons(
    database: Database,
) -> None:
    [entry] = ReviewQueue(database, Published()).queue()
    assert entry.letter_id == _pending_id(database)
    assert [reason["code"] for reason in entry.reasons] == ["low_confidence"]


def test_edits_are_recorded_and_applied_in_order(database: Database) -> None:
    queue, letter_id = ReviewQueue(database, Published()), _pending_id(database)
    queue.edit(letter_id, "decision_date", "2017-01-18", "ana")
    queue.edit(letter_id, "decision_date", "2017-01-19", "ben")
    queue.edit(letter_id, "patient.age", "53", "ana")
    queue.confirm(letter_id, "case_number", "ben")
    review = queue.letter(letter_id)
    assert review.corrected.decision_date == date(2017, 1, 19)
    assert review.original.decision_date == date(2017, 1, 20)
    assert review.corrected.patient.age == 53
    assert [(c.field, c.old_value, c.new_value, c.reviewer) for c in review.changes] == [
        ("decision_date", "2017-01-20", "2017-01-18", "ana"),
        ("decision_date", "2017-01-18", "2017-01-19", "ben"),
        ("patient.age", 52, 53, "ana"),
        ("case_number", "CM16-0000000", "CM16-0000000", "ben"),
    ]
    assert review.corrected.confidence["case_number"] == 1.0


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("decision_date", "20 Jan 2017", "not a valid value"),
        ("items[1].outcome", "withdrawn", "not a valid value"),
        ("patient.age", "fifty", "whole number"),
        ("rationale", "anything", "cannot be edited"),
        ("items[9].outcome", "upheld", "no such item"),
    ],
)
def test_invalid_edits_are_refused_and_not_recorded(
    database: Database, path: str, value: str, message: str
) -> None:
    queue, letter_id = ReviewQueue(database, Published()), _pending_id(database)
    with pytest.raises(ReviewError, match=message):
        queue.edit(letter_id, path, value, "ana")
    assert queue.letter(letter_id).changes == []


def test_approval_publishes_the_corrected_letter_and_writes_it_to_the_tables(
    database: Database,
) -> None:
    published = Published()
    queue, letter_id = ReviewQueue(database, published), _pending_id(database)
    queue.edit(letter_id, "items[1].outcome", "overturned", "ana")
    queue.edit(letter_id, "decision_date", "2017-01-19", "ana")
    event = queue.approve(letter_id, "ben")

    assert published == [event]
    data = json.loads(to_kafka(event).value)
    jsonschema.Draft202012Validator(REVIEWED_SCHEMA).validate(data)
    assert event.data.approved_by == "ben"
    item = event.data.determination.items[0]
    assert (item.outcome, item.authorization.action) == (
        "overturned",
        "authorize_remaining_portion",
    )
    [letter] = database.query(
        "SELECT review_status, decision_date, reviewed_by, reviewed_event_id FROM letters "
        "WHERE letter_id = ?",
        (letter_id,),
    )
    assert letter == {
        "review_status": "approved",
        "decision_date": "2017-01-19",
        "reviewed_by": "ben",
        "reviewed_event_id": event.id,
    }
    [row] = database.query(
        "SELECT outcome, authorization_action FROM items WHERE letter_id = ?", (letter_id,)
    )
    assert row == {"outcome": "overturned", "authorization_action": "authorize_remaining_portion"}
    assert queue.queue() == []
    with pytest.raises(ReviewError, match="not waiting"):
        queue.edit(letter_id, "decision_date", "2017-01-18", "ana")


def test_a_failed_publish_approves_nothing(database: Database) -> None:
    def unreachable(event: DeterminationReviewed) -> None:
        raise ConnectionError("broker down")

    letter_id = _pending_id(database)
    ReviewQueue(database, Published()).edit(letter_id, "decision_date", "2017-01-19", "ana")
    before = snapshot(database)
    with pytest.raises(ConnectionError):
        ReviewQueue(database, unreachable).approve(letter_id, "ana")
    assert snapshot(database) == before


def test_a_replayed_event_does_not_undo_a_review(database: Database) -> None:
    queue, letter_id = ReviewQueue(database, Published()), _pending_id(database)
    queue.edit(letter_id, "decision_date", "2017-01-19", "ana")
    queue.approve(letter_id, "ana")
    approved = snapshot(database)
    assert LetterStore(database).land(determination("review.pdf", needs_review=True)) == "duplicate"
    assert snapshot(database) == approved


def test_the_summary_counts_letters_outcomes_queue_age_and_dead_letters(
    database: Database,
) -> None:
    store = LetterStore(database)
    store.land(
        determination(
            "later.pdf", case_number="CM16-0000002", decided=date(2017, 2, 1), outcome="overturned"
        )
    )
    store.land_dead_letter(
        DeadLetterRow(
            "imr.parse.dlq/0/1", "parse", "no_text_layer", "E", 1, None, None, None, None, None
        )
    )
    summary = summarise(database, now=datetime.now(UTC) + timedelta(days=2))
    assert (summary.letters, summary.current_letters) == (3, 2)
    [category] = summary.by_category
    assert (category.group, category.upheld, category.overturned) == ("Pharmaceuticals", 1, 1)
    assert [rate.group for rate in summary.by_guideline] == ["mtus-cpmtg-2016"]
    assert summary.queue_ages[1] == ("1-3 days", 1)
    assert summary.dead_letters == [("parse", "no_text_layer", 1)]
    text = render_text(summary)
    assert "1/2 (50% overturned)" in text
    assert "parse: no_text_layer" in text


def test_imr_report_prints_the_summary_of_a_database(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{database.query('PRAGMA database_list')[0]['file']}"
    assert main(["report", "--database", url, "--width", "10"]) == 0
    printed = capsys.readouterr().out
    assert "letters: 2 (2 current), approved in review: 0" in printed
    assert "review queue: 1 letter(s) waiting" in printed
    assert "CM16" not in printed  # counts only, no case numbers


def test_a_database_describes_itself_without_its_password() -> None:
    database = Database("postgresql://imr:hunter2@db.internal:5432/claims?sslmode=require")
    assert database.description == "postgresql://db.internal:5432/claims"
