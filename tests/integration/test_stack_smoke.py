"""The test services do what the workers rely on: Kafka transactions and S3 bucket events."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from imr_stack.kafka_broker import KafkaBroker
from imr_stack.s3_server import VersityGateway
from imr_stack.settings import StackSettings
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

pytestmark = pytest.mark.integration

DEADLINE_SECONDS = 30.0
STACK_SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "local" / "stack"


def _read_to_end(consumer: KafkaConsumer, partitions: list[TopicPartition]) -> list[bytes]:
    """Every value visible to ``consumer`` from the beginning up to the current end offsets."""
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    end = consumer.end_offsets(partitions)
    values: list[bytes] = []
    deadline = time.monotonic() + DEADLINE_SECONDS
    while any(consumer.position(tp) < end[tp] for tp in partitions):
        assert time.monotonic() < deadline, "consumer did not reach the end offsets"
        for records in consumer.poll(timeout_ms=500).values():
            values.extend(record.value for record in records)
    return values


def test_transactions_hide_aborted_records(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    topic = unique_name("txn")
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    admin.create_topics([NewTopic(topic, 1, 1)])
    admin.close()

    producer = KafkaProducer(
        bootstrap_servers=kafka_bootstrap, transactional_id=unique_name("producer")
    )
    producer.init_transactions()
    for value, commit in ((b"first", True), (b"aborted", False), (b"second", True)):
        producer.begin_transaction()
        producer.send(topic, value)
        producer.flush()
        if commit:
            producer.commit_transaction()
        else:
            producer.abort_transaction()
    producer.close()

    partitions = [TopicPartition(topic, 0)]
    committed = KafkaConsumer(bootstrap_servers=kafka_bootstrap, isolation_level="read_committed")
    everything = KafkaConsumer(
        bootstrap_servers=kafka_bootstrap, isolation_level="read_uncommitted"
    )
    try:
        assert _read_to_end(committed, partitions) == [b"first", b"second"]
        # The aborted record was written; only the isolation level hides it.
        assert _read_to_end(everything, partitions) == [b"first", b"aborted", b"second"]
    finally:
        committed.close()
        everything.close()


def _bucket_events(consumer: KafkaConsumer, bucket: str) -> list[dict[str, Any]]:
    """S3 event records for ``bucket`` among the next polled messages.

    The topic is shared: records of other buckets, and anything that is not S3 event JSON
    (such as the gateway's start-up test message), are skipped.
    """
    found = []
    for records in consumer.poll(timeout_ms=500).values():
        for record in records:
            try:
                payload = json.loads(record.value)
            except ValueError:
                continue
            if not isinstance(payload, dict):
                continue
            found.extend(
                event
                for event in payload.get("Records") or ()
                if event.get("s3", {}).get("bucket", {}).get("name") == bucket
            )
    return found


def test_object_put_is_announced_on_kafka(
    kafka_bootstrap: str,
    s3_client: S3Client,
    s3_events_topic: str,
    unique_name: Callable[[str], str],
) -> None:
    bucket = unique_name("bucket")
    key = f"letters/{uuid.uuid4().hex}.pdf"
    body = b"%PDF-1.4 smoke"
    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap)
    try:
        partitions = [
            TopicPartition(s3_events_topic, p)
            for p in consumer.partitions_for_topic(s3_events_topic) or ()
        ]
        assert partitions, f"topic {s3_events_topic} does not exist"
        consumer.assign(partitions)
        consumer.seek_to_end(*partitions)
        for tp in partitions:
            consumer.position(tp)  # pin the start before the upload happens

        s3_client.create_bucket(Bucket=bucket)
        s3_client.put_object(Bucket=bucket, Key=key, Body=body)

        events: list[dict[str, Any]] = []
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not events and time.monotonic() < deadline:
            events = _bucket_events(consumer, bucket)
    finally:
        consumer.close()

    assert len(events) == 1, f"expected one event for bucket {bucket}, got {events}"
    event = events[0]
    assert event["eventName"] == "s3:ObjectCreated:Put"
    assert event["eventSource"] == "aws:s3"
    assert event["s3"]["object"]["key"] == key
    assert event["s3"]["object"]["size"] == len(body)


def test_second_stack_up_leaves_running_services_alone(kafka_bootstrap: str) -> None:
    settings = StackSettings.from_env()
    if settings.kafka_bootstrap != kafka_bootstrap:
        pytest.skip("the services under test are not the local stack")
    processes = (KafkaBroker(settings).process, VersityGateway(settings).process)
    before = [p.pid() for p in processes]

    env = {**os.environ, "IMR_STACK_PYTHON": sys.executable}
    up = subprocess.run([str(STACK_SCRIPT), "up"], env=env, capture_output=True, text=True)
    status = subprocess.run([str(STACK_SCRIPT), "status"], env=env, capture_output=True, text=True)

    assert up.returncode == 0, up.stderr
    assert "starting" not in up.stderr
    assert [p.pid() for p in processes] == before
    assert None not in before
    assert status.returncode == 0, status.stdout
