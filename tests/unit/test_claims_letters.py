"""Landing determinations in the claims database (SQLite here; PostgreSQL in the integration
tests run the same code): idempotence, case history and the current letter, dead letters."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.claims_data import determination
from workers.claims import (
    Database,
    DatabaseUnavailableError,
    DeadLetterRow,
    LetterStore,
    open_database,
)
from workers.claims.database import split_statements
from workers.claims.migrations import current_version, migrate, migrations
from workers.claims.snapshot import snapshot
from workers.claims.subscriber import make_sink_handler, sink_topics
from workers.config import Settings
from workers.runtime import MemoryTransport, StageRunner, TopicPartition, group_id
from workers.stages.codec import emit


@pytest.fixture
def database(tmp_path: Path) -> Database:
    return open_database(f"sqlite:///{tmp_path / 'claims.sqlite'}")


def test_migrations_apply_once_and_record_their_version(database: Database) -> None:
    assert current_version(database) == len(migrations())
    assert migrate(database) == []
    names = {row["name"] for row in database.query("SELECT name FROM schema_migrations")}
    assert names == {migration.name for migration in migrations()}


def test_statements_are_split_without_comments() -> None:
    sql = "-- heading; with a semicolon\nCREATE TABLE a (x TEXT); -- trailing\n\nSELECT 1;\n"
    assert split_statements(sql) == ["CREATE TABLE a (x TEXT)", "SELECT 1"]


def test_a_letter_lands_with_items_citations_and_reasons(database: Database) -> None:
    event = determination("a.pdf", needs_review=True)
    assert LetterStore(database).land(event) == "landed"
    letter = database.query("SELECT * FROM letters")[0]
    assert letter["letter_id"] == event.data.letter_id
    assert (letter["review_status"], letter["validation_status"]) == ("pending", "needs_review")
    assert letter["decision_date"] == "2017-01-20"
    items = database.query("SELECT position, outcome, authorization_action FROM items")
    assert items == [{"position": 1, "outcome": "upheld", "authorization_action": "remains_denied"}]
    parties = database.query("SELECT party, guideline_id FROM citations ORDER BY party")
    assert [row["party"] for row in parties] == ["claims_administrator", "reviewer"]
    reasons = database.query("SELECT code, field FROM validation_reasons")
    assert reasons == [{"code": "low_confidence", "field": "decision_date"}]


def test_a_duplicate_or_replayed_letter_changes_nothing(database: Database) -> None:
    store = LetterStore(database)
    event = determination("a.pdf")
    store.land(event)
    before = snapshot(database)
    resent = event.model_copy(update={"id": "another-event-id"})
    assert store.land(resent) == "duplicate"
    assert store.land(event) == "duplicate"
    assert snapshot(database) == before


def _current(database: Database) -> dict[str, bool]:
    rows = database.query("SELECT source_key, is_current FROM letters")
    return {row["source_key"]: bool(row["is_current"]) for row in rows}


@pytest.mark.parametrize("order", [("old", "new"), ("new", "old")])
def test_the_latest_letter_of_a_case_is_current_and_earlier_ones_stay(
    database: Database, order: tuple[str, str]
) -> None:
    events = {
        "old": determination("old.pdf", decided=date(2017, 1, 20)),
        "new": determination("new.pdf", decided=date(2017, 3, 2), outcome="overturned"),
    }
    store = LetterStore(database)
    for name in order:
        store.land(events[name])
    assert _current(database) == {"old.pdf": False, "new.pdf": True}


def test_letters_of_other_cases_and_without_case_number_are_each_current(
    database: Database,
) -> None:
    store = LetterStore(database)
    store.land(determination("a.pdf", case_number="CM16-0000001"))
    store.land(determination("b.pdf", case_number="CM16-0000002"))
    store.land(determination("c.pdf", case_number=None))
    assert _current(database) == {"a.pdf": True, "b.pdf": True, "c.pdf": True}


def test_dead_letters_land_once(database: Database) -> None:
    row = DeadLetterRow(
        dead_letter_id="imr.parse.dlq/0/7",
        stage="parse",
        reason="no_text_layer",
        error_class="NoTextLayerError",
        attempt=1,
        source_topic="imr.letters.received.v1",
        source_partition=0,
        source_offset=3,
        letter_id=None,
        failed_at=datetime(2017, 1, 20, tzinfo=UTC),
    )
    store = LetterStore(database)
    assert store.land_dead_letter(row) == "landed"
    assert store.land_dead_letter(row) == "duplicate"
    assert database.query("SELECT stage, reason FROM dead_letters") == [
        {"stage": "parse", "reason": "no_text_layer"}
    ]


def test_a_failed_transaction_leaves_nothing_behind(database: Database) -> None:
    with pytest.raises(RuntimeError), database.transaction() as tx:
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'x', 'y')"
        )
        raise RuntimeError("abort")
    assert database.query("SELECT 1 FROM schema_migrations WHERE version = 99") == []


def test_an_unknown_database_url_is_refused() -> None:
    with pytest.raises(ValueError, match="postgresql"):
        Database("mysql://somewhere/db")


def test_an_unreachable_database_fails_the_batch_instead_of_dead_lettering(
    tmp_path: Path,
) -> None:
    settings = Settings(_env_file=None, retry_base_seconds=0.01, http_port=0)
    transport = MemoryTransport()
    event = determination("a.pdf")
    record = emit(settings.topic_determinations, event)
    transport.publish(
        settings.topic_determinations, record.value, key=record.key, headers=record.headers
    )
    unreachable = Database("postgresql://imr@127.0.0.1:1/claims")
    with pytest.raises(DatabaseUnavailableError):
        unreachable.query("SELECT 1")

    def runner(database: Database) -> StageRunner:
        handler = make_sink_handler(LetterStore(database), settings)
        return StageRunner(
            "sink", sink_topics(settings), handler, transport, settings, read_committed=True
        )

    failing = runner(unreachable)
    assert failing.run_until_idle(timeout_s=0.01, max_seconds=1) == 0
    failing.close()
    tp = TopicPartition(settings.topic_determinations, 0)
    assert transport.committed(group_id(settings, "sink"), tp) is None
    assert transport.records(settings.dlq_topic("sink")) == []

    available = open_database(f"sqlite:///{tmp_path / 'claims.sqlite'}")
    landing = runner(available)
    assert landing.run_until_idle(timeout_s=0.01) == 1
    landing.close()
    assert transport.committed(group_id(settings, "sink"), tp) == 1
    assert available.query("SELECT letter_id FROM letters") == [{"letter_id": event.data.letter_id}]
