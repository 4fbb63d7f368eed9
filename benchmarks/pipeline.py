"""A pipeline of ``imr worker`` processes on unique topics and a fresh bucket, for benchmarks.

:func:`pipeline_settings` names a run's topics, consumer groups and bucket; :class:`WorkerPool`
starts, kills and restarts the stage processes; :class:`OutcomeReader` follows the
determinations and dead-letter topics (``read_committed``) and notes when each record arrived.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.reporting import CORPUS, REPO
from benchmarks.services import Services
from workers.cli.topics import create_topics
from workers.config import STAGES, DeliveryMode, Settings, Stage
from workers.runtime import KafkaTransport, Message
from workers.runtime.transport import Consumer
from workers.storage import S3ObjectStore, s3_client

FIXTURE_PDFS = REPO / "tests" / "fixtures" / "pdf"
IMR = Path(sys.executable).with_name("imr")
NOT_LETTERS = ("negative_",)
"""Fixture PDFs that are deliberately not determination letters."""


def stop_on_sigterm() -> None:
    """Turn SIGTERM into ``SystemExit`` so ``finally`` blocks stop the worker processes."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def letter_files() -> tuple[list[Path], str]:
    """Letter PDFs to upload and where they came from: the corpus when present, else the
    fixture PDFs without the deliberately negative ones."""
    corpus = sorted((CORPUS / "pdf").glob("*.pdf"))
    if corpus:
        return corpus, f"corpus {CORPUS / 'pdf'} ({len(corpus)} PDFs)"
    print(f"corpus not found at {CORPUS / 'pdf'}: using the fixture PDFs in {FIXTURE_PDFS}")
    fixtures = [p for p in sorted(FIXTURE_PDFS.glob("*.pdf")) if not p.name.startswith(NOT_LETTERS)]
    return fixtures, f"fixtures {FIXTURE_PDFS} ({len(fixtures)} PDFs)"


def pipeline_settings(
    services: Services,
    run: str,
    *,
    mode: DeliveryMode = "at_least_once",
    partitions: int = 4,
    **overrides: Any,
) -> Settings:
    """Settings with topics, groups and bucket named after ``run``. The notifications topic is
    the S3 server's when it publishes one (shared by every bucket), else a topic of the run."""
    s3 = services.s3
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": services.kafka_bootstrap,
        "group_id_prefix": run,
        "delivery_mode": mode,
        "s3_endpoint_url": s3.endpoint_url,
        "s3_region": s3.region,
        "s3_access_key_id": s3.access_key,
        "s3_secret_access_key": s3.secret_key,
        "s3_bucket": run,
        "topic_s3_events": services.s3_events_topic or f"{run}.s3-events",
        "topic_letters_received": f"{run}.received",
        "topic_letters_ocr": f"{run}.ocr",
        "topic_letters_parsed": f"{run}.parsed",
        "topic_letters_validated": f"{run}.validated",
        "topic_determinations": f"{run}.determinations",
        "topic_dlq_template": run + ".{stage}.dlq",
        "topic_replay_ledger_template": run + ".{stage}.dlq.replayed",
        "topic_partitions": partitions,
        "http_port": 0,
        "log_level": "WARNING",
    }
    return Settings(**(values | overrides))


def run_name(kind: str) -> str:
    """A unique, valid topic prefix and bucket name: ``b-<kind>-<8 hex>``."""
    return f"b-{kind}-{os.urandom(4).hex()}"


def prepare(settings: Settings) -> S3ObjectStore:
    """Create the run's topics and bucket; return a store for uploads."""
    statuses = create_topics(settings)
    bad = {t: s for t, s in statuses.items() if s not in ("created", "exists")}
    if bad:
        raise RuntimeError(f"topics not created: {bad}")
    client = s3_client(settings)
    client.create_bucket(Bucket=settings.s3_bucket)
    return S3ObjectStore(client)


