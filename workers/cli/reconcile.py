"""`imr reconcile`: announce letters in the drop bucket the pipeline never heard of.

Bucket notifications can be lost (a store outage, a broker outage, a misconfigured bucket,
events published before the topic existed). Reconcile compares the bucket with what the
pipeline has been told and what it has settled:

1. Read the ``letter.received`` topic, the determinations topic and the dead-letter topics of
   parse, validate and enrich from the beginning with a dedicated, group-less
   ``read_committed`` consumer, up to their end offsets. Announcements give the letter ids the
   pipeline has in hand (it loses none of them: each ends as a determination or a dead letter);
   determinations give the settled letter ids and source objects (bucket, key, etag); dead
   letters give the letter ids (their record key) the pipeline has given up on, which
   ``imr dlq replay`` re-drives instead.
2. List the bucket (prefix and suffix filters as for notifications). An object is known when
   its (bucket, key, etag) has a determination; otherwise its current version is read with
   HEAD and its letter id looked up among the announced and settled ones.
3. Publish ``letter.received`` for every unknown object. Its source carries what the store
   says of the object (version, etag, size, content type), its last-modified time as
   ``received_at`` and ``imr:Reconcile`` as ``event_name``, where a notification would have
   put its event time and name.

A notification can still be on its way (in the store's queue, in the notifications topic not
yet read by ingest), and announcing its letter a second time makes a second determination
even in exactly-once mode (the transactions make each announcement count once, not each
letter). So objects written less than ``--min-age`` seconds ago
(``IMR_RECONCILE_MIN_AGE_SECONDS``, 300 by default) are passed over and reported as
``too_recent``; the age is measured from the store's last-modified time, so the minimum must
also cover the clock skew between the store and this host and the ingest stage's lag.
``--include-announced`` also re-announces letters that were announced but have neither a
determination nor a dead letter (a pipeline that lost one would be a bug, not an outage).

``--every S`` runs a pass every S seconds until SIGTERM (the ``reconcile`` service): a lost
notification is then recovered within ``min-age + S`` seconds with no one acting. It logs a
summary per pass (letter ids, never keys) and serves ``/healthz``, ``/readyz`` and
``/metrics`` like a worker (port ``IMR_HTTP_PORT``, else 8085). A pass that fails (broker or
store unavailable) is logged and counted, and the next one runs on schedule.

Idempotent: a second run emits nothing for letters announced in between. Records deleted by
topic retention no longer count, so their letters are announced again: keep the received and
determinations topics at least as long as letters stay in the bucket (or reconcile a
``--prefix`` that excludes old letters). Each pass reads those topics from the start.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any, Literal

import structlog
from kafka.errors import KafkaConnectionError, KafkaTimeoutError
from prometheus_client import CollectorRegistry, Counter, Gauge

from schemas.events import (
    DeterminationExtracted,
    EventDecodeError,
    LetterReceived,
    SourceObject,
    from_kafka,
)
from workers.cli.broker import exits_when_broker_unreachable
from workers.config import RECONCILE_HTTP_PORT, Settings, Stage
from workers.observability.health import HealthServer
from workers.observability.logs import configure_logging
from workers.runtime import (
    DeliveryError,
    KafkaTransport,
    Message,
    PermanentError,
    TransientError,
    Transport,
)
from workers.runtime.replay import drain
from workers.stages import received_event, source_object
from workers.stages.codec import emit
from workers.stages.notifications import ObjectFilter
from workers.storage import ObjectInfo, ObjectMissingError, ObjectStore, S3ObjectStore

SOURCE = "/imr/cli/reconcile"
EVENT_NAME = "imr:Reconcile"
"""The source's ``event_name`` on letters reconcile announced: no notification named one."""
SETTLING_STAGES: tuple[Stage, ...] = ("parse", "ocr", "validate", "enrich")
"""Stages whose dead letters are keyed by letter id."""

Action = Literal["emitted", "would_emit"]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "reconcile", help="re-announce bucket letters that have no determination yet"
    )
    parser.add_argument("--bucket", help="drop bucket (default: IMR_S3_BUCKET)")
    parser.add_argument("--prefix", help="only keys under this prefix (default: IMR_S3_PREFIX)")
    parser.add_argument(
        "--min-age",
        type=float,
        metavar="SECONDS",
        help="pass over objects written less than this long ago, as possibly still in flight "
        "(default: IMR_RECONCILE_MIN_AGE_SECONDS)",
    )
    parser.add_argument(
        "--include-announced",
        action="store_true",
        help="also re-announce letters announced before that have no determination yet",
    )
    parser.add_argument(
        "--every",
        type=float,
        metavar="SECONDS",
        help="run a pass every SECONDS until SIGTERM, serving health and metrics",
    )
    parser.add_argument("--dry-run", action="store_true", help="list, but publish nothing")
    parser.set_defaults(func=exits_when_broker_unreachable("reconcile", _run))


