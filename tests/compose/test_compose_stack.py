"""docker-compose.yml, unchanged, end to end on a real container engine.

Builds the project image from deploy/Dockerfile, starts every service, drops a letter into the
bucket with boto3 through the S3 port the compose file publishes, reads its determination from
Kafka's host listener with kafka-python, checks every service is healthy (or, for the one-shot
init services, exited 0), and tears everything down: no container, network or volume of the
project may be left, whatever happened before.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest
from botocore.config import Config
from imr_podman import staged
from kafka import KafkaConsumer

from schemas.events import DeterminationExtracted, from_kafka, letter_id_for
from workers.config import Settings

pytestmark = [pytest.mark.compose, pytest.mark.slow, pytest.mark.timeout(1800)]

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
LETTER = FIXTURES / "pdf" / "b_multi.pdf"
EXPECTED = json.loads((FIXTURES / "letters" / "b_multi.expected.json").read_text())
DATA_SCHEMA = REPO / "schemas" / "json" / "determination.extracted.v1.data.schema.json"
DETERMINATION_TIMEOUT_S = 120.0
GOALS = {"completed": "exited 0", "healthy": "healthy", "running": "running"}


@contextmanager
def timed(phase: str, timings: dict[str, float]) -> Iterator[None]:
    start = time.monotonic()
    try:
        yield
    finally:
        timings[phase] = round(time.monotonic() - start, 1)


def host_endpoints(compose: dict[str, Any]) -> tuple[str, str]:
    """The S3 URL and Kafka bootstrap a client on the host uses, as the compose file says."""
    services = compose["services"]
    s3_port = next(str(p).split(":")[0] for p in services["s3"]["ports"])
    advertised = services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    listeners = dict(entry.split("://") for entry in advertised.split(","))
    return f"http://127.0.0.1:{s3_port}", listeners["HOST"]


def upload_letter(compose: dict[str, Any], s3_url: str) -> tuple[str, str, dict[str, Any]]:
    """Put the letter under a fresh key; returns the bucket, the key and boto3's answer."""
    env = compose["services"]["ingest"]["environment"]
    client = boto3.client(
        "s3",
        endpoint_url=s3_url,
        aws_access_key_id=env["IMR_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=env["IMR_S3_SECRET_ACCESS_KEY"],
        region_name=env["IMR_S3_REGION"],
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    )
    bucket, key = env["IMR_S3_BUCKET"], f"compose-check/{uuid.uuid4().hex[:8]}/{LETTER.name}"
    answer = client.put_object(
        Bucket=bucket, Key=key, Body=LETTER.read_bytes(), ContentType="application/pdf"
    )
    return bucket, key, dict(answer)


def read_determination(bootstrap: str, topic: str, key: str) -> DeterminationExtracted:
    """The first committed determination for the object ``key``, from the earliest offset."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    deadline = time.monotonic() + DETERMINATION_TIMEOUT_S
    try:
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    event = from_kafka(record.value, record.headers)
                    if isinstance(event, DeterminationExtracted) and event.data.source.key == key:
                        jsonschema.validate(
                            json.loads(record.value), json.loads(DATA_SCHEMA.read_text())
                        )
                        return event
    finally:
        consumer.close()
    pytest.fail(f"no determination for {key} on {topic} within {DETERMINATION_TIMEOUT_S} s")


def expected_states(compose: dict[str, Any]) -> dict[str, list[str]]:
    """One container per service, settled as its dependents need (healthy if it has a check)."""
    plan = staged.plan(compose)
    return {name: [GOALS[plan.settle_as(name)]] for name in plan.services}


def test_compose_stack_turns_an_uploaded_letter_into_a_determination(
    compose_engine: Any, compose_file: dict[str, Any]
) -> None:
    timings: dict[str, float] = {}
    compose_engine.down()  # whatever an interrupted earlier run left
    with timed("build", timings):
        compose_engine.build()
    try:
        with timed("up", timings):
            compose_engine.up()
        assert compose_engine.status() == expected_states(compose_file)

        s3_url, bootstrap = host_endpoints(compose_file)
        topic = compose_file["services"]["enrich"]["environment"].get(
            "IMR_TOPIC_DETERMINATIONS", Settings.model_fields["topic_determinations"].default
        )
        with timed("letter", timings):
            bucket, key, put = upload_letter(compose_file, s3_url)
            event = read_determination(bootstrap, topic, key)

        data = event.data
        etag = put["ETag"].strip('"')
        assert data.letter_id == letter_id_for(bucket, key, put.get("VersionId"), etag)
        assert data.source.bucket == bucket and data.source.sha256 is not None
        assert data.case_number == EXPECTED["case_number"]
        assert [i.outcome for i in data.items] == [i["outcome"] for i in EXPECTED["items"]]
        assert data.validation.status in ("valid", "needs_review")
        # Still healthy after the work: no worker restarted or stopped answering.
        assert compose_engine.status() == expected_states(compose_file)
    finally:
        with timed("down", timings):
            left = compose_engine.down()
        print(f"compose check on {compose_engine.name}: {timings}")
    assert not left, f"compose down left {left}"
