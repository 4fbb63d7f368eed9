"""The :class:`~workers.runtime.transport.Transport` over kafka-python 3.

kafka-python 3 drives network IO (heartbeats included) on a background thread and calls rebalance
listeners on that thread, where blocking client calls are refused; the listener adapter therefore
commits revoked offsets with an awaited asynchronous commit.

A static member (``settings.instance_id``, KIP-345) never sends LeaveGroup itself: its partitions
would wait for the session timeout after a clean stop (a scale-down, a rolling update). On
:meth:`KafkaTransportConsumer.close` it is therefore removed from its group through the admin
API, so the others take its partitions at once; a restart with the same instance id is not
affected (it was never removed) and takes its partitions back at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from typing import Any

import structlog
from kafka import AsyncConsumerRebalanceListener, KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka import TopicPartition as KafkaTopicPartition
from kafka.admin import MemberToRemove
from kafka.errors import KafkaError, MessageSizeTooLargeError
from kafka.structs import OffsetAndMetadata

from workers.config import Settings
from workers.runtime.errors import DeliveryError, PermanentError
from workers.runtime.kafka_config import client_config, consumer_config, producer_config
from workers.runtime.messages import Message, Output, TopicPartition
from workers.runtime.transport import Offsets, RebalanceListener

log = structlog.get_logger(__name__)

_LAG_TIMEOUT_MS = 5000
_LEAVE_TIMEOUT_MS = 5000


def _kafka_offsets(offsets: Offsets) -> dict[KafkaTopicPartition, OffsetAndMetadata]:
    return {
        KafkaTopicPartition(tp.topic, tp.partition): OffsetAndMetadata(offset, "", -1)
        for tp, offset in offsets.items()
    }


def _ours(partitions: Collection[Any]) -> frozenset[TopicPartition]:
    return frozenset(TopicPartition(tp.topic, tp.partition) for tp in partitions)


class _ListenerAdapter(AsyncConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, listener: RebalanceListener, consumer: KafkaConsumer) -> None:
        self._listener = listener
        self._consumer = consumer

    async def on_partitions_revoked(self, revoked: Collection[Any]) -> None:
        offsets = self._listener.on_revoked(_ours(revoked))
        if not offsets:
            return
        try:
            await self._consumer.commit_async(_kafka_offsets(offsets))
        except KafkaError as exc:
            log.warning("commit_on_revoke_failed", error_class=type(exc).__name__)

    async def on_partitions_assigned(self, assigned: Collection[Any]) -> None:
        self._listener.on_assigned(_ours(assigned))

    async def on_partitions_lost(self, lost: Collection[Any]) -> None:
        self._listener.on_lost(_ours(lost))


class KafkaTransport:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def consumer(
        self,
        topics: Sequence[str],
        group_id: str | None,
        *,
        listener: RebalanceListener | None = None,
        read_committed: bool = False,
    ) -> KafkaTransportConsumer:
        consumer = KafkaConsumer(
            **consumer_config(self._settings, group_id, read_committed=read_committed)
        )
        if group_id is None:
            partitions = _all_partitions(consumer, topics)
            if partitions:
                consumer.assign(partitions)
                consumer.seek_to_beginning()
        else:
            adapter = None if listener is None else _ListenerAdapter(listener, consumer)
            consumer.subscribe(list(topics), listener=adapter)
        instance_id = self._settings.instance_id
        if group_id is not None and instance_id:  # a static member: see the module docstring
            return KafkaTransportConsumer(consumer, self._leave(group_id, instance_id))
        return KafkaTransportConsumer(consumer)

    def _leave(self, group_id: str, instance_id: str) -> Callable[[], None]:
        """Removes static member ``instance_id`` from ``group_id``, at most a few seconds."""

        def leave() -> None:
            admin = KafkaAdminClient(
                **client_config(self._settings)
                | {
                    "bootstrap_timeout_ms": _LEAVE_TIMEOUT_MS,
                    "request_timeout_ms": _LEAVE_TIMEOUT_MS,
                }
            )
            try:
                admin.remove_group_members(
                    group_id, [MemberToRemove(group_instance_id=instance_id)]
                )
            finally:
                admin.close()

        return leave

    def producer(self, transactional_id: str | None = None) -> KafkaTransportProducer:
        producer = KafkaProducer(**producer_config(self._settings, transactional_id))
        if transactional_id is not None:
            producer.init_transactions()
        return KafkaTransportProducer(producer)


def _all_partitions(consumer: KafkaConsumer, topics: Sequence[str]) -> list[KafkaTopicPartition]:
    """Every partition of those ``topics`` that exist (a missing topic has nothing to read)."""
    existing = consumer.topics()
    return [
        KafkaTopicPartition(topic, p)
        for topic in topics
        if topic in existing
        for p in sorted(consumer.partitions_for_topic(topic) or ())
    ]


class KafkaTransportConsumer:
    def __init__(self, consumer: KafkaConsumer, leave: Callable[[], None] | None = None) -> None:
        self._consumer = consumer
        self._leave = leave

    @property
    def group_metadata(self) -> Any:
        return self._consumer.group_metadata()

    def poll(self, timeout_s: float, max_records: int) -> list[Message]:
        batches = self._consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=max_records)
        return [
            _message(r, tp.topic, tp.partition) for tp, records in batches.items() for r in records
        ]

    def commit(self, offsets: Offsets) -> None:
        if not offsets:
            return
        try:
            self._consumer.commit(_kafka_offsets(offsets))
        except KafkaError as exc:
            raise DeliveryError(f"offset commit failed: {type(exc).__name__}") from exc

    def seek(self, partition: TopicPartition, offset: int) -> None:
        tp = KafkaTopicPartition(partition.topic, partition.partition)
        if tp in self._consumer.assignment():
            self._consumer.seek(tp, offset)

    def assignment(self) -> frozenset[TopicPartition]:
        return _ours(self._consumer.assignment())

    def lag(self) -> dict[TopicPartition, int]:
        """Measured against the end offsets for this consumer's isolation level (network calls,
        all within one timeout: the stage loop must not stall on a broker that is gone)."""
        assigned = list(self._consumer.assignment())
        if not assigned:
            return {}
        deadline = time.monotonic() + _LAG_TIMEOUT_MS / 1000

        def remaining_ms() -> int:
            return max(0, int((deadline - time.monotonic()) * 1000))

        try:
            ends = self._consumer.end_offsets(assigned, timeout_ms=remaining_ms())
            positions = {tp: self._consumer.position(tp, remaining_ms()) for tp in assigned}
        except KafkaError as exc:
            raise DeliveryError(f"lag lookup failed: {type(exc).__name__}") from exc
        return {
            TopicPartition(tp.topic, tp.partition): max(0, ends[tp] - (positions[tp] or 0))
            for tp in assigned
            if tp in ends
        }

    def close(self) -> None:
        self._consumer.close(autocommit=False)
        if self._leave is not None:
            try:
                self._leave()
            except KafkaError as exc:
                log.warning("leave_group_failed", error_class=type(exc).__name__)


def _message(record: Any, topic: str, partition: int) -> Message:
    """A :class:`Message` of a kafka-python record (topic and partition are its batch's)."""
    headers = record.headers
    if headers:
        headers = tuple((k, b"" if v is None else v) for k, v in headers)
    timestamp = record.timestamp
    return Message(
        topic,
        partition,
        record.offset,
        record.key,
        b"" if record.value is None else record.value,
        headers or (),
        timestamp if timestamp is not None and timestamp >= 0 else None,
    )


class KafkaTransportProducer:
    def __init__(self, producer: KafkaProducer) -> None:
        self._producer = producer
        self._futures: list[Any] = []

    def send(self, output: Output) -> None:
        try:
            future = self._producer.send(
                output.topic, value=output.value, key=output.key, headers=list(output.headers)
            )
        except MessageSizeTooLargeError as exc:
            raise PermanentError("output_too_large") from exc
        except KafkaError as exc:
            raise DeliveryError(f"send failed: {type(exc).__name__}") from exc
        self._futures.append(future)

    def flush(self, timeout_s: float | None = None) -> None:
        futures, self._futures = self._futures, []
        try:
            self._producer.flush(timeout=timeout_s)
        except KafkaError as exc:
            raise DeliveryError(f"flush failed: {type(exc).__name__}") from exc
        failed = [f for f in futures if not f.is_done or f.failed()]
        if failed:
            classes = sorted({type(f.exception).__name__ for f in failed})
            raise DeliveryError(f"{len(failed)} record(s) not delivered: {', '.join(classes)}")

    def begin_transaction(self) -> None:
        self._futures = []  # commit_transaction reports failed sends of the previous one
        self._call(self._producer.begin_transaction)

    def send_offsets_to_transaction(self, offsets: Offsets, consumer: object) -> None:
        """Refused while the consumer is out of its group (say, its session expired during the
        batch): the broker fences stale members only by generation, and offsets sent without
        one would commit partitions another member may already own."""
        if not isinstance(consumer, KafkaTransportConsumer):
            raise TypeError("a KafkaTransportProducer works with KafkaTransportConsumer only")
        metadata = consumer.group_metadata
        if metadata.generation_id < 0 or not metadata.member_id:
            raise DeliveryError("send_offsets_to_transaction refused: not a group member")
        self._call(self._producer.send_offsets_to_transaction, _kafka_offsets(offsets), metadata)

    def commit_transaction(self) -> None:
        self._call(self._producer.commit_transaction)

    def abort_transaction(self) -> None:
        self._futures = []
        self._call(self._producer.abort_transaction)

    def close(self) -> None:
        self._producer.close(timeout=10)

    @staticmethod
    def _call(method: Any, *args: Any) -> None:
        try:
            method(*args)
        except KafkaError as exc:
            raise DeliveryError(f"{method.__name__} failed: {type(exc).__name__}") from exc
