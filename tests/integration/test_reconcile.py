"""`imr reconcile` against the real broker and S3: what it re-announces, and that it settles."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmarks.pipeline import pipeline_settings, prepare, worker_env
from benchmarks.services import Services
from schemas.events import DeterminationExtracted, LetterReceived, from_kafka
from workers.cli.reconcile import EVENT_NAME, PassMetrics, TooRecent, reconcile, reconcile_every
from workers.config import Settings
from workers.determination import determine
from workers.extraction import EXTRACTOR_VERSION, extract
from workers.runtime import KafkaTransport, Output
from workers.runtime.replay import drain
from workers.stages import source_object
from workers.stages.codec import emit
from workers.storage import ObjectInfo, S3ObjectStore

pytestmark = pytest.mark.integration

LETTER = Path(__file__).resolve().parents[1] / "fixtures" / "letters" / "a2014_two_items.txt"


@pytest.fixture
def settings(kafka_bootstrap: str, s3_endpoint: Any, unique_name: Callable[[str], str]) -> Settings:
    services = Services(kafka_bootstrap, s3_endpoint, None, origin="test services")
    settings = pipeline_settings(services, unique_name("reconcile"), partitions=2, s3_prefix="in/")
    prepare(settings)
    return settings


def publish(settings: Settings, *outputs: Output) -> None:
    producer = KafkaTransport(settings).producer()
    for output in outputs:
        producer.send(output)
    producer.flush()
    producer.close()


def determination_for(settings: Settings, info: ObjectInfo) -> Output:
    source = source_object(info)
    data = determine(
        extract(LETTER.read_bytes()),
        letter_id=source.letter_id,
        source=source,
        extractor_version=EXTRACTOR_VERSION,
    )
    return emit(settings.topic_determinations, DeterminationExtracted(source="/test", data=data))


def received(settings: Settings) -> list[LetterReceived]:
    consumer = KafkaTransport(settings).consumer(
        [settings.topic_letters_received], None, read_committed=True
    )
    try:
        found = [from_kafka(m.value, m.headers) for b in drain(consumer, 30) for m in b]
    finally:
        consumer.close()
    assert all(isinstance(event, LetterReceived) for event in found)
    return [event for event in found if isinstance(event, LetterReceived)]


def run(
    settings: Settings, *, min_age_s: float | None = 0, dry_run: bool = False
) -> dict[str, str]:
    announced = reconcile(
        S3ObjectStore.from_settings(settings),
        KafkaTransport(settings),
        settings,
        bucket=settings.s3_bucket,
        prefix=settings.s3_prefix,
        min_age_s=min_age_s,
        dry_run=dry_run,
    )
    return {
        item.key if isinstance(item, TooRecent) else item.source.key: (
            "too_recent" if isinstance(item, TooRecent) else item.action
        )
        for item in announced
    }


def test_reconcile_announces_only_letters_the_pipeline_has_not_settled(
    settings: Settings,
) -> None:
    store, bucket, body = (
        S3ObjectStore.from_settings(settings),
        settings.s3_bucket,
        LETTER.read_bytes(),
    )
    done = store.put(bucket, "in/done.txt", body, "text/plain")
    failed = store.put(bucket, "in/failed.txt", body + b"\n", "text/plain")
    lost = store.put(bucket, "in/lost notification.txt", body + b"\n\n", "text/plain")
    stale = store.put(bucket, "in/overwritten.txt", body + b"\n\n\n", "text/plain")
    store.put(bucket, "in/notes.docx", body, "application/octet-stream")
    store.put(bucket, "elsewhere/outside.txt", body, "text/plain")
    publish(
        settings,
        determination_for(settings, done),
        determination_for(settings, stale),
        Output(settings.dlq_topic("parse"), source_object(failed).letter_id.encode(), b"original"),
    )
    current = store.put(bucket, "in/overwritten.txt", body + b" changed", "text/plain")

    # Just written, so possibly still in flight: the default minimum age passes them over.
    assert settings.reconcile_min_age_seconds >= 60
    assert run(settings, min_age_s=None) == {
        "in/lost notification.txt": "too_recent",
        "in/overwritten.txt": "too_recent",
    }
    assert received(settings) == []

    assert run(settings, dry_run=True) == {
        "in/lost notification.txt": "would_emit",
        "in/overwritten.txt": "would_emit",
    }
    assert received(settings) == []

    assert run(settings) == {"in/lost notification.txt": "emitted", "in/overwritten.txt": "emitted"}
    announced = {event.data.source.key: event for event in received(settings)}
    assert set(announced) == {"in/lost notification.txt", "in/overwritten.txt"}
    for info in (lost, current):
        event = announced[info.key]
        assert event.data.letter_id == source_object(info).letter_id
        assert event.data.source.etag == info.etag
        assert event.source == "/imr/cli/reconcile"

    # Once those two complete, a second run has nothing left to announce.
    publish(settings, determination_for(settings, lost), determination_for(settings, current))
    assert run(settings) == {}
    assert len(received(settings)) == 2


def test_continuous_reconcile_announces_a_lost_letter_once_with_what_the_store_knows(
    settings: Settings,
) -> None:
    store = S3ObjectStore.from_settings(settings)
    stop, metrics = threading.Event(), PassMetrics()

    def passes(outcome: str = "completed") -> float:
        value = metrics.registry.get_sample_value(
            "imr_reconcile_passes_total", {"outcome": outcome}
        )
        return value or 0.0

    def run_pass() -> Any:
        return reconcile(
            store,
            KafkaTransport(settings),
            settings,
            bucket=settings.s3_bucket,
            prefix=settings.s3_prefix,
            min_age_s=0,
        )

    loop = threading.Thread(target=reconcile_every, args=(0.5, run_pass, stop, metrics))
    loop.start()
    try:
        # Nothing reads the notification the store sends for this upload: it is lost.
        store.put(
            settings.s3_bucket,
            "in/lost while the broker was down.txt",
            LETTER.read_bytes(),
            "text/plain",
        )
        stored = store.head(settings.s3_bucket, "in/lost while the broker was down.txt")
        deadline = time.monotonic() + 60
        while not metrics.registry.get_sample_value("imr_reconcile_announced_total") and (
            time.monotonic() < deadline
        ):
            time.sleep(0.2)
        announced_after = passes()
        while passes() < announced_after + 2 and time.monotonic() < deadline:
            time.sleep(0.2)  # two more passes: the letter is announced, so not again
    finally:
        stop.set()
        loop.join(30)

    assert not loop.is_alive()
    assert passes("failed") == 0 and metrics.ready
    [event] = received(settings)
    source = event.data.source
    assert source.letter_id == source_object(stored).letter_id
    assert (source.received_at, source.event_name) == (stored.last_modified, EVENT_NAME)
    assert (source.size, source.content_type) == (stored.size, stored.content_type)


def test_reconcile_as_a_service_recovers_a_lost_notification_and_stops_on_sigterm(
    settings: Settings,
) -> None:
    """`imr reconcile --every` announces a letter whose notification never came, with no one
    running it by hand, and ends cleanly on SIGTERM."""
    store = S3ObjectStore.from_settings(settings)
    lost = store.put(settings.s3_bucket, "in/lost.txt", LETTER.read_bytes(), "text/plain")
    imr = Path(sys.executable).with_name("imr")
    service = subprocess.Popen(
        [str(imr), "reconcile", "--every", "1", "--min-age", "0", "--prefix", "in/"],
        env={**worker_env(settings), "IMR_LOG_LEVEL": "INFO"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        announced: list[LetterReceived] = []
        while not announced and time.monotonic() < deadline:
            announced = received(settings)
        assert [e.data.source.key for e in announced][:1] == [lost.key]
    finally:
        service.send_signal(signal.SIGTERM)
        _, err = service.communicate(timeout=60)
    assert service.returncode == 0, err[-2000:]
    assert "reconcile pass done" in err
    assert "patient" not in err.lower()
