"""The whole pipeline as five OS processes against the real broker and S3 server.

Letters are uploaded to a fresh bucket; the S3 server's bucket notification (published to its
Kafka events topic) drives ``ingest``, which feeds ``parse``, ``validate`` and ``enrich``, each
an ``imr worker`` process with its own consumer group; parse routes a scanned letter (made at
test time) to the ``ocr`` worker, which hands it back with its page text. Where the server
publishes no notifications, ``imr reconcile`` announces the uploaded letters instead (the test
says so).
Runs once per delivery mode (at least once, and exactly once with transactions).

Checked: exactly one schema-valid determination per good letter (read ``read_committed``) with
the expected case number and item outcomes; every document that is not a letter dead-lettered
once with its reason; no letter text in any worker's output; ``imr reconcile --dry-run``
afterwards finds nothing to announce; SIGTERM stops every worker cleanly.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from benchmarks.pipeline import pipeline_settings, prepare, worker_env
from benchmarks.services import Services
from schemas.events import DeterminationExtracted, SourceObject, from_kafka
from tests.fixtures.scans import scanned
from workers.config import STAGES, DeliveryMode, Settings
from workers.ocr import default_engine
from workers.runtime import KafkaTransport, Message
from workers.runtime.dead_letter import DLQ_REASON, DLQ_STAGE

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
SHARED_CORPUS = REPO.parent / "shared" / "corpus" / "dwc-imr-2016"
DETERMINATION_DATA_SCHEMA = (
    REPO / "schemas" / "json" / "determination.extracted.v1.data.schema.json"
)
SCANNED = "c_upheld"
"""The fixture letter also uploaded as a scan (two pages)."""
GOLD_EVERY = 6
"""Every sixth gold letter (5 of 30): single- and multi-item, upheld and overturned."""
PIPELINE_TIMEOUT_S = 240.0
QUIET_PERIOD_S = 5.0
"""How long to keep reading after everything arrived, to catch duplicates."""
STOP_TIMEOUT_S = 30.0
CLI = [sys.executable, "-c", "from workers.cli import main; raise SystemExit(main())"]


@dataclass(frozen=True)
class Expected:
    """What one uploaded document should become."""

    name: str
    case_number: str | None = None
    outcomes: tuple[str, ...] = ()
    treatments: tuple[str, ...] = ()
    error: str | None = None
    failing_stage: str = "parse"


def fixture_letters() -> list[tuple[Path, Expected]]:
    """Every fixture letter, as text and as PDF, with its expected record or failure reason."""
    found = []
    for expected_file in sorted((FIXTURES / "letters").glob("*.expected.json")):
        stem = expected_file.name.removesuffix(".expected.json")
        answer = json.loads(expected_file.read_text())
        for path in (FIXTURES / "letters" / f"{stem}.txt", FIXTURES / "pdf" / f"{stem}.pdf"):
            if path.is_file():
                found.append((path, expected_from(path.name, answer)))
    return found


def scanned_letter(folder: Path) -> tuple[Path, Expected]:
    """A scan of a fixture letter, made now: the ocr stage reads it (or, with no OCR engine
    installed, dead-letters it as ``no_text_layer``)."""
    path = folder / f"{SCANNED}-scan.pdf"
    path.write_bytes(scanned((FIXTURES / "pdf" / f"{SCANNED}.pdf").read_bytes()))
    if default_engine() is None:
        return path, Expected(path.name, error="no_text_layer", failing_stage="ocr")
    answer = json.loads((FIXTURES / "letters" / f"{SCANNED}.expected.json").read_text())
    return path, expected_from(path.name, answer)


def gold_letters() -> list[tuple[Path, Expected]]:
    gold = sorted((SHARED_CORPUS / "gold").glob("*.json"))[::GOLD_EVERY]
    return [
        (SHARED_CORPUS / "pdf" / f"{path.stem}.pdf", expected_from(f"{path.stem}.pdf", answer))
        for path in gold
        for answer in [json.loads(path.read_text())]
    ]


def expected_from(name: str, answer: dict[str, Any]) -> Expected:
    if "error" in answer:
        return Expected(name, error=answer["error"])
    items = answer["items"]
    return Expected(
        name,
        case_number=answer["case_number"],
        outcomes=tuple(item["outcome"] for item in items),
        treatments=tuple(item["treatment"] for item in items),
    )


@dataclass
class Worker:
    stage: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def workers_running(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], list[Worker]]]:
    """Starts ``imr worker STAGE`` processes; always stops them (SIGTERM, then SIGKILL)."""
    started: list[Worker] = []

    def start(env: dict[str, str]) -> list[Worker]:
        for stage in STAGES:
            log = tmp_path / f"{stage}.log"
            with log.open("wb") as sink:
                process = subprocess.Popen(
                    [*CLI, "worker", stage],
                    env=env,
                    cwd=tmp_path,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                )
            started.append(Worker(stage, process, log))
        return started

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.send_signal(signal.SIGTERM)
    for worker in started:
        try:
            worker.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()


def run_cli(env: dict[str, str], cwd: Path, *args: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        [*CLI, *args], env=env, cwd=cwd, capture_output=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    return [json.loads(line) for line in done.stdout.decode().splitlines() if line.strip()]


@dataclass
class Outcomes:
    determinations: list[Message]
    dead_letters: list[Message]

    def settled(self) -> int:
        return len(self.determinations) + len(self.dead_letters)


def read_outcomes(settings: Settings, expected_count: int, timeout_s: float) -> Outcomes:
    """Determinations and dead letters, ``read_committed``, until ``expected_count`` have
    arrived and nothing more came for :data:`QUIET_PERIOD_S` (or ``timeout_s`` passed)."""
    topics = [settings.topic_determinations, *map(settings.dlq_topic, STAGES)]
    consumer = KafkaTransport(settings).consumer(topics, None, read_committed=True)
    found = Outcomes([], [])
    deadline = time.monotonic() + timeout_s
    quiet_since: float | None = None
    try:
        while time.monotonic() < deadline:
            batch = consumer.poll(0.5, 500)
            for message in batch:
                if message.topic == settings.topic_determinations:
                    found.determinations.append(message)
                else:
                    found.dead_letters.append(message)
            if batch or found.settled() < expected_count:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= QUIET_PERIOD_S:
                break
    finally:
        consumer.close()
    return found


def name_of(message: Message, expected: dict[str, Expected]) -> str:
    key = (message.key or b"").decode(errors="replace")
    return expected[key].name if key in expected else f"record keyed {key!r}"


def dead_letter(message: Message) -> str:
    stage = (message.header(DLQ_STAGE) or b"").decode()
    return f"{stage} dead letter: {(message.header(DLQ_REASON) or b'').decode()}"


@pytest.mark.parametrize("delivery_mode", ["at_least_once", "exactly_once"])
def test_letters_dropped_in_the_bucket_become_one_determination_each(
    delivery_mode: DeliveryMode,
    request: pytest.FixtureRequest,
    kafka_bootstrap: str,
    s3_endpoint: Any,
    unique_name: Callable[[str], str],
    workers_running: Callable[[dict[str, str]], list[Worker]],
    tmp_path: Path,
) -> None:
    try:
        events_topic: str | None = request.getfixturevalue("s3_events_topic")
    except pytest.skip.Exception:
        events_topic = None
    services = Services(kafka_bootstrap, s3_endpoint, events_topic, origin="test services")
    settings = pipeline_settings(
        services,
        unique_name("e2e"),
        mode=delivery_mode,
        partitions=2,
        retry_max_attempts=3,
        retry_base_seconds=0.2,
        shutdown_grace_seconds=5.0,
        log_level="INFO",  # the letter-text check below reads the workers' INFO logs too
    )
    store = prepare(settings)
    # IMR_OCR=off reaches the workers too, so the scan's expected outcome matches what they do.
    env = worker_env(settings) | {k: v for k, v in os.environ.items() if k == "IMR_OCR"}

    documents = [*fixture_letters(), scanned_letter(tmp_path)]
    if SHARED_CORPUS.is_dir():
        documents += gold_letters()
    else:
        warnings.warn(f"corpus letters skipped: {SHARED_CORPUS} not found", stacklevel=1)
    assert documents, "no fixture letters found"

    workers = workers_running(env)
    expected: dict[str, Expected] = {}
    for path, answer in documents:
        content_type = "application/pdf" if path.suffix == ".pdf" else "text/plain"
        stored = store.put(settings.s3_bucket, path.name, path.read_bytes(), content_type)
        letter = SourceObject(
            bucket=stored.bucket, key=stored.key, version_id=stored.version_id, etag=stored.etag
        )
        expected[letter.letter_id] = answer

    if events_topic is None:
        warnings.warn("S3 server sends no notifications: imr reconcile announces", stacklevel=1)
        announced = run_cli(env, tmp_path, "reconcile")
        assert {line["letter_id"] for line in announced} == set(expected)

    outcomes = read_outcomes(settings, len(expected), PIPELINE_TIMEOUT_S)
    for worker in workers:
        assert worker.process.poll() is None, f"{worker.stage} exited:\n{worker.output()[-3000:]}"

    data_schema = json.loads(DETERMINATION_DATA_SCHEMA.read_text())
    determinations = []
    for message in outcomes.determinations:
        jsonschema.validate(json.loads(message.value), data_schema)
        event = from_kafka(message.value, message.headers)
        assert isinstance(event, DeterminationExtracted)
        determinations.append(event)

    # The events topic is shared by every bucket of the server: only our bucket's failures count.
    ours = [
        m
        for m in outcomes.dead_letters
        if (m.key or b"").decode() in expected or settings.s3_bucket.encode() in m.value
    ]
    results = [(expected[e.data.letter_id].name, "determination") for e in determinations]
    results += [(name_of(m, expected), dead_letter(m)) for m in ours]
    repeated = Counter(name for name, _ in results) - Counter(a.name for a in expected.values())
    assert not repeated, f"settled more than once: {sorted(repeated)}"
    assert dict(results) == {
        a.name: "determination" if a.error is None else f"{a.failing_stage} dead letter: {a.error}"
        for a in expected.values()
    }

    for event in determinations:
        answer, data = expected[event.data.letter_id], event.data
        assert event.subject == data.case_number, answer.name
        assert data.case_number == answer.case_number, answer.name
        assert tuple(item.outcome for item in data.items) == answer.outcomes, answer.name
        assert data.source.sha256 is not None and data.source.key == answer.name
        assert data.validation.status in ("valid", "needs_review"), answer.name

    logs = "\n".join(worker.output() for worker in workers)
    leaked = [t for a in expected.values() for t in a.treatments if len(t) > 20 and t in logs]
    assert not leaked, "letter text in worker output"

    assert run_cli(env, tmp_path, "reconcile", "--dry-run") == []

    for worker in workers:
        worker.process.send_signal(signal.SIGTERM)
    for worker in workers:
        code = worker.process.wait(STOP_TIMEOUT_S)
        assert code == 0, f"{worker.stage} exit {code}:\n{worker.output()[-3000:]}"
