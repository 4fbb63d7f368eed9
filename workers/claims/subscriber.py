"""The sink's handler: determination events and dead letters from Kafka into the claims database.

The handler commits each record to the database before it returns, and the runner commits a
batch's offsets only after every handler call returned, so an offset is never committed ahead of
its row. A crash in between replays the record, which lands as a duplicate and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from schemas.events import DeterminationExtracted
from schemas.source import LETTER_ID_PATTERN
from workers.claims.letters import DeadLetterRow, LetterStore
from workers.config import STAGES, Settings
from workers.runtime.messages import Handler, Message, Output
from workers.runtime.replay import DeadLetterSummary
from workers.stages.codec import decode

_LETTER_ID = re.compile(LETTER_ID_PATTERN)


def sink_topics(settings: Settings) -> tuple[str, ...]:
    """What the sink consumes: the determinations and every stage's dead letters."""
    return (settings.topic_determinations, *(settings.dlq_topic(stage) for stage in STAGES))


def make_sink_handler(store: LetterStore, settings: Settings) -> Handler:
    dead_letter_topics = frozenset(settings.dlq_topic(stage) for stage in STAGES)

    def handle(message: Message) -> Sequence[Output]:
        if message.topic in dead_letter_topics:
            store.land_dead_letter(dead_letter_row(message))
        else:
            store.land(decode(message, DeterminationExtracted))
        return ()

    return handle


def dead_letter_row(message: Message) -> DeadLetterRow:
    """The row of a dead-letter record, identified by where it sits on its topic."""
    described = DeadLetterSummary.of(message)
    key = (message.key or b"").decode("ascii", "replace")
    failed_at = (
        None
        if described.timestamp_ms is None
        else datetime.fromtimestamp(described.timestamp_ms / 1000, UTC)
    )
    return DeadLetterRow(
        dead_letter_id=f"{message.topic}/{message.partition}/{message.offset}",
        stage=described.stage or "unknown",
        reason=described.reason or "unknown",
        error_class=described.error_class or "unknown",
        attempt=described.attempt,
        source_topic=described.source_topic,
        source_partition=described.source_partition,
        source_offset=described.source_offset,
        letter_id=key if _LETTER_ID.fullmatch(key) else None,
        failed_at=failed_at,
    )
