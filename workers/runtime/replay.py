"""Reading dead letters (metadata only) and re-driving them to the topic they came from."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from workers.config import Settings, Stage
from workers.runtime.dead_letter import (
    DLQ_ATTEMPT,
    DLQ_ERROR_CLASS,
    DLQ_HEADER_PREFIX,
    DLQ_KIND,
    DLQ_REASON,
    DLQ_SOURCE_OFFSET,
    DLQ_SOURCE_PARTITION,
    DLQ_SOURCE_TOPIC,
    DLQ_STAGE,
    DLQ_TIMESTAMP,
    REPLAY_COUNT,
)
from workers.runtime.messages import Message, Output
from workers.runtime.transport import Consumer, Transport

DRAIN_TIMEOUT_S = 60.0
_POLL_S = 0.5
_BATCH = 500


Describe = Callable[[Message], Mapping[str, str | None]]
"""What a dead letter is about, read from its payload by the caller (e.g. letter id and object
key); the runtime itself knows nothing of payloads."""
_TRANSIENT_REASONS = frozenset({"transient", "dependency_unavailable"})


def _nothing(message: Message) -> Mapping[str, str | None]:
    return {}


@dataclass(frozen=True, slots=True)
class DeadLetterSummary:
    """What ``imr dlq list`` prints: where and why, sizes and what the caller's ``describe``
    says the record is about; never the payload."""

    stage: str | None
    reason: str | None
    kind: str
    """``transient`` (it failed for want of a dependency: replay it) or ``permanent``."""
    error_class: str | None
    attempt: int | None
    source_topic: str | None
    source_partition: int | None
    source_offset: int | None
    timestamp_ms: int | None
    dlq_topic: str
    dlq_partition: int
    dlq_offset: int
    key_bytes: int
    value_bytes: int
    replay_count: int
    details: Mapping[str, str | None] = field(default_factory=dict)

    @property
    def coordinates(self) -> str:
        """Where the dead letter is: ``topic/partition/offset``."""
        return f"{self.dlq_topic}/{self.dlq_partition}/{self.dlq_offset}"

    @classmethod
    def of(cls, message: Message, describe: Describe = _nothing) -> DeadLetterSummary:
        def text(name: str) -> str | None:
            value = message.header(name)
            return None if value is None else value.decode("utf-8", "replace")

        def number(name: str) -> int | None:
            value = text(name)
            return int(value) if value is not None and value.lstrip("-").isdigit() else None

        reason = text(DLQ_REASON)
        kind = text(DLQ_KIND) or ("transient" if reason in _TRANSIENT_REASONS else "permanent")
        return cls(
            stage=text(DLQ_STAGE),
            reason=reason,
            kind=kind,
            error_class=text(DLQ_ERROR_CLASS),
            attempt=number(DLQ_ATTEMPT),
            source_topic=text(DLQ_SOURCE_TOPIC),
            source_partition=number(DLQ_SOURCE_PARTITION),
            source_offset=number(DLQ_SOURCE_OFFSET),
            timestamp_ms=number(DLQ_TIMESTAMP),
            dlq_topic=message.topic,
            dlq_partition=message.partition,
            dlq_offset=message.offset,
            key_bytes=len(message.key or b""),
            value_bytes=len(message.value),
            replay_count=number(REPLAY_COUNT) or 0,
            details=describe(message),
        )

    def as_json(self, now_ms: int | None = None) -> dict[str, Any]:
        fields = {name: getattr(self, name) for name in self.__slots__ if name != "details"}
        fields.update(self.details)
        if self.timestamp_ms is not None:
            fields["timestamp"] = datetime.fromtimestamp(self.timestamp_ms / 1000, UTC).isoformat()
            now = int(time.time() * 1000) if now_ms is None else now_ms
            fields["age_seconds"] = max(0, (now - self.timestamp_ms) // 1000)
        return fields


@dataclass(frozen=True, slots=True)
class Selection:
    """Which dead letters a listing or a replay takes: every given condition must hold."""

    reasons: frozenset[str] = frozenset()
    text: str | None = None
    """A substring of one of the described values (object key, letter id)."""
    since_ms: int | None = None
    until_ms: int | None = None

    def takes(self, summary: DeadLetterSummary) -> bool:
        stamp = summary.timestamp_ms or 0
        return (
            (not self.reasons or summary.reason in self.reasons)
            and (
                self.text is None
                or any(self.text in value for value in summary.details.values() if value)
            )
            and (self.since_ms is None or stamp >= self.since_ms)
            and (self.until_ms is None or stamp < self.until_ms)
        )


def drain(
    consumer: Consumer, timeout_s: float = DRAIN_TIMEOUT_S, *, grouped: bool = False
) -> Iterator[list[Message]]:
    """Batches until the consumer has reached the end of every assigned partition.

    A group-less consumer starts with every partition there is (maybe none); pass ``grouped``
    for a group member, which is not done before the group has given it partitions.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (consumer.assignment() or not grouped) and not any(consumer.lag().values()):
            return
        batch = consumer.poll(_POLL_S, _BATCH)
        if batch:
            yield batch


