"""What flows through a stage: inbound records, outbound records and the handler contract."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

Headers = tuple[tuple[str, bytes], ...]


class TopicPartition(NamedTuple):
    topic: str
    partition: int


@dataclass(frozen=True, slots=True)
class Message:
    """One consumed record, exactly as the broker delivered it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: Headers
    timestamp_ms: int | None

    @property
    def topic_partition(self) -> TopicPartition:
        return TopicPartition(self.topic, self.partition)

    def header(self, name: str) -> bytes | None:
        """The last value of header ``name`` (Kafka allows repeats), or ``None``."""
        found = None
        for key, value in self.headers:
            if key == name:
                found = value
        return found


@dataclass(frozen=True, slots=True)
class Output:
    """One record a handler wants published."""

    topic: str
    key: bytes | None
    value: bytes
    headers: Headers = ()


Handler = Callable[[Message], Sequence[Output]]
"""Turns one inbound record into zero or more outbound records.

Raise :class:`~workers.runtime.errors.TransientError` to be retried,
:class:`~workers.runtime.errors.PermanentError` to be dead-lettered. Handlers never see Kafka.
"""