_FORWARDED_SETTINGS = (
    "kafka_bootstrap_servers",
    "group_id_prefix",
    "delivery_mode",
    "s3_endpoint_url",
    "s3_region",
    "s3_access_key_id",
    "s3_bucket",
    "topic_s3_events",
    "topic_letters_received",
    "topic_letters_ocr",
    "topic_letters_parsed",
    "topic_letters_validated",
    "topic_determinations",
    "topic_dlq_template",
    "topic_replay_ledger_template",
    "topic_partitions",
    "max_poll_records",
    "retry_max_attempts",
    "retry_base_seconds",
    "retry_max_seconds",
    "shutdown_grace_seconds",
    "max_object_bytes",
    "max_pages",
    "http_port",
    "log_level",
)
"""Settings passed to worker processes, as ``IMR_<NAME>`` variables."""


def worker_env(settings: Settings) -> dict[str, str]:
    """The process environment that makes ``imr`` see ``settings`` (and no other ``IMR_*``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMR_")}
    for name in _FORWARDED_SETTINGS:
        value = getattr(settings, name)
        if value is not None:
            env[f"IMR_{name.upper()}"] = str(value)
    secret = settings.s3_secret_access_key
    if secret is not None:
        env["IMR_S3_SECRET_ACCESS_KEY"] = secret.get_secret_value()
    return env


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time ``pid`` has used so far, ``None`` once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _status_kib(pid: int, field: str) -> int | None:
    """A ``kB`` field of ``/proc/<pid>/status``, ``None`` once the process is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return None


def rss_kib(pid: int) -> int | None:
    """Resident set size of ``pid`` in KiB."""
    return _status_kib(pid, "VmRSS")


def peak_kib(pid: int) -> int | None:
    """Peak resident set size (``VmHWM``) of ``pid`` in KiB since start or :func:`reset_peak`."""
    return _status_kib(pid, "VmHWM")


def reset_peak(pid: int) -> None:
    """Start a new peak measurement for ``pid`` (Linux: ``5`` written to ``clear_refs``)."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


@dataclass
class Worker:
    stage: Stage
    index: int
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class WorkerPool:
    """``imr worker STAGE`` processes with one environment; logs go to ``log_dir``.

    With ``static`` every worker gets ``IMR_INSTANCE_ID=<stage>-<slot>`` and a replacement
    reuses its predecessor's slot, as a restarted container or a StatefulSet pod would: it takes
    the partitions back at once and fences the predecessor's open transaction. Otherwise every
    process gets an id of its own (``<stage>-<slot>-<random>``), as a pod rescheduled under a
    new name would (and so that workers of one stage on this host never share the host name).
    """

    env: dict[str, str]
    static: bool = False
    log_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="imr-workers-")))
    workers: list[Worker] = field(default_factory=list)
    kills: int = 0
    restarts: int = 0

    def start(self, stage: Stage, count: int = 1) -> list[Worker]:
        slots = [w.index for w in self.workers if w.stage == stage]
        first = max(slots, default=-1) + 1
        return [self._spawn(stage, slot) for slot in range(first, first + count)]

    def _spawn(self, stage: Stage, slot: int) -> Worker:
        env = dict(self.env)
        instance = f"{stage}-{slot}"
        env["IMR_INSTANCE_ID"] = instance if self.static else f"{instance}-{os.urandom(4).hex()}"
        log = self.log_dir / f"{stage}-{slot}.log"
        with log.open("ab") as sink:
            process = subprocess.Popen(
                [str(IMR), "worker", stage],
                env=env,
                cwd=self.log_dir,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(stage, slot, process, log)
        self.workers.append(worker)
        return worker

    def replace(self, worker: Worker) -> Worker:
        """Start a new process in ``worker``'s slot (after it was killed or exited)."""
        self.workers.remove(worker)
        return self._spawn(worker.stage, worker.index)

    def start_pipeline(self, stages: Sequence[Stage] = STAGES) -> None:
        for stage in stages:
            self.start(stage)

    def alive(self) -> list[Worker]:
        return [w for w in self.workers if w.process.poll() is None]

    def dead(self) -> list[Worker]:
        """Workers that exited although nobody killed them (their log explains why); killed
        workers are replaced at once and no longer listed."""
        return [w for w in self.workers if w.process.poll() is not None]

    def kill_random(self, rng: random.Random, stage: Stage | None = None) -> Worker:
        """SIGKILL one live worker (of ``stage``, if given) and start its replacement."""
        candidates = [w for w in self.alive() if stage is None or w.stage == stage]
        victim = rng.choice(candidates)
        victim.process.kill()
        victim.process.wait()
        self.kills += 1
        return self.replace(victim)

    def restart_exited(self) -> list[Worker]:
        """Replace workers that exited on their own, as a supervisor would; returns them."""
        exited = self.dead()
        for worker in exited:
            self.restarts += 1
            self.replace(worker)
        return exited

    def rss_kib(self, stage: Stage) -> list[int]:
        return [r for w in self.alive() if w.stage == stage for r in [rss_kib(w.process.pid)] if r]

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM every worker, SIGKILL what outlives ``timeout_s``."""
        for worker in self.alive():
            worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for worker in self.workers:
            try:
                worker.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()

    def tail(self, worker: Worker, chars: int = 2000) -> str:
        return worker.log.read_text(errors="replace")[-chars:]


@dataclass(frozen=True, slots=True)
class Arrival:
    message: Message
    at: float
    """``time.time()`` when the reader got it."""


READER_READY_S = 30.0
"""How long a reader waits for the topics it follows to show in the broker's metadata."""


