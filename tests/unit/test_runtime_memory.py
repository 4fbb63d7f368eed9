"""The in-memory bus keeps the Kafka semantics the runtime relies on."""

from __future__ import annotations

from collections.abc import Collection

import pytest

from workers.runtime import DeliveryError, MemoryTransport, Output, TopicPartition
from workers.runtime.transport import Offsets


class Recorder:
    """A rebalance listener that remembers calls and commits what it is told to."""

    def __init__(self, commit_on_revoke: Offsets | None = None) -> None:
        self.calls: list[tuple[str, frozenset[TopicPartition]]] = []
        self._commit = dict(commit_on_revoke or {})

    def on_assigned(self, partitions: Collection[TopicPartition]) -> None:
        self.calls.append(("assigned", frozenset(partitions)))

    def on_revoked(self, partitions: Collection[TopicPartition]) -> Offsets:
        self.calls.append(("revoked", frozenset(partitions)))
        return {tp: o for tp, o in self._commit.items() if tp in partitions}

    def on_lost(self, partitions: Collection[TopicPartition]) -> None:
        self.calls.append(("lost", frozenset(partitions)))


def test_records_with_the_same_key_share_a_partition_and_keep_their_order() -> None:
    bus = MemoryTransport(default_partitions=4)
    for i in range(6):
        bus.publish("t", str(i).encode(), key=b"letter-a")
    bus.publish("t", b"other", key=b"letter-b")
    by_key = [m for m in bus.records("t") if m.key == b"letter-a"]
    assert len({m.partition for m in by_key}) == 1
    assert [m.value for m in by_key] == [str(i).encode() for i in range(6)]
    assert [m.offset for m in by_key] == list(range(6))


def test_a_joining_member_gets_partitions_only_after_the_owner_revokes_and_commits() -> None:
    bus = MemoryTransport(default_partitions=2)
    for key in (b"a", b"b", b"d", b"e"):
        bus.publish("t", key, key=key)
    assert sorted(m.partition for m in bus.records("t")) == [0, 0, 1, 1]
    all_partitions = frozenset({TopicPartition("t", 0), TopicPartition("t", 1)})
    first_listener = Recorder(commit_on_revoke=dict.fromkeys(all_partitions, 1))
    first = bus.consumer(["t"], "g", listener=first_listener)
    first.poll(0, 100)
    assert first.assignment() == all_partitions

    second_listener = Recorder()
    second = bus.consumer(["t"], "g", listener=second_listener)
    assert second.poll(0, 100) == []  # the owner has not revoked yet
    assert second.assignment() == frozenset()

    first.poll(0, 100)
    assert ("revoked", all_partitions) in first_listener.calls
    assert all(bus.committed("g", tp) == 1 for tp in all_partitions)

    fetched = second.poll(0, 100)
    assert first.assignment() | second.assignment() == all_partitions
    assert not first.assignment() & second.assignment()
    [mine] = second.assignment()
    expected = [m for m in bus.records("t") if m.partition == mine.partition][1:]
    assert fetched == expected  # resumed from the committed offset


def test_an_expired_member_loses_its_partitions_and_cannot_commit() -> None:
    bus = MemoryTransport()
    bus.publish("t", b"x")
    listener = Recorder()
    consumer = bus.consumer(["t"], "g", listener=listener)
    consumer.poll(0, 10)
    bus.expire(consumer)
    assert listener.calls[-1] == ("lost", frozenset({TopicPartition("t", 0)}))
    with pytest.raises(DeliveryError):
        consumer.commit({TopicPartition("t", 0): 1})
    assert bus.committed("g", TopicPartition("t", 0)) is None


def test_transactional_records_are_hidden_from_read_committed_until_commit() -> None:
    bus = MemoryTransport()
    committed_reader = bus.consumer(["out"], None, read_committed=True)
    uncommitted_reader = bus.consumer(["out"], None, read_committed=False)
    producer = bus.producer("tx-1")

    producer.begin_transaction()
    producer.send(Output("out", None, b"aborted"))
    producer.abort_transaction()
    producer.begin_transaction()
    producer.send(Output("out", None, b"kept"))
    assert committed_reader.poll(0, 10) == []
    assert [m.value for m in uncommitted_reader.poll(0, 10)] == [b"aborted", b"kept"]

    producer.commit_transaction()
    [kept] = committed_reader.poll(0, 10)
    assert (kept.value, kept.offset) == (b"kept", 1)


def test_transaction_commits_the_consumed_offsets_with_the_outputs() -> None:
    bus = MemoryTransport()
    bus.publish("in", b"x")
    consumer = bus.consumer(["in"], "g", read_committed=True)
    consumer.poll(0, 10)
    producer = bus.producer("tx-1")
    producer.begin_transaction()
    producer.send(Output("out", None, b"y"))
    producer.send_offsets_to_transaction({TopicPartition("in", 0): 1}, consumer)
    assert bus.committed("g", TopicPartition("in", 0)) is None
    producer.commit_transaction()
    assert bus.committed("g", TopicPartition("in", 0)) == 1
    assert [m.value for m in bus.records("out")] == [b"y"]


def test_a_new_producer_with_the_same_transactional_id_fences_the_old_one() -> None:
    bus = MemoryTransport()
    zombie = bus.producer("tx-1")
    zombie.begin_transaction()
    zombie.send(Output("out", None, b"zombie"))
    bus.producer("tx-1")
    with pytest.raises(DeliveryError):
        zombie.commit_transaction()
    assert bus.records("out") == []


def test_failed_deliveries_surface_at_flush() -> None:
    bus = MemoryTransport()
    producer = bus.producer()
    bus.set_broken("out")
    producer.send(Output("out", None, b"lost"))
    producer.send(Output("fine", None, b"ok"))
    with pytest.raises(DeliveryError):
        producer.flush()
    assert bus.records("out") == []
    assert [m.value for m in bus.records("fine")] == [b"ok"]


def test_a_groupless_consumer_reads_from_the_start_and_cannot_commit() -> None:
    bus = MemoryTransport(default_partitions=2)
    for key in (b"a", b"b", b"c"):
        bus.publish("t", key, key=key)
    reader = bus.consumer(["t"], None)
    assert sorted(m.value for m in reader.poll(0, 10)) == [b"a", b"b", b"c"]
    assert not any(reader.lag().values())
    with pytest.raises(DeliveryError):
        reader.commit({TopicPartition("t", 0): 1})