@dataclass(slots=True)
class Settled:
    """What the pipeline has finished with, read from its output topics."""

    letter_ids: set[str] = field(default_factory=set)
    objects: set[tuple[str, str, str | None]] = field(default_factory=set)
    dead_lettered: set[str] = field(default_factory=set)
    announced: set[str] = field(default_factory=set)

    def add(self, message: Message, settings: Settings) -> None:
        if message.topic not in (settings.topic_determinations, settings.topic_letters_received):
            if message.key:
                self.dead_lettered.add(message.key.decode("utf-8", "replace"))
            return
        try:
            event = from_kafka(message.value, message.headers)
        except EventDecodeError:
            return  # not ours to judge: the letter is simply not counted
        if isinstance(event, LetterReceived):
            self.announced.add(event.data.letter_id)
        elif isinstance(event, DeterminationExtracted):
            source = event.data.source
            self.letter_ids.add(event.data.letter_id)
            self.objects.add((source.bucket, source.key, source.etag))

    def covers(self, letter_id: str, *, include_announced: bool = False) -> bool:
        """The pipeline has settled the letter, or (unless ``include_announced``) has it."""
        return (
            letter_id in self.letter_ids
            or letter_id in self.dead_lettered
            or (not include_announced and letter_id in self.announced)
        )


def read_settled(transport: Transport, settings: Settings, timeout_s: float = 120.0) -> Settled:
    """Everything committed to the received, determinations and settling dead-letter topics
    so far."""
    topics = [
        settings.topic_letters_received,
        settings.topic_determinations,
        *map(settings.dlq_topic, SETTLING_STAGES),
    ]
    consumer = transport.consumer(topics, None, read_committed=True)
    settled = Settled()
    try:
        for batch in drain(consumer, timeout_s):
            for message in batch:
                settled.add(message, settings)
    finally:
        consumer.close()
    return settled


@dataclass(frozen=True, slots=True)
class Reannounced:
    letter_id: str
    source: SourceObject
    action: Action


@dataclass(frozen=True, slots=True)
class TooRecent:
    """An unsettled object younger than the minimum age: possibly still in flight."""

    key: str
    age_s: float


def reconcile(
    store: ObjectStore,
    transport: Transport,
    settings: Settings,
    *,
    bucket: str,
    prefix: str,
    min_age_s: float | None = None,
    include_announced: bool = False,
    dry_run: bool = False,
) -> Iterator[Reannounced | TooRecent]:
    """Publish ``letter.received`` for each letter object in ``bucket`` under ``prefix`` the
    pipeline has neither announced (unless ``include_announced``) nor settled (nothing with
    ``dry_run``); yields each one once delivered, and each such object written less than
    ``min_age_s`` (default: the settings') ago, which is skipped."""
    if min_age_s is None:
        min_age_s = settings.reconcile_min_age_seconds
    settled = read_settled(transport, settings)
    accept = ObjectFilter(bucket, prefix, settings.s3_suffixes)
    now = datetime.now(UTC)
    producer = None if dry_run else transport.producer()
    try:
        for listed in store.list(bucket, prefix):
            if not accept.accepts(listed.bucket, listed.key):
                continue
            if (listed.bucket, listed.key, listed.etag) in settled.objects:
                continue
            try:
                current = store.head(listed.bucket, listed.key)
            except ObjectMissingError:
                continue  # deleted since it was listed
            source = source_object(current).model_copy(
                update={"received_at": current.last_modified, "event_name": EVENT_NAME}
            )
            if settled.covers(source.letter_id, include_announced=include_announced):
                continue
            age_s = _age_s(current, now)
            if age_s < min_age_s:
                yield TooRecent(listed.key, age_s)
                continue
            if producer is None:
                yield Reannounced(source.letter_id, source, "would_emit")
                continue
            producer.send(
                emit(settings.topic_letters_received, received_event(source, event_source=SOURCE))
            )
            producer.flush()
            yield Reannounced(source.letter_id, source, "emitted")
    finally:
        if producer is not None:
            producer.close()


