"""An in-memory bus with Kafka's semantics where the runtime depends on them.

Topics have partitions chosen by key hash; consumer groups keep committed offsets and rebalance
eagerly (every member revokes at its next poll before anyone is given partitions); a producer's
records become visible at ``flush``; transactions write ``open`` records that ``read_committed``
consumers cannot see until commit, and abort leaves them as skipped gaps. Used by embedded mode
and unit tests, so everything happens on the caller's thread.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
import zlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Literal

from workers.runtime.errors import DeliveryError
from workers.runtime.messages import Message, Output, TopicPartition
from workers.runtime.transport import Offsets, RebalanceListener

_EntryState = Literal["committed", "open", "aborted"]


@dataclass(slots=True)
class _Entry:
    message: Message
    state: _EntryState


@dataclass(eq=False)
class _Member:
    group: _Group | None
    topics: tuple[str, ...]
    listener: RebalanceListener | None
    read_committed: bool
    assigned: frozenset[TopicPartition] = frozenset()
    positions: dict[TopicPartition, int] = field(default_factory=dict)
    must_revoke: bool = False
    incoming: frozenset[TopicPartition] | None = None
    lost: bool = False
    closed: bool = False


@dataclass(eq=False)
class _Group:
    group_id: str
    members: list[_Member] = field(default_factory=list)
    committed: dict[TopicPartition, int] = field(default_factory=dict)


class MemoryTransport:
    """The in-memory bus. Also offers test and embedded-mode helpers (publish, read, faults)."""

    def __init__(self, default_partitions: int = 1) -> None:
        self._default_partitions = default_partitions
        self._logs: dict[str, list[list[_Entry]]] = {}
        self._groups: dict[str, _Group] = {}
        self._round_robin: dict[str, itertools.count[int]] = {}
        self._producers: dict[str, MemoryProducer] = {}
        self._broken: set[str] = set()
        self._lock = threading.RLock()
        self._arrived = threading.Condition(self._lock)

    # -- Transport -------------------------------------------------------------------------------
    def consumer(
        self,
        topics: Sequence[str],
        group_id: str | None,
        *,
        listener: RebalanceListener | None = None,
        read_committed: bool = False,
    ) -> MemoryConsumer:
        with self._lock:
            for topic in topics:
                self.create_topic(topic)
            member = _Member(None, tuple(topics), listener, read_committed)
            if group_id is None:
                member.assigned = frozenset(self._partitions_of(topics))
                member.positions = dict.fromkeys(member.assigned, 0)
            else:
                self._join(member, self._groups.setdefault(group_id, _Group(group_id)))
            return MemoryConsumer(self, member)

    def producer(self, transactional_id: str | None = None) -> MemoryProducer:
        with self._lock:
            producer = MemoryProducer(self, transactional_id)
            if transactional_id is not None:
                previous = self._producers.get(transactional_id)
                if previous is not None:
                    previous._fence()
                self._producers[transactional_id] = producer
            return producer

    # -- helpers for tests and embedded mode ------------------------------------------------------
    def create_topic(self, topic: str, partitions: int | None = None) -> None:
        with self._lock:
            if topic not in self._logs:
                count = partitions or self._default_partitions
                self._logs[topic] = [[] for _ in range(count)]
                self._round_robin[topic] = itertools.count()

    def publish(
        self,
        topic: str,
        value: bytes,
        key: bytes | None = None,
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> Message:
        """Append one committed record (as an outside producer would)."""
        with self._lock:
            return self._append(Output(topic, key, value, tuple(headers)), "committed").message

    def records(self, topic: str, *, committed_only: bool = True) -> list[Message]:
        """Every record of ``topic``, partition by partition, skipping aborted ones."""
        with self._lock:
            self.create_topic(topic)
            allowed = {"committed"} if committed_only else {"committed", "open"}
            return [e.message for log in self._logs[topic] for e in log if e.state in allowed]

    def committed(self, group_id: str, partition: TopicPartition) -> int | None:
        with self._lock:
            group = self._groups.get(group_id)
            return None if group is None else group.committed.get(partition)

    def set_broken(self, topic: str, broken: bool = True) -> None:
        """Make every delivery to ``topic`` fail at flush (or heal it)."""
        with self._lock:
            (self._broken.add if broken else self._broken.discard)(topic)

    def expire(self, consumer: MemoryConsumer) -> None:
        """Evict a member as a missed session timeout would: its partitions are lost."""
        with self._lock:
            member = consumer._member
            if member.group is None or member not in member.group.members:
                return
            lost = member.assigned
            member.assigned, member.lost = frozenset(), True
            if member.listener is not None and lost:
                member.listener.on_lost(lost)
            self._leave(member)

    # -- internals ---------------------------------------------------------------------------------
    def _partitions_of(self, topics: Collection[str]) -> list[TopicPartition]:
        return [
            TopicPartition(topic, p)
            for topic in sorted(topics)
            for p in range(len(self._logs[topic]))
        ]

    def _append(self, output: Output, state: _EntryState) -> _Entry:
        self.create_topic(output.topic)
        partitions = self._logs[output.topic]
        if output.key is None:
            index = next(self._round_robin[output.topic]) % len(partitions)
        else:
            index = zlib.crc32(output.key) % len(partitions)
        log = partitions[index]
        message = Message(
            topic=output.topic,
            partition=index,
            offset=len(log),
            key=output.key,
            value=output.value,
            headers=output.headers,
            timestamp_ms=int(time.time() * 1000),
        )
        entry = _Entry(message, state)
        log.append(entry)
        self._arrived.notify_all()
        return entry

    def _join(self, member: _Member, group: _Group) -> None:
        member.group, member.lost = group, False
        group.members.append(member)
        self._start_rebalance(group)

    def _leave(self, member: _Member) -> None:
        group = member.group
        if group is not None and member in group.members:
            group.members.remove(member)
            self._start_rebalance(group)

    def _start_rebalance(self, group: _Group) -> None:
        for other in group.members:
            other.must_revoke = bool(other.assigned)
            other.incoming = None
        self._maybe_assign(group)

    def _maybe_assign(self, group: _Group) -> None:
        if any(m.must_revoke for m in group.members):
            return
        plan: dict[int, set[TopicPartition]] = {id(m): set() for m in group.members}
        topics = {t for m in group.members for t in m.topics}
        for index, tp in enumerate(self._partitions_of(topics)):
            takers = [m for m in group.members if tp.topic in m.topics]
            plan[id(takers[index % len(takers)])].add(tp)
        for m in group.members:
            m.incoming = frozenset(plan[id(m)])

    def _sync_membership(self, member: _Member) -> None:
        """What ``poll`` does before fetching: rejoin, revoke, adopt a new assignment."""
        group = member.group
        if group is None:
            return
        if member.lost:
            self._join(member, group)
        if member.must_revoke:
            revoked, member.must_revoke = member.assigned, False
            if member.listener is not None:
                self._commit(member, member.listener.on_revoked(revoked))
            member.assigned = frozenset()
            self._maybe_assign(group)
        if member.incoming is not None:
            member.assigned, member.incoming = member.incoming, None
            member.positions = {tp: group.committed.get(tp, 0) for tp in member.assigned}
            if member.listener is not None:
                member.listener.on_assigned(member.assigned)

    def _commit(self, member: _Member, offsets: Offsets) -> None:
        if not offsets:
            return
        if member.group is None:
            raise DeliveryError("cannot commit without a consumer group")
        if member.lost or not set(offsets) <= member.assigned:
            raise DeliveryError("commit failed: partitions are no longer assigned to this member")
        member.group.committed.update(offsets)

    def _end(self, tp: TopicPartition, read_committed: bool) -> int:
        log = self._logs[tp.topic][tp.partition]
        if read_committed:
            for entry in log:
                if entry.state == "open":
                    return entry.message.offset
        return len(log)

    def _fetch(self, member: _Member, max_records: int) -> list[Message]:
        fetched: list[Message] = []
        for tp in sorted(member.assigned):
            log = self._logs[tp.topic][tp.partition]
            end = self._end(tp, member.read_committed)
            position = member.positions[tp]
            while position < end and len(fetched) < max_records:
                entry = log[position]
                position += 1
                if not (member.read_committed and entry.state == "aborted"):
                    fetched.append(entry.message)
            member.positions[tp] = position
        return fetched


class MemoryConsumer:
    def __init__(self, transport: MemoryTransport, member: _Member) -> None:
        self._transport = transport
        self._member = member

    def poll(self, timeout_s: float, max_records: int) -> list[Message]:
        t = self._transport
        deadline = time.monotonic() + timeout_s
        with t._lock:
            while True:
                t._sync_membership(self._member)
                fetched = t._fetch(self._member, max_records)
                remaining = deadline - time.monotonic()
                if fetched or remaining <= 0:
                    return fetched
                t._arrived.wait(remaining)

    def commit(self, offsets: Offsets) -> None:
        with self._transport._lock:
            self._transport._commit(self._member, offsets)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        with self._transport._lock:
            if partition in self._member.assigned:
                self._member.positions[partition] = offset

    def assignment(self) -> frozenset[TopicPartition]:
        return self._member.assigned

    def lag(self) -> dict[TopicPartition, int]:
        t, m = self._transport, self._member
        with t._lock:
            return {tp: t._end(tp, m.read_committed) - m.positions[tp] for tp in m.assigned}

    def close(self) -> None:
        t, m = self._transport, self._member
        with t._lock:
            if m.closed:
                return
            m.closed = True
            if m.group is not None and not m.lost:
                if m.listener is not None and m.assigned:
                    t._commit(m, m.listener.on_revoked(m.assigned))
                m.assigned = frozenset()
                t._leave(m)


class MemoryProducer:
    def __init__(self, transport: MemoryTransport, transactional_id: str | None) -> None:
        self._transport = transport
        self._transactional_id = transactional_id
        self._queued: list[Output] = []
        self._open: list[_Entry] | None = None
        self._failed = False
        self._offsets: tuple[_Member, dict[TopicPartition, int]] | None = None
        self._fenced = False

    def _check(self, *, in_transaction: bool | None = None) -> None:
        if self._fenced:
            raise DeliveryError(
                "producer fenced by a newer instance with the same transactional id"
            )
        if in_transaction is not None and (self._open is not None) != in_transaction:
            raise DeliveryError("invalid transaction state")

    def _fence(self) -> None:
        if self._open is not None:
            self.abort_transaction()
        self._fenced = True

    def send(self, output: Output) -> None:
        with self._transport._lock:
            self._check()
            if self._transactional_id is None:
                self._queued.append(output)
                return
            self._check(in_transaction=True)
            assert self._open is not None
            if output.topic in self._transport._broken:
                self._failed = True
            else:
                self._open.append(self._transport._append(output, "open"))

    def flush(self, timeout_s: float | None = None) -> None:
        with self._transport._lock:
            self._check()
            queued, self._queued = self._queued, []
            failed = [o for o in queued if o.topic in self._transport._broken]
            for output in queued:
                if output.topic not in self._transport._broken:
                    self._transport._append(output, "committed")
            if failed or self._failed:
                raise DeliveryError(f"{len(failed) or 1} record(s) could not be delivered")

    def begin_transaction(self) -> None:
        with self._transport._lock:
            self._check(in_transaction=False)
            self._open, self._failed, self._offsets = [], False, None

    def send_offsets_to_transaction(self, offsets: Offsets, consumer: object) -> None:
        if not isinstance(consumer, MemoryConsumer):
            raise TypeError("a MemoryProducer works with MemoryConsumer only")
        with self._transport._lock:
            self._check(in_transaction=True)
            self._offsets = (consumer._member, dict(offsets))

    def commit_transaction(self) -> None:
        t = self._transport
        with t._lock:
            self._check(in_transaction=True)
            if self._failed:
                raise DeliveryError("a record in the transaction failed; abort it")
            if self._offsets is not None:
                t._commit(*self._offsets)
            assert self._open is not None
            for entry in self._open:
                entry.state = "committed"
            self._open, self._offsets = None, None
            t._arrived.notify_all()

    def abort_transaction(self) -> None:
        with self._transport._lock:
            if self._open is None:
                return
            for entry in self._open:
                entry.state = "aborted"
            self._open, self._offsets, self._failed = None, None, False
            self._transport._arrived.notify_all()

    def close(self) -> None:
        with self._transport._lock:
            if self._open is not None:
                self.abort_transaction()
            if not self._fenced:
                with contextlib.suppress(DeliveryError):
                    self.flush()
