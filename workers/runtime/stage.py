"""The stage loop: poll, handle, produce, flush, commit.

At-least-once: outputs of a batch are flushed and every send checked before the batch's offsets
are committed. Exactly-once: the outputs, dead letters and offsets of a batch go in one Kafka
transaction; on failure it is aborted and the consumer rewinds to the start of the batch.
See ``docs/delivery-semantics.md``.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

import structlog

from workers.config import Role, Settings
from workers.observability.logs import RecordLogContext, batch_log_context
from workers.observability.metrics import RuntimeMetrics
from workers.observability.tracing import child_context, propagate_trace
from workers.runtime.dead_letter import FailurePolicy
from workers.runtime.errors import DeliveryError, Failure, classify
from workers.runtime.messages import Handler, Message, TopicPartition
from workers.runtime.transport import Consumer, Offsets, Producer, Transport

log = structlog.get_logger(__name__)

POLL_TIMEOUT_S = 1.0
# A batch is never held longer than this share of max.poll.interval.ms, nor in exactly-once mode
# of the transaction timeout (see _batch_budget).
POLL_BUDGET_SHARE = 0.5
LAG_REFRESH_S = 5.0
CLOSE_MIN_S = 5.0
"""What :meth:`StageRunner.close` gets at least, even when the stop deadline has passed."""


def group_id(settings: Settings, stage: Role) -> str:
    return f"{settings.group_id_prefix}-{stage}"


def default_instance_id() -> str:
    """Unique per runner (host, process, random suffix) when neither the caller nor
    ``settings.instance_id`` names one (``imr worker`` always does: see
    :func:`workers.cli.worker.stable_settings`)."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _describe(partitions: Collection[TopicPartition]) -> list[str]:
    return sorted(f"{tp.topic}[{tp.partition}]" for tp in partitions)


_FIRST_ATTEMPT = (0, 0.0)
"""Attempts made so far and the earliest time for the next one, for a record not postponed."""


class _Rewind(Exception):
    """The record was not settled (retry postponed or shutdown): consume it again later."""


