"""Pipeline stages: thin adapters from one topic's events to the next through the pure core.

``imr worker STAGE`` and the embedded pipeline both build their handlers here.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from workers.config import Settings, Stage
from workers.ocr import default_engine
from workers.runtime import Handler
from workers.stages.enrich import make_enrich_handler
from workers.stages.ingest import make_ingest_handler, received_event, source_object
from workers.stages.notifications import IGNORED_REASONS
from workers.stages.ocr import make_ocr_handler
from workers.stages.parse import make_parse_handler
from workers.stages.validate import make_validate_handler
from workers.storage import ObjectStore, S3ObjectStore

__all__ = [
    "build_handler",
    "make_enrich_handler",
    "make_ingest_handler",
    "make_ocr_handler",
    "make_parse_handler",
    "make_validate_handler",
    "received_event",
    "source_object",
    "source_topic",
]


def source_topic(stage: Stage, settings: Settings) -> str:
    """The topic ``stage`` consumes."""
    topics: dict[Stage, str] = {
        "ingest": settings.topic_s3_events,
        "parse": settings.topic_letters_received,
        "ocr": settings.topic_letters_ocr,
        "validate": settings.topic_letters_parsed,
        "enrich": settings.topic_letters_validated,
    }
    return topics[stage]


def build_handler(
    stage: Stage,
    settings: Settings,
    *,
    store: ObjectStore | None = None,
    registry: CollectorRegistry | None = None,
) -> tuple[str, Handler]:
    """The topic ``stage`` consumes and its handler. ``parse`` and ``ocr`` read letters from
    ``store``
    (default: the S3 store described by ``settings``); ``ingest`` counts the notification
    records it ignores, by reason, as ``imr_notifications_ignored_total`` on ``registry`` (a
    registry of its own when none is given)."""
    if stage == "ingest":
        counter = Counter(
            "imr_notifications_ignored",
            "Bucket notification records that announce no letter, by reason",
            ["reason"],
            registry=registry if registry is not None else CollectorRegistry(),
        )
        for reason in IGNORED_REASONS:
            counter.labels(reason)
        handler = make_ingest_handler(settings, ignored=lambda reason: counter.labels(reason).inc())
    elif stage == "parse":
        handler = make_parse_handler(settings, store or S3ObjectStore.from_settings(settings))
    elif stage == "ocr":
        store = store or S3ObjectStore.from_settings(settings)
        handler = make_ocr_handler(settings, store, default_engine())
    elif stage == "validate":
        handler = make_validate_handler(settings)
    else:
        handler = make_enrich_handler(settings)
    return source_topic(stage, settings), handler
