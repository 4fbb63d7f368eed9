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

Idempotent: a second run emits nothing for letters that completed in between. A letter still
in flight is announced again, which is harmless: every stage keys its output by letter id.
Determinations deleted by topic retention no longer count, so their letters are announced
again: keep the determinations topic at least as long as letters stay in the bucket (or
reconcile a ``--prefix`` that excludes old letters).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from schemas.events import DeterminationExtracted, EventDecodeError, SourceObject, from_kafka
from workers.config import Settings, Stage
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
from workers.storage import ObjectMissingError, ObjectStore, S3ObjectStore

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
    parser.add_argument("--dry-run", action="store_true", help="list, but publish nothing")
    parser.set_defaults(func=_run)


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


def reconcile(
    store: ObjectStore,
    transport: Transport,
    settings: Settings,
    *,
    bucket: str,
    prefix: str,
    dry_run: bool = False,
) -> Iterator[Reannounced]:
    """Publish ``letter.received`` for each unsettled letter object in ``bucket`` under
    ``prefix`` (nothing with ``dry_run``); yields each one once delivered."""
    settled = read_settled(transport, settings)
    accept = ObjectFilter(bucket, prefix, settings.s3_suffixes)
    producer = None if dry_run else transport.producer()
    try:
        for listed in store.list(bucket, prefix):
            if not accept.accepts(listed.bucket, listed.key):
                continue
            if (listed.bucket, listed.key, listed.etag) in settled.objects:
                continue
            try:
                source = source_object(store.head(listed.bucket, listed.key))
            except ObjectMissingError:
                continue  # deleted since it was listed
            if settled.covers(source.letter_id):
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


def _run(args: argparse.Namespace) -> int:
    settings = Settings()
    announced = reconcile(
        S3ObjectStore.from_settings(settings),
        KafkaTransport(settings),
        settings,
        bucket=args.bucket or settings.s3_bucket,
        prefix=settings.s3_prefix if args.prefix is None else args.prefix,
        dry_run=args.dry_run,
    )
    count = 0
    try:
        for item in announced:
            count += 1
            line = {"action": item.action, "letter_id": item.letter_id, "key": item.source.key}
            print(json.dumps(line), flush=True)
    except (DeliveryError, PermanentError, TransientError) as error:
        print(f"imr reconcile: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(json.dumps({"dry_run": args.dry_run, "announced": count}), file=sys.stderr)
    return 0
