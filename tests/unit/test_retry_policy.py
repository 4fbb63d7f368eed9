"""Backoff delays, retry decisions, dead-letter records and exception classification."""

from __future__ import annotations

import subprocess
import sys

import botocore.exceptions
import pytest
import structlog
from kafka import errors as kafka_errors

from workers.config import Settings
from workers.runtime import DeadLetterPolicy, Message, PermanentError, RetryPolicy, TransientError
from workers.runtime.errors import Failure, classify


def test_ceiling_doubles_from_the_base_and_stops_at_the_maximum() -> None:
    policy = RetryPolicy(base_seconds=0.5, max_seconds=3.0)
    assert [policy.ceiling(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


@pytest.mark.parametrize("draw", [0.0, 0.25, 0.999])
def test_delay_is_the_random_draw_scaled_by_the_ceiling(draw: float) -> None:
    policy = RetryPolicy(base_seconds=1.0, max_seconds=60.0, rng=lambda: draw)
    assert policy.delay(3) == pytest.approx(draw * 4.0)


def test_transient_failures_are_retried_until_the_attempt_limit() -> None:
    policy = RetryPolicy(max_attempts=3)
    transient = Failure("transient", "x.Timeout", "dependency_unavailable")
    permanent = Failure("permanent", "x.Bad", "invalid")
    assert [policy.should_retry(transient, n) for n in (1, 2, 3)] == [True, True, False]
    assert not policy.should_retry(permanent, 1)


def test_policy_reads_its_limits_from_settings() -> None:
    settings = Settings(retry_max_attempts=7, retry_base_seconds=0.1, retry_max_seconds=9.0)
    policy = RetryPolicy.from_settings(settings)
    assert (policy.max_attempts, policy.base_seconds, policy.max_seconds) == (7, 0.1, 9.0)


def test_dead_letter_keeps_the_record_and_describes_the_failure() -> None:
    message = Message("imr.s3-events", 2, 41, b"k", b"\x00raw", (("traceparent", b"t"),), 5)
    policy = DeadLetterPolicy.from_settings(Settings(), "ingest")
    dead = DeadLetterPolicy(policy.stage, policy.topic, clock_ms=lambda: 99).dead_letter(
        message, Failure("permanent", "a.B", "not_an_imr_letter"), 1
    )
    assert dead.topic == "imr.ingest.dlq"
    assert (dead.key, dead.value) == (b"k", b"\x00raw")
    assert dead.headers[0] == ("traceparent", b"t")
    assert dict(dead.headers[1:]) == {
        "imr.dlq.stage": b"ingest",
        "imr.dlq.error_class": b"a.B",
        "imr.dlq.kind": b"permanent",
        "imr.dlq.reason": b"not_an_imr_letter",
        "imr.dlq.attempt": b"1",
        "imr.dlq.source_topic": b"imr.s3-events",
        "imr.dlq.source_partition": b"2",
        "imr.dlq.source_offset": b"41",
        "imr.dlq.timestamp": b"99",
    }


def _client_error(code: str, status: int) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "GetObject"
    )


@pytest.mark.parametrize(
    "exc",
    [
        TransientError("later"),
        TimeoutError(),
        TimeoutError(),
        ConnectionResetError(),
        kafka_errors.KafkaTimeoutError(),
        kafka_errors.NotLeaderForPartitionError(),
    ],
)
def test_dependency_trouble_is_transient(exc: Exception) -> None:
    assert classify(exc).kind == "transient"


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (PermanentError("invalid_event"), "invalid_event"),
        # Store errors are translated by the store; one that escapes it untranslated is a bug.
        (_client_error("SlowDown", 503), "unexpected_error"),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"), "undecodable"),
        (ValueError("bad json"), "undecodable"),
        (KeyError("field"), "unexpected_error"),
    ],
)
def test_everything_else_is_permanent_with_a_stable_reason(exc: Exception, reason: str) -> None:
    failure = classify(exc)
    assert (failure.kind, failure.reason) == ("permanent", reason)
    assert failure.error_class.endswith(type(exc).__qualname__)


def test_unexpected_errors_are_logged_by_class_never_by_message() -> None:
    class OddError(Exception):
        pass

    with structlog.testing.capture_logs() as logs:
        classify(OddError("Patient Jane Roe, age 51, lumbar MRI"))
    assert [entry["error_class"].rsplit(".", 1)[-1] for entry in logs] == ["OddError"]
    assert "Jane" not in repr(logs) and "lumbar" not in repr(logs)


def test_the_runtime_loads_no_domain_package_and_no_storage_client() -> None:
    """Failures are translated where they happen, so the runtime needs neither the extractor
    nor boto to classify them."""
    probe = (
        "import sys, workers.runtime, workers.cli.worker; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'boto3') "
        "or m.startswith(('workers.extraction', 'workers.storage', 'workers.stages', 'schemas'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"
