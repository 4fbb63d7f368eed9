"""The kafka-python adapter's own decisions, on stand-ins for the kafka-python clients."""

from __future__ import annotations

from typing import Any

import pytest
from kafka import TopicPartition as KafkaTopicPartition
from kafka.structs import ConsumerGroupMetadata, OffsetAndMetadata

from workers.runtime import DeliveryError, TopicPartition
from workers.runtime.kafka_transport import KafkaTransportConsumer, KafkaTransportProducer

OFFSETS = {TopicPartition("in", 0): 7}


class _Consumer:
    def __init__(self, metadata: ConsumerGroupMetadata) -> None:
        self.metadata = metadata

    def group_metadata(self) -> ConsumerGroupMetadata:
        return self.metadata


class _Producer:
    def __init__(self) -> None:
        self.sent: list[tuple[Any, ConsumerGroupMetadata]] = []

    def send_offsets_to_transaction(self, offsets: Any, metadata: ConsumerGroupMetadata) -> None:
        self.sent.append((offsets, metadata))


def test_transaction_offsets_carry_the_members_generation() -> None:
    joined = ConsumerGroupMetadata("imr-parse", 4, "member-1")
    producer = _Producer()
    KafkaTransportProducer(producer).send_offsets_to_transaction(
        OFFSETS, KafkaTransportConsumer(_Consumer(joined))
    )
    assert producer.sent == [({KafkaTopicPartition("in", 0): OffsetAndMetadata(7, "", -1)}, joined)]


@pytest.mark.parametrize(
    "metadata",
    [
        ConsumerGroupMetadata("imr-parse", -1, ""),  # session lost: generation reset
        ConsumerGroupMetadata("imr-parse", -1, "member-1"),
        ConsumerGroupMetadata("imr-parse", 4, ""),
    ],
)
def test_transaction_offsets_are_refused_outside_the_group(
    metadata: ConsumerGroupMetadata,
) -> None:
    producer = _Producer()
    with pytest.raises(DeliveryError, match="not a group member"):
        KafkaTransportProducer(producer).send_offsets_to_transaction(
            OFFSETS, KafkaTransportConsumer(_Consumer(metadata))
        )
    assert producer.sent == []