def _reader_of(transport: KafkaTransport, topics: Sequence[str]) -> Consumer:
    """A group-less ``read_committed`` consumer of every partition of ``topics``. A group-less
    consumer takes the partitions the broker's metadata lists when it starts, and a topic
    created a moment before may not be listed yet: it is made again until every topic is."""
    deadline = time.monotonic() + READER_READY_S
    while True:
        consumer = transport.consumer(topics, None, read_committed=True)
        assigned = {tp.topic for tp in consumer.assignment()}
        if assigned >= set(topics) or time.monotonic() > deadline:
            return consumer
        consumer.close()
        time.sleep(0.5)


class OutcomeReader:
    """Follows an output topic (the determinations by default) and the dead-letter topics of
    ``stages`` (every stage by default), ``read_committed``, without a consumer group (from the
    start of each partition)."""

    def __init__(
        self, settings: Settings, *, output: str | None = None, stages: Sequence[Stage] = STAGES
    ) -> None:
        self.output = output or settings.topic_determinations
        topics = [self.output, *(settings.dlq_topic(stage) for stage in stages)]
        self._consumer: Consumer = _reader_of(KafkaTransport(settings), topics)
        self.outputs: list[Arrival] = []
        self.dead_letters: list[Arrival] = []

    def poll(self, timeout_s: float = 0.2) -> int:
        batch = self._consumer.poll(timeout_s, 500)
        now = time.time()
        for message in batch:
            arrival = Arrival(message, now)
            if message.topic == self.output:
                self.outputs.append(arrival)
            else:
                self.dead_letters.append(arrival)
        return len(batch)

    def settled(self) -> int:
        return len(self.outputs) + len(self.dead_letters)

    def wait_for(self, count: int, timeout_s: float, quiet_s: float = 0.0) -> bool:
        """Read until ``count`` records settled and nothing new came for ``quiet_s``; returns
        whether ``count`` was reached before ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        last_new = time.monotonic()
        while time.monotonic() < deadline:
            if self.poll(0.3):
                last_new = time.monotonic()
            if self.settled() >= count and time.monotonic() - last_new >= quiet_s:
                return True
        return self.settled() >= count

    def close(self) -> None:
        self._consumer.close()