def list_dead_letters(
    transport: Transport,
    settings: Settings,
    stages: Sequence[Stage],
    limit: int | None = None,
    *,
    selection: Selection = Selection(),
    describe: Describe = _nothing,
) -> Iterator[DeadLetterSummary]:
    """Summaries of the selected dead letters of ``stages``, oldest first per partition."""
    consumer = transport.consumer(
        [settings.dlq_topic(stage) for stage in stages], None, read_committed=True
    )
    try:
        count = 0
        for batch in drain(consumer):
            for message in batch:
                summary = DeadLetterSummary.of(message, describe)
                if not selection.takes(summary):
                    continue
                if limit is not None and count >= limit:
                    return
                count += 1
                yield summary
    finally:
        consumer.close()


def replayed(message: Message) -> Output | None:
    """The original record for its source topic: ``imr.dlq.*`` removed, replay count raised.

    ``None`` when the dead letter does not say where it came from.
    """
    source = message.header(DLQ_SOURCE_TOPIC)
    if source is None:
        return None
    previous = message.header(REPLAY_COUNT)
    count = int(previous) + 1 if previous is not None and previous.isdigit() else 1
    kept = tuple(
        (name, value)
        for name, value in message.headers
        if not name.startswith(DLQ_HEADER_PREFIX) and name != REPLAY_COUNT
    )
    return Output(
        source.decode(), message.key, message.value, (*kept, (REPLAY_COUNT, str(count).encode()))
    )


@dataclass(frozen=True, slots=True)
class ReplayItem:
    summary: DeadLetterSummary
    action: str
    """``replayed``, ``would_replay``, ``already_replayed``, ``refused_permanent`` (replayed
    only with ``force``: it would fail the same way) or ``skipped_no_source``."""


def replayed_coordinates(transport: Transport, settings: Settings, stage: Stage) -> set[str]:
    """Dead letters of ``stage`` already re-published, from its replay ledger."""
    consumer = transport.consumer([settings.replay_ledger_topic(stage)], None, read_committed=True)
    try:
        return {
            message.key.decode()
            for batch in drain(consumer)
            for message in batch
            if message.key is not None
        }
    finally:
        consumer.close()


def replay_dead_letters(
    transport: Transport,
    settings: Settings,
    stage: Stage,
    *,
    selection: Selection = Selection(),
    force: bool = False,
    dry_run: bool = False,
    describe: Describe = _nothing,
) -> Iterator[ReplayItem]:
    """Re-publish the stage's selected dead letters to the topic they came from, each once.

    Each re-published dead letter is written to the stage's replay ledger (a compacted topic
    keyed by the dead letter's coordinates) in the same flush, and later runs pass over what
    the ledger holds, so nothing is replayed twice and no consumer group is left behind.
    Permanent failures (a letter that cannot be read stays unreadable) are refused unless
    ``force``. A dry run publishes nothing.
    """
    done = replayed_coordinates(transport, settings, stage)
    ledger = settings.replay_ledger_topic(stage)
    consumer = transport.consumer([settings.dlq_topic(stage)], None, read_committed=True)
    producer = None if dry_run else transport.producer()
    try:
        for batch in drain(consumer):
            items: list[ReplayItem] = []
            for message in batch:
                summary = DeadLetterSummary.of(message, describe)
                if not selection.takes(summary):
                    continue
                output = replayed(message)
                if summary.coordinates in done:
                    items.append(ReplayItem(summary, "already_replayed"))
                elif summary.kind == "permanent" and not force:
                    items.append(ReplayItem(summary, "refused_permanent"))
                elif output is None:
                    items.append(ReplayItem(summary, "skipped_no_source"))
                elif producer is None:
                    items.append(ReplayItem(summary, "would_replay"))
                else:
                    producer.send(output)
                    record = json.dumps({"replayed_at_ms": int(time.time() * 1000)}).encode()
                    producer.send(Output(ledger, summary.coordinates.encode(), record))
                    items.append(ReplayItem(summary, "replayed"))
            if producer is not None:
                producer.flush()
            yield from items
    finally:
        if producer is not None:
            producer.close()
        consumer.close()
