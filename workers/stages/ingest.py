"""Ingest: bucket notifications in, one ``letter.received`` event per created letter object out."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import structlog

from schemas.events import LetterReceived, LetterReceivedData, SourceObject, stage_source
from workers.config import Settings
from workers.runtime import Handler, Message, Output
from workers.stages.codec import decode, emit
from workers.stages.notifications import ObjectFilter, read_notification
from workers.storage import ObjectInfo

_SOURCE = stage_source("ingest")
_log = structlog.get_logger("imr.ingest")
_CLOUDEVENT_TYPE_HEADER = "ce_type"


def source_object(info: ObjectInfo) -> SourceObject:
    """The stored object version ``info`` describes, as a notification would announce it."""
    return SourceObject(
        bucket=info.bucket,
        key=info.key,
        version_id=info.version_id,
        etag=info.etag,
        size=info.size,
        content_type=info.content_type,
    )


def received_event(source: SourceObject, *, event_source: str = _SOURCE) -> LetterReceived:
    """The ``letter.received`` event announcing ``source``, keyed by its stable letter id.
    ``event_source`` is the CloudEvents ``source`` (the producer), the ingest stage by default."""
    return LetterReceived(
        source=event_source, data=LetterReceivedData(letter_id=source.letter_id, source=source)
    )


def make_ingest_handler(
    settings: Settings, *, ignored: Callable[[str], None] = lambda reason: None
) -> Handler:
    """Reads ``settings.topic_s3_events``; writes ``settings.topic_letters_received``.

    Records carrying a CloudEvents ``ce_type`` header are ``letter.received`` events published
    straight to the events topic by tools that know only that topic; they pass through
    unchanged. Every other record is a bucket notification; each of its records that announces
    no letter is logged once, at info, with the reason, and passed to ``ignored`` (the worker
    counts them).
    """
    accept = ObjectFilter.from_settings(settings)
    topic = settings.topic_letters_received

    def handle(message: Message) -> Sequence[Output]:
        if message.header(_CLOUDEVENT_TYPE_HEADER) is not None:
            return [emit(topic, decode(message, LetterReceived))]
        notification = read_notification(message.value, accept)
        for reason in notification.ignored:
            _log.info("notification ignored", reason=reason)
            ignored(reason)
        return [emit(topic, received_event(found)) for found in notification.objects]

    return handle