def _age_s(info: ObjectInfo, now: datetime) -> float:
    """Seconds since ``info`` was written; unbounded when the store did not say."""
    if info.last_modified is None:
        return float("inf")
    return (now - info.last_modified) / timedelta(seconds=1)


def _run(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.every is not None:
        if args.every <= 0:
            print("imr reconcile: --every must be positive", file=sys.stderr)
            return 2
        return _run_every(args, settings)
    count = too_recent = 0
    try:
        for item in _pass(args, settings):
            line: dict[str, object]
            if isinstance(item, TooRecent):
                too_recent += 1
                line = {"action": "too_recent", "key": item.key, "age_s": round(item.age_s, 1)}
            else:
                count += 1
                line = {"action": item.action, "letter_id": item.letter_id, "key": item.source.key}
            print(json.dumps(line), flush=True)
    except (DeliveryError, PermanentError, TransientError) as error:
        print(f"imr reconcile: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    summary = {"dry_run": args.dry_run, "announced": count, "too_recent": too_recent}
    print(json.dumps(summary), file=sys.stderr)
    if too_recent:
        print(
            f"imr reconcile: passed over {too_recent} unsettled object(s) younger than the "
            "minimum age; they may still be in flight (see --min-age)",
            file=sys.stderr,
        )
    return 0


def _pass(args: argparse.Namespace, settings: Settings) -> Iterator[Reannounced | TooRecent]:
    return reconcile(
        S3ObjectStore.from_settings(settings),
        KafkaTransport(settings),
        settings,
        bucket=args.bucket or settings.s3_bucket,
        prefix=settings.s3_prefix if args.prefix is None else args.prefix,
        min_age_s=args.min_age,
        include_announced=args.include_announced,
        dry_run=args.dry_run,
    )


class PassMetrics:
    """The continuous reconcile's series, on its own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.passes = Counter(
            "imr_reconcile_passes", "Reconcile passes, by outcome", ["outcome"], registry=r
        )
        self.announced = Counter(
            "imr_reconcile_announced", "Letters announced because no notification came", registry=r
        )
        self.last_success = Gauge(
            "imr_reconcile_last_success_timestamp_seconds",
            "When the last pass that completed ended (Unix time)",
            registry=r,
        )
        for outcome in ("completed", "failed"):
            self.passes.labels(outcome)
        self.ready = False
        """The last pass completed (readiness)."""


_PASS_FAILURES = (
    DeliveryError,
    PermanentError,
    TransientError,
    KafkaConnectionError,
    KafkaTimeoutError,
)


def reconcile_every(
    every_s: float,
    run_pass: Callable[[], Iterable[Reannounced | TooRecent]],
    stop: threading.Event,
    metrics: PassMetrics,
) -> None:
    """Call ``run_pass()`` (an iterable of announcements) every ``every_s`` seconds until
    ``stop`` is set; a pass that fails is logged and counted, and the next runs on schedule."""
    log = structlog.get_logger("imr.reconcile")
    while not stop.is_set():
        began = time.monotonic()
        announced: list[str] = []
        too_recent = 0
        try:
            for item in run_pass():
                if isinstance(item, TooRecent):
                    too_recent += 1
                else:
                    announced.append(item.letter_id)
                    metrics.announced.inc()
        except _PASS_FAILURES as error:
            metrics.passes.labels("failed").inc()
            metrics.ready = False
            log.warning("reconcile pass failed", error_class=type(error).__name__)
        else:
            metrics.passes.labels("completed").inc()
            metrics.ready = True
            metrics.last_success.set_to_current_time()
            log.info(
                "reconcile pass done",
                announced=len(announced),
                letter_ids=announced,
                too_recent=too_recent,
                seconds=round(time.monotonic() - began, 2),
            )
        stop.wait(max(0.0, every_s - (time.monotonic() - began)))


def _run_every(args: argparse.Namespace, settings: Settings) -> int:
    configure_logging(settings.log_level)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    metrics = PassMetrics()
    server = None
    if settings.http_enabled:
        port = RECONCILE_HTTP_PORT if settings.http_port is None else settings.http_port
        server = HealthServer(port, metrics.registry, lambda: metrics.ready)
        server.start()
        structlog.get_logger("imr.reconcile").info("health server listening", port=server.port)
    try:
        reconcile_every(args.every, lambda: _pass(args, settings), stop, metrics)
    finally:
        if server is not None:
            server.stop()
    return 0
