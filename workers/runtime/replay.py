"""Reading dead letters (metadata only) and re-driving them to the topic they came from."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from workers.config import Role, Settings
from workers.runtime.dead_letter import (
    DLQ_ATTEMPT,
    DLQ_ERROR_CLASS,
    DLQ_HEADER_PREFIX,
    DLQ_REASON,
    DLQ_SOURCE_OFFSET,
    DLQ_SOURCE_PARTITION,
    DLQ_SOURCE_TOPIC,
    DLQ_STAGE,
    DLQ_TIMESTAMP,
    REPLAY_COUNT,
)
from workers.runtime.messages import Message, Output, TopicPartition
from workers.runtime.transport import Consumer, Transport

DRAIN_TIMEOUT_S = 60.0
_POLL_S = 0.5
_BATCH = 500


@dataclass(frozen=True, slots=True)
class DeadLetterSummary:
    """What ``imr dlq list`` prints: where and why, and sizes; never the payload."""

    stage: str | None
    reason: str | None
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

    @classmethod
    def of(cls, message: Message) -> DeadLetterSummary:
        def text(name: str) -> str | None:
            value = message.header(name)
            return None if value is None else value.decode("utf-8", "replace")

        def number(name: str) -> int | None:
            value = text(name)
            return int(value) if value is not None and value.lstrip("-").isdigit() else None

        return cls(
            stage=text(DLQ_STAGE),
            reason=text(DLQ_REASON),
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
        )

    def as_json(self) -> dict[str, Any]:
        fields = {name: getattr(self, name) for name in self.__slots__}
        if self.timestamp_ms is not None:
            fields["timestamp"] = datetime.fromtimestamp(self.timestamp_ms / 1000, UTC).isoformat()
        return fields


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
    transport: Transport, settings: Settings, stages: Sequence[Role], limit: int | None = None
) -> Iterator[DeadLetterSummary]:
    """Summaries of the dead letters of ``stages``, oldest first per partition."""
    consumer = transport.consumer(
        [settings.dlq_topic(stage) for stage in stages], None, read_committed=True
    )
    try:
        count = 0
        for batch in drain(consumer):
            for message in batch:
                if limit is not None and count >= limit:
                    return
                count += 1
                yield DeadLetterSummary.of(message)
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
    action: str  # "replayed", "would_replay", "skipped_before_since", "skipped_no_source"


def replay_group_id(settings: Settings, stage: Role) -> str:
    return f"{settings.group_id_prefix}-{stage}-dlq-replay"


def replay_dead_letters(
    transport: Transport,
    settings: Settings,
    stage: Role,
    *,
    since_ms: int | None = None,
    dry_run: bool = False,
) -> Iterator[ReplayItem]:
    """Re-publish the stage's dead letters not yet replayed by its replay consumer group.

    Each batch is flushed before its offsets are committed, so a dead letter is replayed at least
    once and, once committed, never again by later runs. Dead letters older than ``since_ms`` are
    passed over and committed too. A dry run commits nothing and publishes nothing.
    """
    consumer = transport.consumer(
        [settings.dlq_topic(stage)], replay_group_id(settings, stage), read_committed=True
    )
    producer = None if dry_run else transport.producer()
    try:
        for batch in drain(consumer, grouped=True):
            offsets: dict[TopicPartition, int] = {}
            items: list[ReplayItem] = []
            for message in batch:
                offsets[message.topic_partition] = message.offset + 1
                summary = DeadLetterSummary.of(message)
                output = replayed(message)
                if since_ms is not None and (summary.timestamp_ms or 0) < since_ms:
                    items.append(ReplayItem(summary, "skipped_before_since"))
                elif output is None:
                    items.append(ReplayItem(summary, "skipped_no_source"))
                elif producer is None:
                    items.append(ReplayItem(summary, "would_replay"))
                else:
                    producer.send(output)
                    items.append(ReplayItem(summary, "replayed"))
            if producer is not None:
                producer.flush()
                consumer.commit(offsets)
            yield from items
    finally:
        if producer is not None:
            producer.close()
        consumer.close()
