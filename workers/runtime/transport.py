"""The seam between the stage runtime and a message bus.

A :class:`Transport` makes consumers and producers. Offsets everywhere are *next offsets to read*
(the last processed offset + 1), the value Kafka expects in a commit.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from workers.runtime.messages import Message, Output, TopicPartition

Offsets = Mapping[TopicPartition, int]


class RebalanceListener(Protocol):
    """Told of ownership changes while ``poll`` or ``close`` runs (Kafka: on its IO thread)."""

    def on_assigned(self, partitions: Collection[TopicPartition]) -> None: ...

    def on_revoked(self, partitions: Collection[TopicPartition]) -> Offsets:
        """Partitions are being handed over cleanly: return offsets to commit for them first."""
        ...

    def on_lost(self, partitions: Collection[TopicPartition]) -> None:
        """Membership was lost: the partitions already belong to someone else, commit nothing."""
        ...


class Consumer(Protocol):
    def poll(self, timeout_s: float, max_records: int) -> list[Message]: ...

    def commit(self, offsets: Offsets) -> None:
        """Commit synchronously; raises :class:`~workers.runtime.errors.DeliveryError`."""
        ...

    def seek(self, partition: TopicPartition, offset: int) -> None: ...

    def assignment(self) -> frozenset[TopicPartition]: ...

    def lag(self) -> dict[TopicPartition, int]:
        """Records between the position and the end of each assigned partition (the last stable
        offset when reading committed); may raise ``DeliveryError``."""
        ...

    def close(self) -> None: ...


class Producer(Protocol):
    def send(self, output: Output) -> None:
        """Queue a record. Delivery failures surface from :meth:`flush` (or the transaction
        commit); a record that can never be delivered (too large) raises ``PermanentError``."""
        ...

    def flush(self, timeout_s: float | None = None) -> None:
        """Wait for every queued record; raise ``DeliveryError`` if any of them failed."""
        ...

    def begin_transaction(self) -> None: ...

    def send_offsets_to_transaction(self, offsets: Offsets, consumer: Consumer) -> None: ...

    def commit_transaction(self) -> None: ...

    def abort_transaction(self) -> None: ...

    def close(self) -> None: ...


class Transport(Protocol):
    def consumer(
        self,
        topics: Sequence[str],
        group_id: str | None,
        *,
        listener: RebalanceListener | None = None,
        read_committed: bool = False,
    ) -> Consumer:
        """Subscribe ``group_id`` to ``topics``; ``None`` reads every partition from the start
        without a group (nothing can be committed)."""
        ...

    def producer(self, transactional_id: str | None = None) -> Producer:
        """A producer; with ``transactional_id`` it is initialised for transactions."""
        ...
