"""Hostile and broken inputs through the four ``imr worker`` processes on the real services.

Every case is a document in the bucket (or a raw record on the notifications topic) plus the
outcome it must reach: a dead letter of the named stage with one of the named reasons
(``imr.dlq.stage`` / ``imr.dlq.reason`` / ``imr.dlq.attempt`` headers), or a determination
(``valid`` or ``needs_review``). Notifications are AWS S3 event records that the run publishes
itself on a topic of its own, so a case is announced exactly when it is ready (an object
deleted or overwritten *after* its notification needs that). After each case the run notes
how long it took and the resident and peak memory of the worker that handled it; the suite
ends with a good letter, which must still become a determination.

``tests/integration/test_bad_inputs.py`` asserts on the same cases; this module also writes
them as a report: ``.venv/bin/python -m benchmarks.bad_inputs [--bomb-mib 1024]``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote_plus

from benchmarks.pipeline import (
    OutcomeReader,
    WorkerPool,
    peak_kib,
    pipeline_settings,
    prepare,
    reset_peak,
    rss_kib,
    run_name,
    stop_on_sigterm,
    worker_env,
)
from benchmarks.reporting import REPO, RESULTS, markdown_table, plot_bars, write_report
from benchmarks.services import Services, shared_services
from schemas.events import DeterminationExtracted, from_kafka
from schemas.source import letter_id_for
from tests.fixtures.bad_inputs.generate import (
    flate_bomb_pdf,
    many_pages_pdf,
    oversized,
    png_bytes,
)
from workers.config import STAGES, Settings, Stage
from workers.observability.logs import configure_logging
from workers.runtime import KafkaTransport, Message, Output, Producer
from workers.runtime.dead_letter import DLQ_ATTEMPT, DLQ_REASON, DLQ_STAGE
from workers.storage import ObjectInfo, S3ObjectStore, s3_client

FIXTURES = REPO / "tests" / "fixtures"
BROKEN = FIXTURES / "broken"
GOOD_LETTER = FIXTURES / "pdf" / "c_upheld.pdf"
OTHER_LETTER = FIXTURES / "pdf" / "b_single.pdf"
MAX_OBJECT_BYTES = 4 * 1024 * 1024
CASE_TIMEOUT_S = 60.0
RSS_AFTER_LIMIT_KIB = 400 * 1024
"""A worker must give memory back after a hostile document (resident size afterwards)."""


@dataclass(frozen=True)
class Outcome:
    kind: str  # "dead_letter" | "determination"
    stage: str | None
    reason: str
    attempt: int | None
    seconds: float
    headers: dict[str, str] = field(default_factory=dict)
    record: Message | None = None
    """The dead letter as consumed (original key, value and headers plus ``imr.dlq.*``)."""


@dataclass(frozen=True)
class Case:
    """``inject`` puts the case into the pipeline and returns the key its outcome carries."""

    name: str
    inject: Callable[[BadInputRun], str]
    stage: Stage | None
    """Stage that must dead-letter it; ``None``: it must become a determination."""
    reasons: tuple[str, ...] = ()
    """Acceptable ``imr.dlq.reason`` values (or ``needs_review`` reason codes)."""
    needs_review: bool = False

    def accepts(self, outcome: Outcome) -> bool:
        if self.stage is None:
            wanted = "needs_review" if self.needs_review else None
            return outcome.kind == "determination" and (
                wanted is None or outcome.reason.startswith(wanted)
            )
        return (
            outcome.kind == "dead_letter"
            and outcome.stage == self.stage
            and any(outcome.reason.startswith(r) for r in self.reasons)
            and outcome.attempt is not None
            and outcome.attempt >= 1
        )

    def expected(self) -> str:
        if self.stage is None:
            return "needs_review determination" if self.needs_review else "determination"
        return f"{self.stage} dead letter: {' | '.join(self.reasons)}"


class BadInputRun:
    """A pipeline of worker processes on fresh topics and a bucket, with its own notifications
    topic; started on enter, stopped on exit."""

    def __init__(self, services: Services, bomb_bytes: int = 1 << 30) -> None:
        run = run_name("bad")
        self.bomb_bytes = bomb_bytes
        private = Services(services.kafka_bootstrap, services.s3, None, services.origin)
        self.settings: Settings = pipeline_settings(
            private,
            run,
            partitions=1,
            max_object_bytes=MAX_OBJECT_BYTES,
            retry_max_attempts=3,
            retry_base_seconds=0.2,
            shutdown_grace_seconds=5.0,
        )
        self.store: S3ObjectStore = prepare(self.settings)
        self.pool = WorkerPool(worker_env(self.settings))
        self.reader = OutcomeReader(self.settings)
        self.producer: Producer = KafkaTransport(self.settings).producer()
        self.published: dict[bytes, bytes] = {}

    def __enter__(self) -> BadInputRun:
        self.pool.start_pipeline()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.producer.close()
        self.reader.close()
        self.pool.stop()

    # -- injecting ----------------------------------------------------------------------------
    def put(self, key: str, data: bytes, content_type: str = "application/pdf") -> ObjectInfo:
        return self.store.put(self.settings.s3_bucket, key, data, content_type)

    def publish(self, key: str, value: bytes) -> None:
        """Put a raw record on the notifications topic (remembered in :attr:`published`)."""
        self.published[key.encode()] = value
        self.producer.send(Output(self.settings.topic_s3_events, key.encode(), value))
        self.producer.flush()

    def notify(self, info: ObjectInfo) -> str:
        """Announce ``info`` as S3 does (URL-encoded key); returns its letter id."""
        record = {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "eventName": "ObjectCreated:Put",
            "eventTime": datetime.now(UTC).isoformat(),
            "s3": {
                "bucket": {"name": info.bucket, "arn": f"arn:aws:s3:::{info.bucket}"},
                "object": {"key": quote_plus(info.key), "size": info.size, "eTag": info.etag},
            },
        }
        self.publish(info.key, json.dumps({"Records": [record]}).encode())
        return letter_id_for(info.bucket, info.key, None, info.etag)

    def drop(self, key: str, data: bytes, content_type: str = "application/pdf") -> str:
        return self.notify(self.put(key, data, content_type))

    def delete(self, key: str) -> None:
        s3_client(self.settings).delete_object(Bucket=self.settings.s3_bucket, Key=key)

    # -- observing ----------------------------------------------------------------------------
    def wait(self, key: str, began: float, timeout_s: float = CASE_TIMEOUT_S) -> Outcome | None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.reader.poll(0.2)
            for arrival in self.reader.dead_letters:
                if (arrival.message.key or b"").decode(errors="replace") == key:
                    return _dead_letter(arrival.message, arrival.at - began)
            for arrival in self.reader.outputs:
                event = from_kafka(arrival.message.value, arrival.message.headers)
                if isinstance(event, DeterminationExtracted) and event.data.letter_id == key:
                    validation = event.data.validation
                    codes = ",".join(r.code for r in validation.reasons)
                    reason = validation.status + (f":{codes}" if codes else "")
                    return Outcome("determination", None, reason, None, arrival.at - began)
        return None

    def worker_memory(self, stage: str) -> tuple[int | None, int | None]:
        """Resident and peak (VmHWM) KiB of the live worker of ``stage``."""
        for worker in self.pool.alive():
            if worker.stage == stage:
                return rss_kib(worker.process.pid), peak_kib(worker.process.pid)
        return None, None

    def run(self, case: Case) -> tuple[Outcome | None, int | None, int | None]:
        """Inject ``case``; its outcome (``None`` if none came) and the handling worker's
        resident and peak memory afterwards."""
        for worker in self.pool.alive():
            reset_peak(worker.process.pid)
        began = time.time()
        key = case.inject(self)
        outcome = self.wait(key, began)
        stage = (outcome.stage if outcome and outcome.stage else None) or "parse"
        rss, peak = self.worker_memory(stage)
        return outcome, rss, peak


def _dead_letter(message: Message, seconds: float) -> Outcome:
    headers = {k: v.decode(errors="replace") for k, v in message.headers}
    attempt = headers.get(DLQ_ATTEMPT)
    return Outcome(
        "dead_letter",
        headers.get(DLQ_STAGE),
        headers.get(DLQ_REASON, ""),
        int(attempt) if attempt and attempt.isdigit() else None,
        seconds,
        headers,
        message,
    )


def _file(path: Path, content_type: str = "application/pdf") -> Callable[[BadInputRun], str]:
    return lambda run: run.drop(f"cases/{path.name}", path.read_bytes(), content_type)


def _deleted_before_fetch(run: BadInputRun) -> str:
    info = run.put("cases/deleted.pdf", GOOD_LETTER.read_bytes())
    run.delete(info.key)
    return run.notify(info)


def _overwritten_after_notification(run: BadInputRun) -> str:
    first = run.put("cases/overwritten.pdf", GOOD_LETTER.read_bytes())
    run.put("cases/overwritten.pdf", OTHER_LETTER.read_bytes())
    return run.notify(first)


def _raw(name: str, value: bytes) -> Callable[[BadInputRun], str]:
    def inject(run: BadInputRun) -> str:
        run.publish(name, value)
        return name

    return inject


UNKNOWN_VERSION = json.dumps(
    {"version": "9", "events": [{"bucket": "b", "key": "k.pdf", "type": "created"}]}
).encode()

CASES: tuple[Case, ...] = (
    Case(
        "empty object",
        _file(BROKEN / "empty.pdf"),
        "parse",
        ("empty_document",),
    ),
    Case(
        "plain text, not a letter",
        _file(FIXTURES / "letters" / "negative_meeting_notes.txt", "text/plain"),
        "parse",
        ("not_an_imr_letter",),
    ),
    Case(
        "UR letter (not an IMR determination)",
        _file(FIXTURES / "pdf" / "negative_ur_denial.pdf"),
        "parse",
        ("not_an_imr_letter",),
    ),
    Case("image-only PDF", _file(BROKEN / "image_only.pdf"), "parse", ("no_text_layer",)),
    Case("encrypted PDF", _file(BROKEN / "encrypted.pdf"), "parse", ("encrypted",)),
    Case(
        "corrupted PDF",
        _file(BROKEN / "garbage_after_header.pdf"),
        "parse",
        ("corrupt_document",),
    ),
    Case("truncated PDF", _file(BROKEN / "truncated.pdf"), "parse", ("corrupt_document",)),
    Case(
        "500-page PDF",
        lambda run: run.drop("cases/500-pages.pdf", many_pages_pdf(500)),
        "parse",
        ("too_large",),
    ),
    Case(
        "decompression bomb (flate stream)",
        lambda run: run.drop("cases/bomb.pdf", flate_bomb_pdf(run.bomb_bytes)),
        "parse",
        ("too_large",),
    ),
    Case(
        "object over the size limit",
        lambda run: run.drop("cases/oversized.pdf", oversized(MAX_OBJECT_BYTES + 1024)),
        "parse",
        ("too_large",),
    ),
    Case(
        "wrong content type (PNG named .pdf)",
        lambda run: run.drop("cases/picture.pdf", png_bytes(), "image/png"),
        "parse",
        ("unsupported_media_type",),
    ),
    Case(
        "malformed notification",
        _raw("malformed-notification", b'{"Records": [ {"eventName": '),
        "ingest",
        ("malformed_notification",),
    ),
    Case(
        "unknown-version notification",
        _raw("unknown-version-notification", UNKNOWN_VERSION),
        "ingest",
        ("unknown_notification_shape",),
    ),
    Case(
        "key with spaces and unicode",
        lambda run: run.drop("cases/in a+b ü 信 letter.pdf", GOOD_LETTER.read_bytes()),
        None,
    ),
    Case("object deleted before fetch", _deleted_before_fetch, "parse", ("object_missing",)),
    Case(
        "object overwritten after notification",
        _overwritten_after_notification,
        "parse",
        ("object_changed",),
    ),
)
GOOD_AFTERWARDS = Case(
    "good letter after all of them",
    lambda run: run.drop("cases/good-afterwards.pdf", GOOD_LETTER.read_bytes()),
    None,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bomb-mib", type=int, default=1024, help="inflated size of the bomb")
    args = parser.parse_args()
    configure_logging("WARNING")
    stop_on_sigterm()

    services = shared_services()
    rows: list[list[object]] = []
    results: list[dict[str, Any]] = []
    with BadInputRun(services, bomb_bytes=args.bomb_mib << 20) as run:
        for case in (*CASES, GOOD_AFTERWARDS):
            outcome, rss, peak = run.run(case)
            ok = outcome is not None and case.accepts(outcome)
            result: dict[str, Any] = {
                "case": case.name,
                "expected": case.expected(),
                "outcome": outcome.kind if outcome else "none within timeout",
                "stage": outcome.stage if outcome else None,
                "reason": outcome.reason if outcome else None,
                "attempt": outcome.attempt if outcome else None,
                "seconds": round(outcome.seconds, 2) if outcome else None,
                "worker_rss_mib_after": round(rss / 1024, 1) if rss else None,
                "worker_peak_mib": round(peak / 1024, 1) if peak else None,
                "as_expected": ok,
            }
            print(result, flush=True)
            results.append(result)
            rows.append([result[k] for k in result if k != "expected"])
        alive = {stage: bool(run.pool.rss_kib(stage)) for stage in STAGES}
    passed = all(r["as_expected"] for r in results) and all(alive.values())
    payload = {
        "services": services.origin,
        "max_object_bytes": MAX_OBJECT_BYTES,
        "bomb_inflated_mib": args.bomb_mib,
        "results": results,
        "workers_alive_at_end": alive,
        "passed": passed,
    }
    md = "\n\n".join(
        [
            "# Bad inputs through the worker processes",
            f"Four `imr worker` processes on the real broker and S3 server ({services.origin}); "
            f"size limit {MAX_OBJECT_BYTES >> 20} MiB, bomb inflating to {args.bomb_mib} MiB. "
            "Memory is the handling worker's resident size after the case and its peak "
            "(VmHWM, reset before each case) while handling it.",
            markdown_table(
                [
                    "case",
                    "outcome",
                    "stage",
                    "reason",
                    "attempt",
                    "seconds",
                    "RSS after MiB",
                    "peak MiB",
                    "as expected",
                ],
                rows,
            ),
            f"Workers alive at the end: {alive}. Result: "
            f"**{'all as expected' if passed else 'NOT all as expected'}**.",
        ]
    )
    write_report("bad_inputs", payload, md)
    plot_bars(
        RESULTS / "bad_inputs.png",
        "Peak memory of the handling worker, case by case",
        [str(i) for i in range(1, len(results) + 1)],
        [float(r["worker_peak_mib"] or 0) for r in results],
        "peak RSS MiB",
    )
    print(md)


if __name__ == "__main__":
    main()
