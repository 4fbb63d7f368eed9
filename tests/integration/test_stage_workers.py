"""Each stage's handler run by the stage runtime against the real broker and S3 server."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from benchmarks.pipeline import pipeline_settings, prepare, worker_env
from benchmarks.services import Services
from schemas.events import (
    AnyEvent,
    DeterminationExtracted,
    LetterParsed,
    LetterParsedData,
    LetterReceived,
    LetterValidated,
    SourceObject,
    from_kafka,
)
from tests.fixtures.scans import scanned
from workers.config import Settings, Stage
from workers.extraction import EXTRACTOR_VERSION, extract
from workers.ocr import default_engine
from workers.runtime import KafkaTransport, Message, Output, StageRunner
from workers.runtime.dead_letter import DLQ_REASON
from workers.runtime.replay import drain
from workers.stages import build_handler, received_event, source_object
from workers.stages.codec import emit
from workers.storage import ObjectInfo, S3ObjectStore, s3_client

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LETTER = FIXTURES / "letters" / "a2014_two_items.txt"
LETTER_PDF = FIXTURES / "pdf" / "a2016_three_items.pdf"
NOT_A_LETTER = FIXTURES / "letters" / "negative_meeting_notes.txt"
CLI = [sys.executable, "-c", "from workers.cli import main; raise SystemExit(main())"]
WAIT_S = 60.0


@dataclass
class Pipeline:
    """Unique topics and a fresh bucket on the real services, and ways to drive one stage."""

    settings: Settings
    store: S3ObjectStore

    def upload(self, path: Path, key: str | None = None) -> ObjectInfo:
        content_type = "application/pdf" if path.suffix == ".pdf" else "text/plain"
        return self.store.put(
            self.settings.s3_bucket, key or path.name, path.read_bytes(), content_type
        )

    def publish(self, topic: str, *events: AnyEvent) -> None:
        producer = KafkaTransport(self.settings).producer()
        for event in events:
            producer.send(emit(topic, event))
        producer.flush()
        producer.close()

    def read(self, topic: str) -> list[Message]:
        consumer = KafkaTransport(self.settings).consumer([topic], None, read_committed=True)
        try:
            return [m for batch in drain(consumer, timeout_s=30) for m in batch]
        finally:
            consumer.close()

    def run(self, stage: Stage, until: Callable[[], bool]) -> None:
        """Run ``stage`` in a thread until ``until()`` holds (checked every half second)."""
        topic, handler = build_handler(stage, self.settings)
        runner = StageRunner(stage, topic, handler, KafkaTransport(self.settings), self.settings)
        thread = threading.Thread(target=runner.run, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + WAIT_S
            while not until():
                assert time.monotonic() < deadline, f"{stage} did not finish in {WAIT_S}s"
                assert thread.is_alive(), f"{stage} runner died"
                time.sleep(0.5)
        finally:
            runner.stop()
            thread.join(30)


def events(messages: list[Message]) -> list[AnyEvent]:
    return [from_kafka(m.value, m.headers) for m in messages]


def letter_id(info: ObjectInfo) -> str:
    return source_object(info).letter_id


@pytest.fixture
def pipeline(kafka_bootstrap: str, s3_endpoint: Any, unique_name: Callable[[str], str]) -> Pipeline:
    services = Services(kafka_bootstrap, s3_endpoint, None, origin="test services")
    settings = pipeline_settings(
        services,
        unique_name("stage"),
        partitions=2,
        retry_max_attempts=2,
        retry_base_seconds=0.05,
    )
    return Pipeline(settings, prepare(settings))


# -- ingest ---------------------------------------------------------------------------------


def test_ingest_turns_real_bucket_notifications_into_received_events(
    pipeline: Pipeline, s3_events_topic: str
) -> None:
    settings = pipeline.settings = pipeline.settings.model_copy(
        update={"topic_s3_events": s3_events_topic}
    )
    letters = [
        pipeline.upload(LETTER, "in/Final Determination+copy (1).txt"),
        pipeline.upload(LETTER_PDF),
    ]
    pipeline.upload(LETTER, "notes.docx")
    received = settings.topic_letters_received

    pipeline.run("ingest", until=lambda: len(pipeline.read(received)) >= len(letters))

    found = events(pipeline.read(received))
    assert all(isinstance(e, LetterReceived) for e in found)
    by_id = {e.data.letter_id: e.data.source for e in found if isinstance(e, LetterReceived)}
    assert set(by_id) == {letter_id(info) for info in letters}
    assert {source.key for source in by_id.values()} == {info.key for info in letters}
    assert all("ObjectCreated" in (source.event_name or "") for source in by_id.values())


def test_multipart_uploads_and_copies_are_announced_and_read_back(
    pipeline: Pipeline, s3_events_topic: str
) -> None:
    settings = pipeline.settings = pipeline.settings.model_copy(
        update={"topic_s3_events": s3_events_topic}
    )
    client, bucket = s3_client(settings), settings.s3_bucket
    upload = client.create_multipart_upload(Bucket=bucket, Key="multipart.pdf")
    part = client.upload_part(
        Bucket=bucket,
        Key="multipart.pdf",
        UploadId=upload["UploadId"],
        PartNumber=1,
        Body=LETTER_PDF.read_bytes(),
    )
    client.complete_multipart_upload(
        Bucket=bucket,
        Key="multipart.pdf",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )
    source = pipeline.upload(LETTER_PDF, "original.pdf")
    client.copy_object(
        Bucket=bucket, Key="copy.pdf", CopySource={"Bucket": bucket, "Key": source.key}
    )
    received, parsed = settings.topic_letters_received, settings.topic_letters_parsed

    pipeline.run("ingest", until=lambda: len(pipeline.read(received)) >= 3)
    pipeline.run("parse", until=lambda: len(pipeline.read(parsed)) >= 3)

    found = events(pipeline.read(parsed))
    assert sorted(e.data.source.key for e in found if isinstance(e, LetterParsed)) == [
        "copy.pdf",
        "multipart.pdf",
        "original.pdf",
    ]
    assert all(
        isinstance(e, LetterParsed) and e.data.record == extract(LETTER_PDF.read_bytes())
        for e in found
    )
    assert pipeline.read(settings.dlq_topic("parse")) == []


def test_ingest_passes_submitted_events_through(pipeline: Pipeline) -> None:
    settings = pipeline.settings
    submitted = received_event(
        SourceObject(bucket=settings.s3_bucket, key="x.pdf", etag="e1"), event_source="/test"
    )
    pipeline.publish(settings.topic_s3_events, submitted)
    malformed = Output(settings.topic_s3_events, None, b"{not json")
    producer = KafkaTransport(settings).producer()
    producer.send(malformed)
    producer.flush()
    producer.close()
    dlq = settings.dlq_topic("ingest")

    pipeline.run("ingest", until=lambda: bool(pipeline.read(dlq)))

    [passed] = events(pipeline.read(settings.topic_letters_received))
    assert (passed.id, passed.data) == (submitted.id, submitted.data)
    [dead] = pipeline.read(dlq)
    assert (dead.value, dead.header(DLQ_REASON)) == (b"{not json", b"malformed_notification")


def test_submit_uploads_and_announces_with_the_notification_letter_id(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    settings = pipeline.settings
    env = worker_env(settings)
    done = subprocess.run(
        [
            *CLI,
            "submit",
            str(LETTER),
            str(LETTER_PDF),
            "--bucket",
            settings.s3_bucket,
            "--key-prefix",
            "in/",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    printed = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [line["key"] for line in printed] == [f"in/{LETTER.name}", f"in/{LETTER_PDF.name}"]

    stored = {info.key: info for info in pipeline.store.list(settings.s3_bucket)}
    assert stored[f"in/{LETTER.name}"].size == LETTER.stat().st_size
    announced = events(pipeline.read(settings.topic_letters_received))
    assert {e.data.letter_id for e in announced if isinstance(e, LetterReceived)} == {
        letter_id(pipeline.store.head(settings.s3_bucket, key)) for key in stored
    }
    assert {line["letter_id"] for line in printed} == {
        e.data.letter_id for e in announced if isinstance(e, LetterReceived)
    }


# -- parse ----------------------------------------------------------------------------------


def test_parse_reads_announced_versions_and_dead_letters_what_it_cannot(
    pipeline: Pipeline,
) -> None:
    settings, bucket = pipeline.settings, pipeline.settings.s3_bucket
    good = pipeline.upload(LETTER_PDF)
    overwritten = pipeline.upload(LETTER, "overwritten.txt")
    pipeline.store.put(bucket, "overwritten.txt", b"replaced", "text/plain")
    not_a_letter = pipeline.upload(NOT_A_LETTER)
    missing = SourceObject(bucket=bucket, key="never-uploaded.pdf", etag="0" * 32)

    announced = [
        received_event(source_object(good)),
        received_event(source_object(overwritten)),
        received_event(source_object(not_a_letter)),
        received_event(missing),
    ]
    pipeline.publish(settings.topic_letters_received, *announced)
    parsed_topic, dlq = settings.topic_letters_parsed, settings.dlq_topic("parse")

    pipeline.run(
        "parse", until=lambda: len(pipeline.read(parsed_topic)) + len(pipeline.read(dlq)) >= 4
    )

    [parsed] = events(pipeline.read(parsed_topic))
    assert isinstance(parsed, LetterParsed)
    assert parsed.data.letter_id == announced[0].data.letter_id
    assert parsed.data.record == extract(LETTER_PDF.read_bytes())
    assert parsed.data.source.sha256 is not None
    reasons = {m.key: m.header(DLQ_REASON) for m in pipeline.read(dlq)}
    assert reasons == {
        announced[1].data.letter_id.encode(): b"object_changed",
        announced[2].data.letter_id.encode(): b"not_an_imr_letter",
        announced[3].data.letter_id.encode(): b"object_missing",
    }


# -- ocr ------------------------------------------------------------------------------------


def test_parse_routes_a_scan_to_ocr_which_hands_it_back_read(pipeline: Pipeline) -> None:
    engine = default_engine()
    if engine is None:
        pytest.skip("no OCR engine installed (tesseract with English data)")
    settings = pipeline.settings
    scan = scanned(LETTER_PDF.read_bytes())
    info = pipeline.store.put(settings.s3_bucket, "in/scan.pdf", scan, "application/pdf")
    announced = received_event(source_object(info))
    pipeline.publish(settings.topic_letters_received, announced)
    received, requested = settings.topic_letters_received, settings.topic_letters_ocr
    parsed_topic = settings.topic_letters_parsed

    pipeline.run("parse", until=lambda: bool(pipeline.read(requested)))
    [routed] = events(pipeline.read(requested))
    assert (routed.id, routed.data) == (announced.id, announced.data)

    pipeline.run("ocr", until=lambda: len(pipeline.read(received)) >= 2)
    [_, back] = events(pipeline.read(received))
    assert isinstance(back, LetterReceived) and back.data.ocr is not None
    assert back.data.source == announced.data.source
    assert (back.data.ocr.engine, [p.page for p in back.data.ocr.pages]) == (engine.name, [1, 2])

    pipeline.run("parse", until=lambda: bool(pipeline.read(parsed_topic)))
    [parsed] = events(pipeline.read(parsed_topic))
    assert isinstance(parsed, LetterParsed)
    assert parsed.data.record == extract(scan, ocr=engine)
    assert len(pipeline.read(requested)) == 1
    assert pipeline.read(settings.dlq_topic("parse")) == []
    assert pipeline.read(settings.dlq_topic("ocr")) == []


# -- validate and enrich ----------------------------------------------------------------------


def parsed_event(key: str, **record_changes: Any) -> LetterParsed:
    source = SourceObject(bucket="drop", key=key)
    record = extract(LETTER.read_bytes()).model_copy(update=record_changes)
    data = LetterParsedData(
        letter_id=source.letter_id,
        source=source,
        record=record,
        extractor_version=EXTRACTOR_VERSION,
    )
    return LetterParsed(source="/test", data=data)


def test_validate_then_enrich_publish_the_determination_keyed_by_case_number(
    pipeline: Pipeline,
) -> None:
    settings = pipeline.settings
    good = parsed_event("good.txt")
    blank = [i.model_copy(update={"treatment": ""}) for i in good.data.record.items]
    rejected = parsed_event("rejected.txt", items=blank)
    pipeline.publish(settings.topic_letters_parsed, good, rejected)
    validated, dlq = settings.topic_letters_validated, settings.dlq_topic("validate")

    pipeline.run("validate", until=lambda: bool(pipeline.read(validated) and pipeline.read(dlq)))

    [passed] = events(pipeline.read(validated))
    assert isinstance(passed, LetterValidated)
    assert (passed.data.letter_id, passed.data.validation.status) == (good.data.letter_id, "valid")
    [dead] = pipeline.read(dlq)
    assert (dead.key, dead.header(DLQ_REASON)) == (
        rejected.data.letter_id.encode(),
        b"rejected:items.none",
    )

    determinations = settings.topic_determinations
    pipeline.run("enrich", until=lambda: bool(pipeline.read(determinations)))

    [record] = pipeline.read(determinations)
    [determination] = events([record])
    assert isinstance(determination, DeterminationExtracted)
    assert record.key == b"CM14-0031187"
    assert determination.data.letter_id == good.data.letter_id
    assert [i.outcome for i in determination.data.items] == ["upheld", "overturned"]
