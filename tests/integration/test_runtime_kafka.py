"""The stage runtime against a real broker: both delivery modes, dead letters, rebalancing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from workers.config import STAGES, Settings
from workers.runtime import (
    KafkaTransport,
    Message,
    Output,
    PermanentError,
    StageRunner,
)
from workers.runtime.kafka_config import client_config
from workers.runtime.replay import drain

pytestmark = pytest.mark.integration

IMR = str(Path(sys.executable).with_name("imr"))


def make_settings(
    kafka_bootstrap: str, unique_name: Callable[[str], str], **overrides: object
) -> Settings:
    prefix = unique_name("rt")
    return Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        group_id_prefix=prefix,
        topic_dlq_template=prefix + "-{stage}-dlq",
        http_port=0,
        retry_max_attempts=2,
        retry_base_seconds=0.05,
        **overrides,  # type: ignore[arg-type]
    )


def create_topics(settings: Settings, *names: str, partitions: int = 2) -> None:
    admin = KafkaAdminClient(**client_config(settings))
    try:
        spec = {"num_partitions": partitions, "replication_factor": 1}
        admin.create_topics(dict.fromkeys(names, spec), wait_for_metadata=True)
    finally:
        admin.close()


def produce(settings: Settings, topic: str, values: Sequence[bytes], **headers: bytes) -> None:
    producer = KafkaTransport(settings).producer()
    for value in values:
        producer.send(Output(topic, b"key-" + value, value, tuple(headers.items())))
    producer.flush()
    producer.close()


def read_all(settings: Settings, topic: str, *, read_committed: bool = True) -> list[Message]:
    consumer = KafkaTransport(settings).consumer([topic], None, read_committed=read_committed)
    try:
        return [m for batch in drain(consumer, timeout_s=30) for m in batch]
    finally:
        consumer.close()


def echo_to(target: str) -> Callable[[Message], Sequence[Output]]:
    def echo(message: Message) -> Sequence[Output]:
        return [Output(target, message.key, message.value)]

    return echo


VALUES = [str(i).encode() for i in range(20)]


def test_at_least_once_pipeline_through_a_no_op_stage(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    settings = make_settings(kafka_bootstrap, unique_name)
    source, target = unique_name("src"), unique_name("dst")
    create_topics(settings, source, target)
    produce(settings, source, VALUES, traceparent=b"00-" + b"ab" * 16 + b"-" + b"cd" * 8 + b"-01")

    stage = StageRunner("parse", source, echo_to(target), KafkaTransport(settings), settings)
    assert stage.run_until_idle(timeout_s=0.5) == len(VALUES)
    stage.close()

    outputs = read_all(settings, target)
    assert sorted(m.value for m in outputs) == sorted(VALUES)
    assert all(m.key == b"key-" + m.value for m in outputs)
    trace_ids = {m.header("traceparent").split(b"-")[1] for m in outputs}  # type: ignore[union-attr]
    assert trace_ids == {b"ab" * 16}

    again = StageRunner("parse", source, echo_to(target), KafkaTransport(settings), settings)
    assert again.run_until_idle(timeout_s=0.5) == 0  # offsets were committed
    again.close()


class Crash(BaseException):
    """A handler dying in a way the runner does not catch."""


def test_exactly_once_a_crash_aborts_the_transaction_and_nothing_is_seen_twice(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    settings = make_settings(kafka_bootstrap, unique_name, delivery_mode="exactly_once")
    source, target = unique_name("src"), unique_name("dst")
    create_topics(settings, source, target)
    produce(settings, source, VALUES)
    handled: list[bytes] = []

    def crash_on_third(message: Message) -> Sequence[Output]:
        handled.append(message.value)
        if len(handled) == 3:
            raise Crash
        return echo_to(target)(message)

    first = StageRunner("parse", source, crash_on_third, KafkaTransport(settings), settings)
    with pytest.raises(Crash):
        first.run_until_idle(timeout_s=0.5)
    first.close()

    second = StageRunner("parse", source, crash_on_third, KafkaTransport(settings), settings)
    second.run_until_idle(timeout_s=0.5)
    second.close()

    assert len(handled) > len(VALUES)  # the aborted records were handled again
    committed = [m.value for m in read_all(settings, target, read_committed=True)]
    assert sorted(committed) == sorted(VALUES)


def test_dead_letters_on_the_broker_keep_the_record_and_can_be_listed_and_replayed(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    settings = make_settings(kafka_bootstrap, unique_name)
    source, target = unique_name("src"), unique_name("dst")
    create_topics(settings, source, target, settings.dlq_topic("validate"))
    produce(settings, source, [b"good", b"poison"], ce_id=b"evt-1")

    def reject_poison(message: Message) -> Sequence[Output]:
        if message.value == b"poison":
            raise PermanentError("rule_failed")
        return echo_to(target)(message)

    stage = StageRunner("validate", source, reject_poison, KafkaTransport(settings), settings)
    stage.run_until_idle(timeout_s=0.5)
    stage.close()

    [dead] = read_all(settings, settings.dlq_topic("validate"))
    assert (dead.key, dead.value) == (b"key-poison", b"poison")
    headers = dict(dead.headers)
    assert headers["ce_id"] == b"evt-1"
    assert headers["imr.dlq.stage"] == b"validate"
    assert headers["imr.dlq.reason"] == b"rule_failed"
    assert headers["imr.dlq.error_class"] == b"workers.runtime.errors.PermanentError"
    assert headers["imr.dlq.attempt"] == b"1"
    assert headers["imr.dlq.source_topic"] == source.encode()
    assert int(headers["imr.dlq.source_offset"]) >= 0
    assert int(headers["imr.dlq.source_partition"]) in (0, 1)
    assert abs(int(headers["imr.dlq.timestamp"]) - time.time() * 1000) < 120_000

    env = {
        **os.environ,
        "IMR_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "IMR_GROUP_ID_PREFIX": settings.group_id_prefix,
        "IMR_TOPIC_DLQ_TEMPLATE": settings.topic_dlq_template,
    }

    def imr(*args: str) -> list[dict[str, object]]:
        done = subprocess.run(
            [IMR, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return [json.loads(line) for line in done.stdout.splitlines()]

    [listed] = imr("dlq", "list", "--stage", "validate")
    assert listed["reason"] == "rule_failed" and listed["value_bytes"] == len(b"poison")
    assert "poison" not in json.dumps(listed)

    replay = ("dlq", "replay", "--stage", "validate")
    assert [r["action"] for r in imr(*replay)] == ["refused_permanent"]
    assert [r["action"] for r in imr(*replay, "--force")] == ["replayed"]
    assert [r["action"] for r in imr(*replay, "--force")] == ["already_replayed"]
    replayed = [m for m in read_all(settings, source) if m.value == b"poison"]
    assert len(replayed) == 2
    assert dict(replayed[-1].headers).get("imr.replay.count") == b"1"


def test_a_joining_consumer_takes_partitions_over_without_reprocessing(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    settings = make_settings(kafka_bootstrap, unique_name, max_poll_records=4)
    source, target = unique_name("src"), unique_name("dst")
    create_topics(settings, source, target)
    handled: Counter[bytes] = Counter()
    handled_by: dict[str, int] = {"first": 0, "second": 0}
    lock = threading.Lock()

    def counting(name: str) -> Callable[[Message], Sequence[Output]]:
        def handle(message: Message) -> Sequence[Output]:
            time.sleep(0.02)
            with lock:
                handled[message.value] += 1
                handled_by[name] += 1
            return echo_to(target)(message)

        return handle

    runners = [
        StageRunner("parse", source, counting(n), KafkaTransport(settings), settings)
        for n in ("first", "second")
    ]
    threads = [threading.Thread(target=r.run, daemon=True) for r in runners]
    values = [str(i).encode() for i in range(400)]
    produce(settings, source, values)
    threads[0].start()
    deadline = time.monotonic() + 60
    while sum(handled.values()) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    threads[1].start()  # joins mid-stream: the first member must commit on revoke
    while len(handled) < len(values) and time.monotonic() < deadline + 60:
        time.sleep(0.1)
    for runner in runners:
        runner.stop()
    for thread in threads:
        thread.join(timeout=60)

    assert set(handled) == set(values)
    assert handled_by["second"] > 0
    assert [v for v, n in handled.items() if n > 1] == []


def test_topics_create_makes_every_topic_once(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    prefix = unique_name("topics")
    names = {
        "IMR_TOPIC_S3_EVENTS": f"{prefix}.s3-events",
        "IMR_TOPIC_LETTERS_RECEIVED": f"{prefix}.received",
        "IMR_TOPIC_LETTERS_OCR": f"{prefix}.ocr",
        "IMR_TOPIC_LETTERS_PARSED": f"{prefix}.parsed",
        "IMR_TOPIC_LETTERS_VALIDATED": f"{prefix}.validated",
        "IMR_TOPIC_DETERMINATIONS": f"{prefix}.determinations",
        "IMR_TOPIC_DLQ_TEMPLATE": prefix + ".{stage}.dlq",
        "IMR_TOPIC_REPLAY_LEDGER_TEMPLATE": prefix + ".{stage}.dlq.replayed",
    }
    env = {
        **os.environ,
        **names,
        "IMR_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "IMR_TOPIC_PARTITIONS": "3",
    }

    def create() -> dict[str, str]:
        done = subprocess.run(
            [IMR, "topics", "create"], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return {r["topic"]: r["status"] for r in map(json.loads, done.stdout.splitlines())}

    expected = [v for k, v in names.items() if not k.endswith("_TEMPLATE")]
    expected += [f"{prefix}.{stage}.dlq" for stage in STAGES]
    expected += [f"{prefix}.{stage}.dlq.replayed" for stage in STAGES]
    assert create() == dict.fromkeys(expected, "created")
    assert create() == dict.fromkeys(expected, "exists")
    admin = KafkaAdminClient(**client_config(Settings(kafka_bootstrap_servers=kafka_bootstrap)))
    try:
        described = admin.describe_topics(expected)
    finally:
        admin.close()
    assert {len(t["partitions"]) for t in described} == {3}
    admin = KafkaAdminClient(**client_config(Settings(kafka_bootstrap_servers=kafka_bootstrap)))
    try:
        ledger = f"{prefix}.parse.dlq.replayed"
        found = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, ledger)])
    finally:
        admin.close()
    assert found["topic"][ledger]["cleanup.policy"]["value"] == "compact"
