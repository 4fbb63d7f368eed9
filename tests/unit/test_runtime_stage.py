"""The stage runner on the in-memory bus: retries, dead letters, commits, shutdown, crashes."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence

import pytest
import structlog

from workers.config import Settings
from workers.runtime import (
    DeadLetterPolicy,
    DeliveryError,
    FailurePolicy,
    MemoryTransport,
    Message,
    Output,
    PermanentError,
    RetryPolicy,
    StageRunner,
    TopicPartition,
    TransientError,
)
from workers.runtime.memory import MemoryConsumer
from workers.runtime.stage import POLL_TIMEOUT_S

SOURCE = "imr.letters.received.v1"
TARGET = "imr.letters.parsed.v1"
DLQ = "imr.parse.dlq"
GROUP = "imr-parse"
P0 = TopicPartition(SOURCE, 0)


class Crash(BaseException):
    """Stands for the process dying: not an ``Exception``, so nothing in the runner catches it."""


def settings(**overrides: object) -> Settings:
    return Settings(retry_max_attempts=3, **overrides)  # type: ignore[arg-type]


def policy(max_attempts: int = 3, jitter: float = 0.0) -> FailurePolicy:
    return FailurePolicy(
        RetryPolicy(max_attempts=max_attempts, base_seconds=0.01, rng=lambda: jitter),
        DeadLetterPolicy(stage="parse", topic=DLQ, clock_ms=lambda: 1_700_000_000_000),
    )


def echo(message: Message) -> Sequence[Output]:
    return [Output(TARGET, message.key, message.value.upper())]


def runner(
    bus: MemoryTransport,
    handler: Callable[[Message], Sequence[Output]] = echo,
    cfg: Settings | None = None,
    max_attempts: int = 3,
) -> StageRunner:
    return StageRunner("parse", SOURCE, handler, bus, cfg or settings(), policy(max_attempts))


def publish(bus: MemoryTransport, *values: bytes) -> None:
    for value in values:
        bus.publish(SOURCE, value, key=b"letter-1", headers=[("ce_id", b"id-" + value)])


def values(bus: MemoryTransport, topic: str = TARGET) -> list[bytes]:
    return [m.value for m in bus.records(topic)]


def test_outputs_are_published_and_offsets_committed_one_past_the_last_record() -> None:
    bus = MemoryTransport()
    publish(bus, b"a", b"b", b"c")
    assert runner(bus).run_until_idle() == 3
    assert values(bus) == [b"A", b"B", b"C"]
    assert bus.committed(GROUP, P0) == 3


def test_transient_failures_are_retried_until_success() -> None:
    bus = MemoryTransport()
    publish(bus, b"a")
    calls: list[int] = []

    def flaky(message: Message) -> Sequence[Output]:
        calls.append(message.offset)
        if len(calls) < 3:
            raise TransientError("store timed out")
        return echo(message)

    stage = runner(bus, flaky)
    stage.run_until_idle()
    assert calls == [0, 0, 0]
    assert values(bus) == [b"A"]
    assert bus.records(DLQ) == []
    assert bus.committed(GROUP, P0) == 1
    failed = stage.metrics.registry.get_sample_value(
        "imr_messages_failed_total", {"stage": "parse", "kind": "transient"}
    )
    assert failed == 2


def test_exhausted_retries_dead_letter_the_original_record_with_every_header() -> None:
    bus = MemoryTransport()
    publish(bus, b"a", b"b")

    def always_down(message: Message) -> Sequence[Output]:
        if message.value == b"a":
            raise TransientError("still down")
        return echo(message)

    runner(bus, always_down, max_attempts=3).run_until_idle()
    [dead] = bus.records(DLQ)
    headers = dict(dead.headers)
    assert (dead.key, dead.value) == (b"letter-1", b"a")
    assert headers == {
        "ce_id": b"id-a",
        "imr.dlq.stage": b"parse",
        "imr.dlq.error_class": b"workers.runtime.errors.TransientError",
        "imr.dlq.kind": b"transient",
        "imr.dlq.reason": b"transient",
        "imr.dlq.attempt": b"3",
        "imr.dlq.source_topic": SOURCE.encode(),
        "imr.dlq.source_partition": b"0",
        "imr.dlq.source_offset": b"0",
        "imr.dlq.timestamp": b"1700000000000",
    }
    assert values(bus) == [b"B"]
    assert bus.committed(GROUP, P0) == 2


def test_permanent_errors_are_dead_lettered_without_retry() -> None:
    bus = MemoryTransport()
    publish(bus, b"a")
    calls: list[int] = []

    def reject(message: Message) -> Sequence[Output]:
        calls.append(message.offset)
        raise PermanentError("not_an_imr_letter")

    runner(bus, reject).run_until_idle()
    assert calls == [0]
    [dead] = bus.records(DLQ)
    assert dict(dead.headers)["imr.dlq.reason"] == b"not_an_imr_letter"
    assert dict(dead.headers)["imr.dlq.attempt"] == b"1"
    assert bus.committed(GROUP, P0) == 1


def test_undecodable_records_are_dead_lettered_and_the_worker_goes_on() -> None:
    bus = MemoryTransport()
    publish(bus, b"\xff\xfe not json", b'{"ok": true}')

    def decode(message: Message) -> Sequence[Output]:
        body = json.loads(message.value)
        return [Output(TARGET, message.key, json.dumps(body).encode())]

    runner(bus, decode).run_until_idle()
    [dead] = bus.records(DLQ)
    assert dead.value == b"\xff\xfe not json"
    assert dict(dead.headers)["imr.dlq.reason"] == b"undecodable"
    assert values(bus) == [b'{"ok": true}']
    assert bus.committed(GROUP, P0) == 2


def test_offsets_are_not_committed_until_the_outputs_are_delivered() -> None:
    bus = MemoryTransport()
    publish(bus, b"a", b"b")
    bus.set_broken(TARGET)
    stage = runner(bus)
    assert stage.poll_once(timeout_s=0) == 0
    assert bus.committed(GROUP, P0) is None
    assert values(bus) == []

    bus.set_broken(TARGET, broken=False)
    stage.run_until_idle()
    assert values(bus) == [b"A", b"B"]
    assert bus.committed(GROUP, P0) == 2


def test_a_crash_before_commit_means_the_next_member_processes_the_records_again() -> None:
    bus = MemoryTransport()
    publish(bus, b"a", b"b", b"c")
    seen: list[bytes] = []

    def dies_on_c(message: Message) -> Sequence[Output]:
        seen.append(message.value)
        if message.value == b"c":
            raise Crash
        return echo(message)

    first = runner(bus, dies_on_c)
    with pytest.raises(Crash):
        first.run_until_idle()
    assert bus.committed(GROUP, P0) is None
    assert first._consumer is not None
    bus.expire(first._consumer)  # type: ignore[arg-type]

    def record(message: Message) -> Sequence[Output]:
        seen.append(message.value)
        return echo(message)

    runner(bus, record).run_until_idle()
    assert seen == [b"a", b"b", b"c", b"a", b"b", b"c"]
    assert values(bus) == [b"A", b"B", b"C"]
    assert bus.committed(GROUP, P0) == 3


def test_shutdown_mid_batch_finishes_the_batch_within_the_grace_period() -> None:
    bus = MemoryTransport()
    publish(bus, b"a", b"b", b"c")
    stage: StageRunner

    def stop_on_b(message: Message) -> Sequence[Output]:
        if message.value == b"b":
            stage.stop()
        return echo(message)

    stage = runner(bus, stop_on_b)
    stage.run_until_idle()
    assert values(bus) == [b"A", b"B", b"C"]
    assert bus.committed(GROUP, P0) == 3
    assert not stage.ready


def test_shutdown_abandons_what_the_grace_period_does_not_cover() -> None:
    bus = MemoryTransport()
    publish(bus, b"a", b"b", b"c")
    stage: StageRunner

    def slow_stop_on_a(message: Message) -> Sequence[Output]:
        if message.value == b"a":
            stage.stop()
            time.sleep(0.05)
        return echo(message)

    stage = runner(bus, slow_stop_on_a, settings(shutdown_grace_seconds=0.01))
    stage.run_until_idle()
    stage.close()
    assert values(bus) == [b"A"]
    assert bus.committed(GROUP, P0) == 1

    runner(bus).run_until_idle()
    assert values(bus) == [b"A", b"B", b"C"]


@pytest.mark.parametrize(
    "update",
    [
        pytest.param({"max_poll_interval_ms": 40}, id="poll-interval"),
        pytest.param(
            {"delivery_mode": "exactly_once", "transaction_timeout_ms": 40},
            id="exactly-once-transaction-timeout",
        ),
    ],
)
def test_a_slow_batch_is_cut_short_within_its_time_budget(update: dict[str, object]) -> None:
    """Half the poll interval, or exactly once half the transaction timeout: 20 ms here."""

    def slow(message: Message) -> Sequence[Output]:
        time.sleep(0.03)
        return echo(message)

    bus = MemoryTransport()
    publish(bus, b"a", b"b", b"c")
    stage = runner(bus, slow, settings().model_copy(update=update))
    assert stage.poll_once(timeout_s=0) == 1
    assert bus.committed(GROUP, P0) == 1
    stage.run_until_idle()
    assert values(bus) == [b"A", b"B", b"C"]
    assert bus.committed(GROUP, P0) == 3


def test_a_runner_stuck_in_a_handler_past_the_poll_interval_is_not_alive() -> None:
    bus = MemoryTransport()
    publish(bus, b"a")
    fast_poll = settings().model_copy(update={"max_poll_interval_ms": 40})
    alive_in_handler: list[bool] = []
    stage: StageRunner

    def hangs(message: Message) -> Sequence[Output]:
        time.sleep(0.06)
        alive_in_handler.append(stage.alive)
        return echo(message)

    stage = runner(bus, hangs, fast_poll)
    assert stage.alive
    stage.poll_once(timeout_s=0)
    assert alive_in_handler == [False]
    stage.poll_once(timeout_s=0)
    assert stage.alive  # polling again is all it takes


def test_a_retry_longer_than_the_poll_budget_is_postponed_to_a_later_poll() -> None:
    bus = MemoryTransport()
    publish(bus, b"a")
    fast_poll = settings().model_copy(update={"max_poll_interval_ms": 40})  # budget: 20 ms
    calls: list[float] = []

    def flaky(message: Message) -> Sequence[Output]:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise TransientError("slow down")
        return echo(message)

    stage = StageRunner(
        "parse",
        SOURCE,
        flaky,
        bus,
        fast_poll,
        FailurePolicy(
            RetryPolicy(max_attempts=3, base_seconds=0.1, rng=lambda: 0.5),  # 50 ms > budget
            DeadLetterPolicy(stage="parse", topic=DLQ),
        ),
    )
    assert stage.poll_once(timeout_s=0) == 0
    assert bus.committed(GROUP, P0) is None
    stage.run_until_idle()
    assert values(bus) == [b"A"]
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.05
    assert bus.committed(GROUP, P0) == 1


def test_trace_context_flows_from_the_inbound_record_to_its_outputs() -> None:
    bus = MemoryTransport()
    parent = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    bus.publish(SOURCE, b"a", headers=[("traceparent", parent)])
    runner(bus).run_until_idle()
    [out] = bus.records(TARGET)
    version, trace_id, span_id, flags = dict(out.headers)["traceparent"].decode().split("-")
    assert (version, trace_id, flags) == ("00", "4bf92f3577b34da6a3ce929d0e0e4736", "01")
    assert span_id != "00f067aa0ba902b7" and len(span_id) == 16


def test_log_lines_of_a_record_carry_its_position_and_trace_until_the_batch_ends() -> None:
    bus = MemoryTransport(default_partitions=2)
    parent = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    for key in (b"k1", b"k2", b"k3", b"k4"):
        bus.publish(SOURCE, key, key=key, headers=[("traceparent", parent)])
    seen: dict[bytes, dict[str, object]] = {}

    def remember(message: Message) -> Sequence[Output]:
        seen[message.value] = structlog.contextvars.get_contextvars()
        return echo(message)

    structlog.contextvars.bind_contextvars(request="outer")
    try:
        runner(bus, remember, settings(max_poll_records=4)).run_until_idle()
        assert structlog.contextvars.get_contextvars() == {"request": "outer"}
    finally:
        structlog.contextvars.unbind_contextvars("request")
    assert {m.value for m in bus.records(SOURCE)} == set(seen)
    for record in bus.records(SOURCE):
        assert seen[record.value] == {
            "request": "outer",
            "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
            "topic": SOURCE,
            "partition": record.partition,
            "offset": record.offset,
        }


class FlakyCommitTransport(MemoryTransport):
    """Consumers whose first commit fails, as a commit racing a rebalance does."""

    def consumer(self, *args: object, **kwargs: object) -> MemoryConsumer:
        consumer = super().consumer(*args, **kwargs)  # type: ignore[arg-type]
        real_commit = consumer.commit
        failures = [True]

        def commit(offsets: dict[TopicPartition, int]) -> None:
            if offsets and failures:
                failures.pop()
                raise DeliveryError("rebalance in progress")
            real_commit(offsets)

        consumer.commit = commit  # type: ignore[method-assign,assignment]
        return consumer


def test_processed_offsets_are_committed_when_partitions_are_revoked() -> None:
    bus = FlakyCommitTransport()
    publish(bus, b"a", b"b")
    first = runner(bus)
    first.run_until_idle()
    assert bus.committed(GROUP, P0) is None  # the commit after the batch failed

    seen: list[bytes] = []

    def record(message: Message) -> Sequence[Output]:
        seen.append(message.value)
        return echo(message)

    second = runner(bus, record)
    second.start()
    first.poll_once(timeout_s=0)  # the rebalance revokes: pending offsets are committed
    assert bus.committed(GROUP, P0) == 2
    second.run_until_idle()
    first.run_until_idle()
    assert seen == []
    assert values(bus) == [b"A", b"B"]


def test_lost_partitions_are_not_committed_and_are_processed_again() -> None:
    bus = FlakyCommitTransport()
    publish(bus, b"a", b"b")
    first = runner(bus)
    first.run_until_idle()
    assert first._consumer is not None
    bus.expire(first._consumer)  # type: ignore[arg-type]
    first.close()
    assert bus.committed(GROUP, P0) is None

    second = runner(bus)
    second.run_until_idle()
    assert values(bus) == [b"A", b"B", b"A", b"B"]
    second.close()  # its own first commit failed too: closing commits what it processed
    assert bus.committed(GROUP, P0) == 2


def test_exactly_once_aborts_a_failed_batch_and_publishes_each_output_once() -> None:
    bus = MemoryTransport()
    publish(bus, b"a", b"b")

    def reject_b(message: Message) -> Sequence[Output]:
        if message.value == b"b":
            raise PermanentError("invalid")
        return echo(message)

    bus.set_broken(DLQ)
    stage = runner(bus, reject_b, settings(delivery_mode="exactly_once"))
    assert stage.transactional_id is not None
    assert stage.transactional_id.startswith("imr-parse-")
    assert stage.poll_once(timeout_s=0) == 0
    assert bus.records(TARGET) == []  # the aborted output is invisible to read_committed
    assert bus.committed(GROUP, P0) is None

    bus.set_broken(DLQ, broken=False)
    stage.run_until_idle()
    assert values(bus) == [b"A"]
    assert [m.value for m in bus.records(DLQ)] == [b"b"]
    assert bus.committed(GROUP, P0) == 2


def test_exactly_once_replaces_a_fenced_producer_and_goes_on() -> None:
    bus = MemoryTransport()
    publish(bus, b"a", b"b")
    stage = runner(bus, cfg=settings(delivery_mode="exactly_once"))
    stage.start()
    assert stage.transactional_id is not None
    bus.producer(stage.transactional_id)  # a newer instance with the same id fences ours
    assert stage.poll_once(timeout_s=0) == 0
    assert bus.committed(GROUP, P0) is None

    stage.run_until_idle()
    assert values(bus) == [b"A", b"B"]
    assert bus.committed(GROUP, P0) == 2


def flaky_poll(stage: StageRunner, failures: list[BaseException]) -> list[int]:
    """Make the stage's consumer raise ``failures`` (one per poll) before polling for real;
    returns a list that grows by one per poll attempt."""
    stage.start()
    consumer = stage._consumer
    assert consumer is not None
    real_poll = consumer.poll
    attempts: list[int] = []

    def poll(timeout_s: float, max_records: int) -> list[Message]:
        attempts.append(1)
        if failures:
            raise failures.pop(0)
        return real_poll(timeout_s, max_records)

    consumer.poll = poll  # type: ignore[method-assign]
    return attempts


def test_run_backs_off_while_the_broker_is_unreachable_and_then_goes_on() -> None:
    from kafka.errors import KafkaConnectionError, KafkaTimeoutError

    bus = MemoryTransport()
    publish(bus, b"a")
    stage = runner(bus)
    attempts = flaky_poll(stage, [KafkaConnectionError("refused"), KafkaTimeoutError()])
    thread = threading.Thread(target=stage.run)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not values(bus) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stage.stop()
        thread.join(10)

    assert not thread.is_alive()
    assert values(bus) == [b"A"]
    assert len(attempts) >= 3


def test_run_lets_a_non_transient_poll_failure_end_the_worker() -> None:
    bus = MemoryTransport()
    stage = runner(bus)
    flaky_poll(stage, [RuntimeError("bug")])

    with pytest.raises(RuntimeError, match="bug"):
        stage.run()


def test_run_keeps_trying_to_start_while_no_broker_answers() -> None:
    from workers.runtime import KafkaTransport

    cfg = settings(
        kafka_bootstrap_servers="127.0.0.1:1",
        kafka_bootstrap_timeout_ms=200,
        retry_base_seconds=0.01,
        retry_max_seconds=0.05,
    )
    stage = StageRunner("parse", SOURCE, echo, KafkaTransport(cfg), cfg, policy())
    thread = threading.Thread(target=stage.run)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while stage._poll_failures < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert thread.is_alive()
        assert stage._poll_failures >= 2
    finally:
        stage.stop()
        thread.join(10)
    assert not thread.is_alive()


def test_a_close_that_hangs_on_a_gone_broker_ends_within_the_grace_period(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("workers.runtime.stage.CLOSE_MIN_S", 0.2)
    bus = MemoryTransport()
    publish(bus, b"a")
    stage = runner(bus, cfg=settings(shutdown_grace_seconds=0.3))
    stage.start()
    consumer = stage._consumer
    assert consumer is not None
    released = threading.Event()

    def close_without_broker() -> None:
        released.wait()  # leaving the group waits for a coordinator that no longer answers

    consumer.close = close_without_broker  # type: ignore[method-assign]
    thread = threading.Thread(target=stage.run, daemon=True)
    with structlog.testing.capture_logs() as logs:
        thread.start()
        while not values(bus):
            time.sleep(0.01)
        stopped = time.monotonic()
        stage.stop()
        thread.join(5)
        took = time.monotonic() - stopped
    released.set()

    assert not thread.is_alive()
    # The poll in flight ends first; the grace period is then over, so close gets its minimum.
    assert took < POLL_TIMEOUT_S + 0.3 + 0.5
    [timed_out] = [entry for entry in logs if entry["event"] == "close_timed_out"]
    assert 0.2 <= timed_out["waited_s"] < 0.5
