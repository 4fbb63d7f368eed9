"""`imr sink` against a real broker and a real PostgreSQL server: duplicates, replays, poison
records, and a SIGKILL after the database commit but before the offset commit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import date

import pytest
from kafka import KafkaAdminClient

from schemas.events import DeterminationExtracted
from tests.claims_data import determination
from tests.integration.test_runtime_kafka import create_topics, make_settings, read_all
from workers.claims import Database, LetterStore, open_database
from workers.claims.snapshot import snapshot
from workers.claims.subscriber import make_sink_handler, sink_topics
from workers.config import STAGES, Settings
from workers.runtime import KafkaTransport, Output, StageRunner
from workers.runtime.kafka_config import client_config
from workers.runtime.messages import Headers
from workers.stages.codec import emit

pytestmark = pytest.mark.integration


def sink_settings(kafka_bootstrap: str, unique_name: Callable[[str], str]) -> Settings:
    settings = make_settings(kafka_bootstrap, unique_name)
    return settings.model_copy(update={"topic_determinations": unique_name("determinations")})


def publish_determinations(
    settings: Settings, events: list[DeterminationExtracted], *raw: Output
) -> None:
    producer = KafkaTransport(settings).producer()
    for event in events:
        producer.send(emit(settings.topic_determinations, event))
    for output in raw:
        producer.send(output)
    producer.flush()
    producer.close()


def run_sink(settings: Settings, database: Database) -> int:
    """One sink runner until nothing is left to read; returns how many records it handled."""
    runner = StageRunner(
        "sink",
        sink_topics(settings),
        make_sink_handler(LetterStore(database), settings),
        KafkaTransport(settings),
        settings,
        read_committed=True,
    )
    try:
        return runner.run_until_idle(timeout_s=0.5)
    finally:
        runner.close()


def _committed(settings: Settings) -> dict[str, int]:
    group = f"{settings.group_id_prefix}-sink"
    admin = KafkaAdminClient(**client_config(settings))
    try:
        offsets = admin.list_group_offsets(group).get(group, {})
    finally:
        admin.close()
    totals: dict[str, int] = {}
    for tp, meta in offsets.items():
        if meta.offset >= 0:
            totals[tp.topic] = totals.get(tp.topic, 0) + meta.offset
    return totals


CASE_LETTERS = [
    determination("case/first.pdf", decided=date(2017, 1, 20)),
    determination("case/second.pdf", decided=date(2017, 4, 3), outcome="overturned"),
    determination("other.pdf", case_number="CM16-0000009", needs_review=True),
]
DEAD_LETTER_HEADERS: Headers = (
    ("imr.dlq.stage", b"parse"),
    ("imr.dlq.reason", b"no_text_layer"),
    ("imr.dlq.error_class", b"NoTextLayerError"),
    ("imr.dlq.attempt", b"1"),
    ("imr.dlq.source_topic", b"imr.letters.received.v1"),
    ("imr.dlq.source_partition", b"0"),
    ("imr.dlq.source_offset", b"12"),
    ("imr.dlq.timestamp", b"1484922600000"),
)


def test_the_sink_lands_letters_once_and_a_replayed_topic_changes_nothing(
    kafka_bootstrap: str, unique_name: Callable[[str], str], postgres_database: str
) -> None:
    settings = sink_settings(kafka_bootstrap, unique_name)
    create_topics(settings, *sink_topics(settings), settings.dlq_topic("sink"))
    duplicate = CASE_LETTERS[0].model_copy(update={"id": "resent-by-the-producer"})
    dead = Output(settings.dlq_topic("parse"), b"0" * 32, b"%PDF-1.7 ...", DEAD_LETTER_HEADERS)
    poison = Output(settings.topic_determinations, b"CM16-0000000", b"{not json")
    publish_determinations(settings, [*CASE_LETTERS, duplicate, CASE_LETTERS[0]], dead, poison)
    database = open_database(postgres_database)

    assert run_sink(settings, database) == 7
    letters = database.query(
        "SELECT source_key, is_current, review_status FROM letters ORDER BY source_key"
    )
    assert letters == [
        {"source_key": "case/first.pdf", "is_current": False, "review_status": "not_needed"},
        {"source_key": "case/second.pdf", "is_current": True, "review_status": "not_needed"},
        {"source_key": "other.pdf", "is_current": True, "review_status": "pending"},
    ]
    assert database.query("SELECT stage, reason, letter_id FROM dead_letters") == [
        {"stage": "parse", "reason": "no_text_layer", "letter_id": "0" * 32}
    ]
    [rejected] = read_all(settings, settings.dlq_topic("sink"))
    assert dict(rejected.headers)["imr.dlq.reason"] == b"undecodable_event"

    landed = snapshot(database)
    replay = settings.model_copy(update={"group_id_prefix": unique_name("replay")})
    assert run_sink(replay, database) == 7  # a new group reads the topics from the start
    assert snapshot(database) == landed


_KILLED_AT_OFFSET_COMMIT = textwrap.dedent(
    """
    import os, signal, sys
    from workers.runtime.kafka_transport import KafkaTransportConsumer

    def commit(self, offsets):
        if offsets:  # the database committed this batch; die before Kafka hears of it
            os.kill(os.getpid(), signal.SIGKILL)

    KafkaTransportConsumer.commit = commit
    from workers.cli import main
    sys.exit(main(["sink", "--database", sys.argv[1]]))
    """
)


def test_a_sink_killed_between_database_and_offset_commit_changes_nothing_on_restart(
    kafka_bootstrap: str, unique_name: Callable[[str], str], postgres_database: str
) -> None:
    # A static member (as a StatefulSet replica is): the restarted sink takes the killed one's
    # place at once instead of after its session timed out.
    settings = sink_settings(kafka_bootstrap, unique_name).model_copy(
        update={"instance_id": "sink-0"}
    )
    # One partition: the three letters come in one batch, all landed before the kill.
    create_topics(settings, settings.topic_determinations, partitions=1)
    create_topics(settings, *sink_topics(settings)[1:], settings.dlq_topic("sink"))
    publish_determinations(settings, CASE_LETTERS)
    env = {
        **os.environ,
        "IMR_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "IMR_GROUP_ID_PREFIX": settings.group_id_prefix,
        "IMR_TOPIC_DETERMINATIONS": settings.topic_determinations,
        "IMR_TOPIC_DLQ_TEMPLATE": settings.topic_dlq_template,
        "IMR_INSTANCE_ID": "sink-0",
        "IMR_HTTP_PORT": "0",
    }
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_AT_OFFSET_COMMIT, postgres_database],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    database = open_database(postgres_database)
    landed = snapshot(database)
    assert len(landed["letters"]) == len(CASE_LETTERS)
    assert settings.topic_determinations not in _committed(settings)

    assert run_sink(settings, database) == len(CASE_LETTERS)  # every record came again
    assert snapshot(database) == landed
    assert _committed(settings)[settings.topic_determinations] == len(CASE_LETTERS)


def test_the_sink_consumes_every_stage_dead_letter_topic() -> None:
    settings = Settings.model_construct()
    topics = sink_topics(settings)
    assert topics[0] == settings.topic_determinations
    assert set(topics[1:]) == {settings.dlq_topic(stage) for stage in STAGES}