class StageRunner:
    """Runs ``handler`` over ``source_topic`` (one topic or several) for one stage, owning
    delivery and failures.

    Records are read committed in exactly-once mode, or always with ``read_committed=True``
    (a subscriber that must never see aborted outputs).
    """

    def __init__(
        self,
        name: Role,
        source_topic: str | Sequence[str],
        handler: Handler,
        transport: Transport,
        settings: Settings,
        policy: FailurePolicy | None = None,
        *,
        metrics: RuntimeMetrics | None = None,
        instance_id: str | None = None,
        read_committed: bool = False,
    ) -> None:
        self.name = name
        self.source_topics = (
            (source_topic,) if isinstance(source_topic, str) else tuple(source_topic)
        )
        self.handler = handler
        self.group_id = group_id(settings, name)
        self._transport = transport
        self._settings = settings
        self._policy = policy or FailurePolicy.from_settings(settings, name)
        self.metrics = metrics or RuntimeMetrics()
        self._series = self.metrics.for_stage(name)
        self._connected = self.metrics.broker_connected.labels(name)
        self._exactly_once = settings.delivery_mode == "exactly_once"
        self._read_committed = read_committed or self._exactly_once
        self._instance_id = instance_id or settings.instance_id or default_instance_id()
        self._consumer: Consumer | None = None
        self._producer: Producer | None = None
        self._lock = threading.Lock()
        self._owned: set[TopicPartition] = set()
        self._pending: dict[TopicPartition, int] = {}
        self._postponed: dict[tuple[TopicPartition, int], tuple[int, float]] = {}
        self._assigned_once = False
        self._stopping = threading.Event()
        self._stop_deadline = float("inf")
        self._batch_failures = 0
        self._poll_failures = 0
        self._lag_refreshed = 0.0
        self._last_poll = time.monotonic()
        self._log = log.bind(stage=name)

    # -- lifecycle ---------------------------------------------------------------------------------
    @property
    def transactional_id(self) -> str | None:
        return f"{self.group_id}-{self._instance_id}" if self._exactly_once else None

    @property
    def ready(self) -> bool:
        """Joined the group and running (an empty assignment is legitimate: more members than
        partitions)."""
        return self._assigned_once and not self._stopping.is_set()

    @property
    def alive(self) -> bool:
        """The loop polled within ``max.poll.interval.ms``. A batch never takes that long unless
        a handler call hangs; the group has then evicted this member and only a restart helps."""
        return time.monotonic() - self._last_poll < self._settings.max_poll_interval_ms / 1000

    def start(self) -> None:
        if self._consumer is not None:
            return
        if self._producer is None:  # kept when the consumer failed to start last time
            self._producer = self._transport.producer(self.transactional_id)
        self._consumer = self._transport.consumer(
            self.source_topics,
            self.group_id,
            listener=self,
            read_committed=self._read_committed,
        )
        self._log.info(
            "stage_started",
            source_topics=list(self.source_topics),
            group_id=self.group_id,
            delivery_mode=self._settings.delivery_mode,
        )

    def stop(self) -> None:
        """Stop polling; the batch in flight gets ``shutdown_grace_seconds`` to finish."""
        if not self._stopping.is_set():
            self._stop_deadline = time.monotonic() + self._settings.shutdown_grace_seconds
            self._stopping.set()

    def close(self) -> None:
        """Commit what was processed and leave the group."""
        consumer, producer = self._consumer, self._producer
        self._consumer = self._producer = None
        if consumer is None:  # never started, or the consumer failed to start
            if producer is not None:
                producer.close()
            return
        assert producer is not None
        try:
            with self._lock:
                pending, self._pending = dict(self._pending), {}
            consumer.commit(pending)
        except DeliveryError:
            self._log.warning("final_commit_failed")
        finally:
            producer.close()
            consumer.close()
            self._log.info("stage_stopped")

    def run(self) -> None:
        """Process until :meth:`stop` (or SIGTERM/SIGINT when run on the main thread)."""
        with self._signals_stop():
            try:
                while not self._stopping.is_set():
                    self._poll_or_back_off()
            finally:
                self._close_in_time()

    def _close_in_time(self) -> None:
        """:meth:`close`, given until the stop deadline but at least :data:`CLOSE_MIN_S`.

        With the broker gone, a final commit or a leave request can block far longer than an
        orchestrator waits before its kill. Past the deadline the worker stops waiting (the
        client's threads are daemons): what was not committed is consumed again, and an open
        transaction is aborted by the next instance or the broker's transaction timeout.
        """
        now = time.monotonic()
        grace = self._settings.shutdown_grace_seconds
        remaining = self._stop_deadline - now if self._stopping.is_set() else grace
        failed: list[BaseException] = []

        def close() -> None:
            try:
                self.close()
            except BaseException as exc:  # re-raised on the caller's thread
                failed.append(exc)

        closer = threading.Thread(target=close, name="imr-close", daemon=True)
        closer.start()
        closer.join(max(remaining, CLOSE_MIN_S))
        if closer.is_alive():
            self._log.warning("close_timed_out", waited_s=round(time.monotonic() - now, 1))
        elif failed:
            raise failed[0]

    def _poll_or_back_off(self) -> None:
        """One :meth:`poll_once`; while the broker is unreachable, wait and try again.

        A broker outage surfaces from ``poll`` (group coordination, fetch); it is transient, so
        the worker backs off like a failed batch instead of exiting. Anything else propagates.
        """
        try:
            self.poll_once()
        except Exception as exc:
            failure = classify(exc)
            if not failure.retryable:
                raise
            self._poll_failures += 1
            self._connected.set(0)
            delay = self._policy.retry.delay(self._poll_failures)
            self._log.warning(
                "poll_failed",
                error_class=failure.error_class,
                failures=self._poll_failures,
                delay_s=delay,
            )
            self._stopping.wait(delay)
        else:
            self._poll_failures = 0

    def run_until_idle(self, timeout_s: float = 0.05, max_seconds: float = 60.0) -> int:
        """Process until nothing is left to consume; returns how many records were handled."""
        self.start()
        handled, deadline = 0, time.monotonic() + max_seconds
        while not self._stopping.is_set() and time.monotonic() < deadline:
            count = self.poll_once(timeout_s)
            handled += count
            if count == 0 and self._assigned_once and not any(self._lag().values()):
                break
        return handled

    @contextmanager
    def _signals_stop(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def on_signal(signum: int, frame: FrameType | None) -> None:
            self._log.info("stop_requested", signal=signal.Signals(signum).name)
            self.stop()

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    # -- rebalance listener --------------------------------------------------------------------
    def on_assigned(self, partitions: Collection[TopicPartition]) -> None:
        with self._lock:
            self._owned |= set(partitions)
            self._assigned_once = True
        self._connected.set(1)
        self._log.info("partitions_assigned", partitions=_describe(partitions))

    def on_revoked(self, partitions: Collection[TopicPartition]) -> Offsets:
        with self._lock:
            self._owned -= set(partitions)
            offsets = {tp: self._pending.pop(tp) for tp in partitions if tp in self._pending}
        self._log.info(
            "partitions_revoked", partitions=_describe(partitions), committing=len(offsets)
        )
        return offsets

    def on_lost(self, partitions: Collection[TopicPartition]) -> None:
        with self._lock:
            self._owned -= set(partitions)
            for tp in partitions:
                self._pending.pop(tp, None)
            self._postponed = {k: v for k, v in self._postponed.items() if k[0] not in partitions}
        self._log.warning("partitions_lost", partitions=_describe(partitions))

    # -- the loop ------------------------------------------------------------------------------
    def poll_once(self, timeout_s: float = POLL_TIMEOUT_S) -> int:
        """Poll one batch and settle it; returns how many records were handled."""
        self.start()
        assert self._consumer is not None and self._producer is not None
        if self._stopping.is_set():
            return 0
        self._last_poll = time.monotonic()
        batch = self._consumer.poll(timeout_s, self._settings.max_poll_records)
        self._refresh_lag()
        if not batch:
            return 0
        try:
            done, rewind, settled = self._settle_batch(batch, self._consumer, self._producer)
        except DeliveryError as exc:
            self._fail_batch(batch, exc)
            return 0
        self._batch_failures = 0
        for tp, offset in rewind.items():
            self._consumer.seek(tp, offset)
        if not self._exactly_once:
            self._commit(done)
        return settled

    def _settle_batch(
        self, batch: list[Message], consumer: Consumer, producer: Producer
    ) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int], int]:
        """Handle every record; returns the next offsets settled, the first offsets to consume
        again and how many records were settled."""
        budget_end = time.monotonic() + self._batch_budget()
        done: dict[TopicPartition, int] = {}
        rewind: dict[TopicPartition, int] = {}
        settled = 0
        if self._exactly_once:
            producer.begin_transaction()
        try:
            with batch_log_context() as log_context:
                for message in batch:
                    tp = message.topic_partition
                    if tp in rewind or tp not in self._owned:
                        continue
                    try:
                        self._settle(message, tp, producer, budget_end, log_context)
                    except _Rewind:
                        rewind[tp] = message.offset
                    else:
                        done[tp] = message.offset + 1
                        settled += 1
            if self._exactly_once:
                if done:
                    producer.send_offsets_to_transaction(done, consumer)
                producer.commit_transaction()
            else:
                producer.flush()
        except BaseException:
            # Also on a crash of the handler, so read_committed consumers are not held up until
            # the transaction times out.
            if self._exactly_once:
                producer.abort_transaction()
            raise
        return done, rewind, settled

    def _settle(
        self,
        message: Message,
        tp: TopicPartition,
        producer: Producer,
        budget_end: float,
        log_context: RecordLogContext,
    ) -> None:
        """Produce the outputs or the dead letter of one record (from partition ``tp``),
        retrying transient failures."""
        started = time.monotonic()
        if started > budget_end or (self._stopping.is_set() and started > self._stop_deadline):
            raise _Rewind
        key = (tp, message.offset)
        attempt, not_before = (
            self._postponed.pop(key, _FIRST_ATTEMPT) if self._postponed else _FIRST_ATTEMPT
        )
        retry = self._policy.retry
        trace = child_context(message)
        if attempt == 0:  # a postponed retry was counted when it first arrived
            self._series.messages_in.inc()
        log_context.bind(message, trace.trace_id)
        if not_before:
            self._wait_until(not_before, key, attempt)
        while True:
            attempt += 1
            try:
                outputs = propagate_trace(message, self.handler(message), trace)
                for output in outputs:
                    producer.send(output)
            except DeliveryError:
                raise
            except Exception as exc:
                failure = classify(exc)
            else:
                self._series.messages_out.inc(len(outputs))
                break
            self._series.messages_failed[failure.kind].inc()
            if not retry.should_retry(failure, attempt):
                self._dead_letter(message, failure, attempt, producer)
                break
            delay = retry.delay(attempt)
            self._log.info(
                "retrying", error_class=failure.error_class, attempt=attempt, delay_s=delay
            )
            if time.monotonic() + delay > budget_end:
                self._postponed[key] = (attempt, time.monotonic() + delay)
                raise _Rewind
            self._wait_until(time.monotonic() + delay, key, attempt)
        self._series.processing_seconds.observe(time.monotonic() - started)

    def _wait_until(self, when: float, key: tuple[TopicPartition, int], attempt: int) -> None:
        delay = when - time.monotonic()
        if delay > 0 and self._stopping.wait(delay):
            self._postponed[key] = (attempt, when)
            raise _Rewind

    def _dead_letter(
        self, message: Message, failure: Failure, attempt: int, producer: Producer
    ) -> None:
        producer.send(self._policy.dead_letter.dead_letter(message, failure, attempt))
        self._series.dead_lettered(failure.reason)
        self._log.warning(
            "dead_lettered",
            error_class=failure.error_class,
            reason=failure.reason,
            attempt=attempt,
        )

    def _commit(self, done: dict[TopicPartition, int]) -> None:
        assert self._consumer is not None
        with self._lock:
            self._pending.update({tp: o for tp, o in done.items() if tp in self._owned})
            pending = dict(self._pending)
        try:
            self._consumer.commit(pending)
        except DeliveryError as exc:
            # Outputs are delivered; the offsets stay pending for the next commit or the revoke.
            self._log.warning("commit_failed", error=str(exc))
            return
        with self._lock:
            for tp, offset in pending.items():
                if self._pending.get(tp) == offset:
                    del self._pending[tp]

    def _fail_batch(self, batch: list[Message], exc: DeliveryError) -> None:
        """Nothing of the batch is committed: rewind and back off before polling again.

        A transactional producer is replaced: after a fatal error (fenced, say) it refuses every
        further transaction, and a fresh one re-initialises or fails loudly.
        """
        assert self._consumer is not None and self._producer is not None
        self._batch_failures += 1
        starts: dict[TopicPartition, int] = {}
        for message in batch:
            starts.setdefault(message.topic_partition, message.offset)
        for tp, offset in starts.items():
            self._consumer.seek(tp, offset)
        if self._exactly_once:
            self._producer.close()
            self._producer = self._transport.producer(self.transactional_id)
        delay = self._policy.retry.delay(self._batch_failures)
        self._log.error(
            "batch_failed", error=str(exc), failures=self._batch_failures, delay_s=delay
        )
        self._stopping.wait(delay)

    def _batch_budget(self) -> float:
        """Seconds a batch may take before the rest is rewound so ``poll`` runs in time and,
        in exactly-once mode, the broker does not abort the batch's transaction as timed out."""
        limit_ms = self._settings.max_poll_interval_ms
        if self._exactly_once:
            limit_ms = min(limit_ms, self._settings.transaction_timeout_ms)
        return limit_ms / 1000 * POLL_BUDGET_SHARE

    def _lag(self) -> dict[TopicPartition, int]:
        assert self._consumer is not None
        return self._consumer.lag()

    def _refresh_lag(self) -> None:
        now = time.monotonic()
        if now - self._lag_refreshed >= LAG_REFRESH_S:
            self._lag_refreshed = now
            try:
                lag = self._lag()
            except DeliveryError:
                self._connected.set(0)
                self._log.warning("lag_unavailable")
                return
            if lag:  # the lookup asked the broker
                self._connected.set(1)
            self.metrics.record_lag(self.name, lag.items())
