"""Dead letters: the original record plus ``imr.dlq.*`` headers saying where and why it failed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from workers.config import Role, Settings
from workers.runtime.errors import Failure
from workers.runtime.messages import Headers, Message, Output
from workers.runtime.retry import RetryPolicy

DLQ_HEADER_PREFIX = "imr.dlq."
DLQ_STAGE = "imr.dlq.stage"
DLQ_ERROR_CLASS = "imr.dlq.error_class"
DLQ_KIND = "imr.dlq.kind"
DLQ_REASON = "imr.dlq.reason"
DLQ_ATTEMPT = "imr.dlq.attempt"
DLQ_SOURCE_TOPIC = "imr.dlq.source_topic"
DLQ_SOURCE_PARTITION = "imr.dlq.source_partition"
DLQ_SOURCE_OFFSET = "imr.dlq.source_offset"
DLQ_TIMESTAMP = "imr.dlq.timestamp"
REPLAY_COUNT = "imr.replay.count"


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True, slots=True)
class DeadLetterPolicy:
    """Builds the dead letter for a record of ``stage`` that will not be processed."""

    stage: Role
    topic: str
    clock_ms: Callable[[], int] = field(default=_now_ms, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings, stage: Role) -> DeadLetterPolicy:
        return cls(stage=stage, topic=settings.dlq_topic(stage))

    def dead_letter(self, message: Message, failure: Failure, attempt: int) -> Output:
        """Original key, value and headers, plus the ``imr.dlq.*`` description of the failure."""
        described: Headers = (
            (DLQ_STAGE, self.stage.encode()),
            (DLQ_ERROR_CLASS, failure.error_class.encode()),
            (DLQ_KIND, failure.kind.encode()),
            (DLQ_REASON, failure.reason.encode()),
            (DLQ_ATTEMPT, str(attempt).encode()),
            (DLQ_SOURCE_TOPIC, message.topic.encode()),
            (DLQ_SOURCE_PARTITION, str(message.partition).encode()),
            (DLQ_SOURCE_OFFSET, str(message.offset).encode()),
            (DLQ_TIMESTAMP, str(self.clock_ms()).encode()),
        )
        original = tuple(h for h in message.headers if not h[0].startswith(DLQ_HEADER_PREFIX))
        return Output(self.topic, message.key, message.value, original + described)


@dataclass(frozen=True, slots=True)
class FailurePolicy:
    """What the runner does with a failing record: retry it, then dead-letter it."""

    retry: RetryPolicy
    dead_letter: DeadLetterPolicy

    @classmethod
    def from_settings(cls, settings: Settings, stage: Role) -> FailurePolicy:
        return cls(
            RetryPolicy.from_settings(settings), DeadLetterPolicy.from_settings(settings, stage)
        )
