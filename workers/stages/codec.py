"""Events in and out of a stage handler: decode the inbound record, encode the outbound one."""

from __future__ import annotations

from typing import TypeVar

from schemas.events import AnyEvent, EventDecodeError, from_kafka, to_kafka
from workers.runtime import Message, Output, PermanentError

EventT = TypeVar("EventT", bound=AnyEvent)


def decode(message: Message, kind: type[EventT]) -> EventT:
    """The ``kind`` event ``message`` carries; anything else is a permanent failure."""
    try:
        event = from_kafka(message.value, message.headers)
    except EventDecodeError as error:
        raise PermanentError("undecodable_event") from error
    if not isinstance(event, kind):
        raise PermanentError("unexpected_event_type")
    return event


def emit(topic: str, event: AnyEvent) -> Output:
    """``event`` as a record for ``topic``, keyed as its class prescribes."""
    record = to_kafka(event)
    return Output(topic, record.key, record.value, tuple(record.headers))
