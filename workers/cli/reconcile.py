"""`imr reconcile`: re-announce letters in the drop bucket that never got a determination.

Bucket notifications can be lost (a store outage, a misconfigured bucket, events published
before the topic existed). Reconcile compares the bucket with what the pipeline has settled:

1. Read the determinations topic and the dead-letter topics of parse, validate and enrich from
   the beginning with a dedicated, group-less ``read_committed`` consumer, up to their end
   offsets. Determinations give the settled letter ids and source objects
   (bucket, key, etag); dead letters give the letter ids (their record key) the pipeline has
   given up on, which ``imr dlq replay`` re-drives instead.
2. List the bucket (prefix and suffix filters as for notifications). An object is settled when
   its (bucket, key, etag) has a determination; otherwise its current version is read with
   HEAD and its letter id looked up among the settled ones.
3. Publish ``letter.received`` for every unsettled object.

Reconcile is for lost notifications, not for letters still in flight: it cannot tell a letter
whose notification was lost from one the stages have not finished yet, and announcing the
latter again makes a second determination even in exactly-once mode (the transactions make
each announcement count once, not each letter). So objects written less than ``--min-age``
seconds ago (``IMR_RECONCILE_MIN_AGE_SECONDS``, 300 by default) are passed over and reported
as ``too_recent``; the age is measured from the store's last-modified time, so the minimum
must also cover the clock skew between the store and this host. Set it longer than the
pipeline takes in the worst case, and run reconcile when the stages have caught up
(``imr_consumer_lag`` near zero): reconcile does not look at consumer lag itself.

With ``--every S`` it runs as a service: a pass every ``S`` seconds until SIGTERM, so a lost
notification is recovered within ``S`` plus the minimum age with no one acting; a pass that
fails (broker or store unreachable) is logged and the next one runs as planned.

Idempotent: a second run emits nothing for letters that completed in between. Determinations
deleted by topic retention no longer count, so their letters are announced again: keep the
determinations topic at least as long as letters stay in the bucket (or reconcile a
``--prefix`` that excludes old letters).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import structlog

from schemas.events import DeterminationExtracted, EventDecodeError, SourceObject, from_kafka
from workers.cli.broker import exits_when_broker_unreachable
from workers.config import Settings, Stage
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
SETTLING_STAGES: tuple[Stage, ...] = ("parse", "validate", "enrich")
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
    parser.add_argument("--dry-run", action="store_true", help="list, but publish nothing")
    parser.add_argument(
        "--every",
        type=float,
        metavar="SECONDS",
        help="run again every SECONDS until SIGTERM or SIGINT (a pass that fails is logged and "
        "the next one runs as planned)",
    )
    parser.set_defaults(func=exits_when_broker_unreachable("reconcile", _run))


@dataclass(slots=True)
class Settled:
    """What the pipeline has finished with, read from its output topics."""

    letter_ids: set[str] = field(default_factory=set)
    objects: set[tuple[str, str, str | None]] = field(default_factory=set)
    dead_lettered: set[str] = field(default_factory=set)

    def add(self, message: Message, determinations_topic: str) -> None:
        if message.topic != determinations_topic:
            if message.key:
                self.dead_lettered.add(message.key.decode("utf-8", "replace"))
            return
        try:
            event = from_kafka(message.value, message.headers)
        except EventDecodeError:
            return  # not ours to judge: the letter is simply not counted as settled
        if isinstance(event, DeterminationExtracted):
            source = event.data.source
            self.letter_ids.add(event.data.letter_id)
            self.objects.add((source.bucket, source.key, source.etag))

    def covers(self, letter_id: str) -> bool:
        return letter_id in self.letter_ids or letter_id in self.dead_lettered


def read_settled(transport: Transport, settings: Settings, timeout_s: float = 120.0) -> Settled:
    """Everything committed to the determinations and settling dead-letter topics so far."""
    topics = [settings.topic_determinations, *map(settings.dlq_topic, SETTLING_STAGES)]
    consumer = transport.consumer(topics, None, read_committed=True)
    settled = Settled()
    try:
        for batch in drain(consumer, timeout_s):
            for message in batch:
                settled.add(message, settings.topic_determinations)
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
    dry_run: bool = False,
) -> Iterator[Reannounced | TooRecent]:
    """Publish ``letter.received`` for each unsettled letter object in ``bucket`` under
    ``prefix`` (nothing with ``dry_run``); yields each one once delivered, and each unsettled
    object written less than ``min_age_s`` (default: the settings') ago, which is skipped."""
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
            source = source_object(current)
            if settled.covers(source.letter_id):
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
    if args.every is None:
        return _pass(args, settings)
    if args.every <= 0:
        print("imr reconcile: --every must be positive", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    log = structlog.get_logger("imr.reconcile")
    while not stop.is_set():
        started = time.monotonic()
        try:
            status = _pass(args, settings)
        except Exception as error:  # a pass that fails must not end the service
            log.warning("reconcile pass failed", error_class=type(error).__name__)
        else:
            log.info("reconcile pass done", status=status)
        stop.wait(max(0.0, args.every - (time.monotonic() - started)))
    return 0


def _pass(args: argparse.Namespace, settings: Settings) -> int:
    """One reconcile run: announce what is unsettled, print a line per object and a summary."""
    announced = reconcile(
        S3ObjectStore.from_settings(settings),
        KafkaTransport(settings),
        settings,
        bucket=args.bucket or settings.s3_bucket,
        prefix=settings.s3_prefix if args.prefix is None else args.prefix,
        min_age_s=args.min_age,
        dry_run=args.dry_run,
    )
    count = too_recent = 0
    try:
        for item in announced:
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
