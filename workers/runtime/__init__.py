"""The stage runtime: delivery, retries, dead letters and the transport seam.

Handlers are plain functions ``Message -> Sequence[Output]``; everything about Kafka lives here.
"""

from workers.runtime.dead_letter import DeadLetterPolicy, FailurePolicy
from workers.runtime.errors import (
    DeliveryError,
    Failure,
    PermanentError,
    TransientError,
    classify,
)
from workers.runtime.kafka_transport import KafkaTransport
from workers.runtime.memory import MemoryTransport
from workers.runtime.messages import Handler, Headers, Message, Output, TopicPartition
from workers.runtime.replay import (
    DeadLetterSummary,
    drain,
    list_dead_letters,
    replay_dead_letters,
)
from workers.runtime.retry import RetryPolicy
from workers.runtime.stage import StageRunner, group_id
from workers.runtime.transport import Consumer, Producer, RebalanceListener, Transport

__all__ = [
    "Consumer",
    "DeadLetterPolicy",
    "DeadLetterSummary",
    "DeliveryError",
    "Failure",
    "FailurePolicy",
    "Handler",
    "Headers",
    "KafkaTransport",
    "MemoryTransport",
    "Message",
    "Output",
    "PermanentError",
    "Producer",
    "RebalanceListener",
    "RetryPolicy",
    "StageRunner",
    "TopicPartition",
    "TransientError",
    "Transport",
    "classify",
    "drain",
    "group_id",
    "list_dead_letters",
    "replay_dead_letters",
]
