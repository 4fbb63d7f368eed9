"""End-to-end latency from S3 PUT to determination event, at a fixed offered rate, the highest
sustained rate, and text-layer latency while an OCR backlog is worked off.

Every stage runs as a separate ``imr worker`` process (one each) on unique topics and a fresh
bucket. Letters (the corpus PDFs, else the fixture PDFs) are PUT under distinct keys at a fixed
rate; the S3 server's bucket notification to Kafka starts each one. Where the server publishes
no notifications, each PUT is followed by the ``letter.received`` event ``imr submit`` would
publish (the report says so). A reader follows the determinations and dead-letter topics
(``read_committed``); a letter's latency is from the start of its PUT to the arrival of its
determination, matched by the letter id of the stored object version.

Then a step-up, once per number of parse workers (fresh topics each time): the offered rate
rises step by step until a step is not sustained (every letter settled within the drain time
and p99 under the target). CPU per letter is measured per process (each stage's workers, and
the broker and S3 server when they run from the local stack). Last, scans made at run time are
dropped at once and text-layer letters offered at the fixed rate while the ocr worker works
them off, beside the same rate without the backlog.

Targets: p99 < 2 s at 10 letters/s; 100 letters/s sustained.

Usage: ``.venv/bin/python -m benchmarks.latency [--rate 10] [--duration 60]
[--steps 15,20,30,40,60,80,100] [--step-seconds 15] [--parse-workers 1,2,4] [--ocr-backlog 8]``
"""

from __future__ import annotations

import argparse
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

from benchmarks.pipeline import (
    OutcomeReader,
    WorkerPool,
    cpu_seconds,
    letter_files,
    pipeline_settings,
    prepare,
    run_name,
    stop_on_sigterm,
    worker_env,
)
from benchmarks.reporting import (
    RESULTS,
    markdown_table,
    median,
    percentile,
    plot_lines,
    write_report,
)
from benchmarks.services import Services, service_pids, shared_services
from schemas.events import DeterminationExtracted, from_kafka
from tests.fixtures.scans import scanned
from workers.config import STAGES, Settings
from workers.observability.logs import configure_logging
from workers.runtime import KafkaTransport, Message, Producer
from workers.stages import received_event, source_object
from workers.stages.codec import emit
from workers.storage import S3ObjectStore

TARGET_P99_S = 2.0
THROUGHPUT_TARGET = 100.0
"""Letters/s the pipeline should sustain with p99 under the target, on two cores."""
SCAN_DRAIN_S = 600.0
"""How long the scans of the OCR backlog may take to settle."""
READY_TIMEOUT_S = 180.0
DRAIN_S = 20.0


@dataclass
class Sent:
    key: str
    letter_id: str
    put_started: float


class Uploader:
    """PUTs letters under distinct keys; announces them itself when ``producer`` is given."""

    def __init__(
        self,
        store: S3ObjectStore,
        settings: Settings,
        letters: list[tuple[str, bytes]],
        producer: Producer | None,
    ) -> None:
        self.store, self.settings, self.letters, self.producer = store, settings, letters, producer
        self.count = 0
        self.put_seconds: list[float] = []

    def put(self, prefix: str) -> Sent:
        name, data = self.letters[self.count % len(self.letters)]
        key = f"{prefix}/{self.count:05d}-{name}"
        self.count += 1
        began = time.time()
        info = self.store.put(self.settings.s3_bucket, key, data, "application/pdf")
        self.put_seconds.append(time.time() - began)
        source = source_object(info)
        if self.producer is not None:
            self.producer.send(emit(self.settings.topic_letters_received, received_event(source)))
            self.producer.flush()
        return Sent(key, source.letter_id, began)

    def offer(self, prefix: str, rate: float, seconds: float) -> list[Sent]:
        """PUT ``rate`` letters a second for ``seconds`` on a fixed schedule (no catch-up
        bursts beyond the schedule: a late PUT goes out at once, the next keeps its slot)."""
        sent, start, total = [], time.monotonic(), round(rate * seconds)
        for i in range(total):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sent.append(self.put(prefix))
        return sent


class Follower:
    """Reads outcomes on a thread; maps letter id -> arrival time of its first outcome."""

    def __init__(self, settings: Settings) -> None:
        self.reader = OutcomeReader(settings)
        self.arrived: dict[str, tuple[float, str]] = {}
        self.repeats = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        seen_d = seen_l = 0
        while not self._stop.is_set():
            self.reader.poll(0.2)
            fresh = [(a, "determination") for a in self.reader.outputs[seen_d:]]
            fresh += [(a, "dead_letter") for a in self.reader.dead_letters[seen_l:]]
            seen_d, seen_l = len(self.reader.outputs), len(self.reader.dead_letters)
            for arrival, kind in fresh:
                letter_id = _letter_id(arrival.message, kind)
                if letter_id is None:
                    continue
                with self._lock:
                    if letter_id in self.arrived:
                        self.repeats += 1
                    else:
                        self.arrived[letter_id] = (arrival.at, kind)

    def outcome(self, letter_id: str) -> tuple[float, str] | None:
        with self._lock:
            return self.arrived.get(letter_id)

    def wait(self, sent: list[Sent], timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if all(self.outcome(s.letter_id) for s in sent):
                return True
            time.sleep(0.2)
        return False

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.reader.close()


def _letter_id(message: Message, kind: str) -> str | None:
    """The letter an outcome is for: dead letters after ingest keep the letter id as key."""
    if kind == "dead_letter":
        return message.key.decode(errors="replace") if message.key else None
    event = from_kafka(message.value, message.headers)
    return event.data.letter_id if isinstance(event, DeterminationExtracted) else None


def summarise(
    sent: list[Sent], follower: Follower, rate: float, seconds: float
) -> dict[str, object]:
    latencies, dead, missing = [], 0, 0
    for s in sent:
        found = follower.outcome(s.letter_id)
        if found is None:
            missing += 1
        elif found[1] == "determination":
            latencies.append(found[0] - s.put_started)
        else:
            dead += 1
    summary: dict[str, object] = {
        "offered_per_s": rate,
        "seconds": seconds,
        "letters": len(sent),
        "determinations": len(latencies),
        "dead_letters": dead,
        "missing": missing,
    }
    if latencies:
        summary |= {f"p{p}_s": round(percentile(latencies, p), 3) for p in (50, 95, 99)} | {
            "max_s": round(max(latencies), 3)
        }
    return summary


@dataclass
class Pipeline:
    """One run's topics, bucket, workers, uploader and outcome reader."""

    settings: Settings
    pool: WorkerPool
    uploader: Uploader
    follower: Follower
    producer: Producer | None

    def close(self) -> None:
        self.follower.close()
        self.pool.stop()
        if self.producer is not None:
            self.producer.close()


def start_pipeline(
    services: Services, letters: list[tuple[str, bytes]], parse_workers: int
) -> Pipeline:
    """Fresh topics and bucket, one worker per stage (``parse_workers`` for parse), warmed up
    with one letter."""
    settings = pipeline_settings(services, run_name("lat"))
    store = prepare(settings)
    notified = services.s3_events_topic is not None
    producer = None if notified else KafkaTransport(settings).producer()
    pool = WorkerPool(worker_env(settings))
    pool.start_pipeline()
    pool.start("parse", parse_workers - 1)
    pipeline = Pipeline(
        settings, pool, Uploader(store, settings, letters, producer), Follower(settings), producer
    )
    began = time.monotonic()
    if not pipeline.follower.wait([pipeline.uploader.put("warmup")], READY_TIMEOUT_S):
        pipeline.close()
        raise SystemExit(
            f"pipeline not ready after {READY_TIMEOUT_S:.0f} s; logs in {pool.log_dir}"
        )
    print(f"pipeline with {parse_workers} parse worker(s) ready in "
          f"{time.monotonic() - began:.1f} s", flush=True)  # fmt: skip
    return pipeline


def cpu_by_process(pool: WorkerPool, services: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each stage's workers (summed) and each service process."""
    used: dict[str, float] = {}
    for worker in pool.alive():
        used[worker.stage] = used.get(worker.stage, 0.0) + (cpu_seconds(worker.process.pid) or 0)
    for name, pid in services.items():
        used[name] = cpu_seconds(pid) or 0.0
    return used


def offered_step(
    pipeline: Pipeline, prefix: str, rate: float, seconds: float, services: dict[str, int]
) -> dict[str, object]:
    """Offer ``rate`` letters/s for ``seconds``; latency summary and CPU ms per letter."""
    before = cpu_by_process(pipeline.pool, services)
    sent = pipeline.uploader.offer(prefix, rate, seconds)
    pipeline.follower.wait(sent, DRAIN_S)
    after = cpu_by_process(pipeline.pool, services)
    step = summarise(sent, pipeline.follower, rate, seconds)
    step["sustained"] = bool(
        step["missing"] == 0 and float(str(step.get("p99_s", "inf"))) < TARGET_P99_S
    )
    cpu = {name: round(1000 * (after[name] - before.get(name, 0.0)) / len(sent), 2)
           for name in after}  # fmt: skip
    step["cpu_ms_per_letter"] = cpu | {"total": round(sum(cpu.values()), 2)}
    print(step, flush=True)
    return step


def step_up(
    services: Services,
    letters: list[tuple[str, bytes]],
    parse_workers: int,
    rates: list[float],
    seconds: float,
    pids: dict[str, int],
) -> dict[str, object]:
    """Raise the offered rate step by step until a step is not sustained."""
    pipeline = start_pipeline(services, letters, parse_workers)
    steps: list[dict[str, object]] = []
    try:
        for rate in rates:
            steps.append(offered_step(pipeline, f"step{rate:g}", rate, seconds, pids))
            if not steps[-1]["sustained"]:
                break
        crashed = [w.stage for w in pipeline.pool.dead()]
    finally:
        pipeline.close()
    sustained = [float(str(s["offered_per_s"])) for s in steps if s["sustained"]]
    return {
        "parse_workers": parse_workers,
        "steps": steps,
        "max_sustained_per_s": max(sustained, default=None),
        "workers_crashed": crashed,
    }


def ocr_backlog(
    services: Services,
    letters: list[tuple[str, bytes]],
    scans: list[tuple[str, bytes]],
    rate: float,
    seconds: float,
    pids: dict[str, int],
) -> dict[str, object]:
    """Text-layer letters at ``rate`` alone (the baseline), then again right after ``scans``
    were dropped, while the ocr worker works them off."""
    pipeline = start_pipeline(services, letters, 1)
    try:
        baseline = offered_step(pipeline, "baseline", rate, seconds, pids)
        scan_uploader = Uploader(
            pipeline.uploader.store, pipeline.settings, scans, pipeline.producer
        )
        dropped = [scan_uploader.put("scans") for _ in scans]
        during = offered_step(pipeline, "during", rate, seconds, pids)
        pipeline.follower.wait(dropped, SCAN_DRAIN_S)
        scans_done = summarise(dropped, pipeline.follower, float(len(scans)), 0.0)
        backlog_left = sum(1 for s in dropped if pipeline.follower.outcome(s.letter_id) is None)
    finally:
        pipeline.close()
    return {
        "scans": len(scans),
        "scan_pages": sum(_pages(data) for _, data in scans),
        "text_letters_alone": baseline,
        "text_letters_during_backlog": during,
        "scans_settled": scans_done,
        "scans_unsettled_after_drain": backlog_left,
    }


def _pages(data: bytes) -> int:
    pdf = pdfium.PdfDocument(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=10.0, help="letters per second")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds at --rate")
    parser.add_argument(
        "--steps", default="15,20,30,40,60,80,100", help="step-up rates (empty: none)"
    )
    parser.add_argument("--step-seconds", type=float, default=15.0)
    parser.add_argument("--parse-workers", default="1,2,4", help="step-up runs, parse workers")
    parser.add_argument(
        "--ocr-backlog", type=int, default=8, help="scans dropped at once (0: none)"
    )
    args = parser.parse_args()
    configure_logging("WARNING")
    stop_on_sigterm()

    services = shared_services()
    pids = service_pids()
    files, origin = letter_files()
    letters = [(p.name, p.read_bytes()) for p in files]
    notified = services.s3_events_topic is not None
    if not notified:
        print("the S3 server publishes no notifications: announcing each PUT like imr submit")

    pipeline = start_pipeline(services, letters, 1)
    try:
        fixed = offered_step(pipeline, "fixed", args.rate, args.duration, pids)
        rss = {stage: pipeline.pool.rss_kib(stage) for stage in STAGES}
        crashed = [w.stage for w in pipeline.pool.dead()]
        put_median = round(median(pipeline.uploader.put_seconds), 4)
    finally:
        pipeline.close()
    rates = [float(r) for r in args.steps.split(",") if r.strip()]
    configs = [
        step_up(services, letters, int(count), rates, args.step_seconds, pids)
        for count in args.parse_workers.split(",")
        if count.strip() and rates
    ]
    backlog = None
    if args.ocr_backlog:
        scans = [(f"scan-{name}", scanned(data)) for name, data in letters[: args.ocr_backlog]]
        backlog = ocr_backlog(services, letters, scans, args.rate, 30.0, pids)

    met = float(str(fixed.get("p99_s", "inf"))) < TARGET_P99_S and fixed["missing"] == 0
    best = max((c["max_sustained_per_s"] or 0 for c in configs), default=0)
    payload = {
        "letters_from": origin,
        "notifications": "S3 server to Kafka" if notified else "published like imr submit",
        "services": services.origin,
        "service_processes_measured": sorted(pids),
        "fixed_rate": fixed,
        "step_up": configs,
        "max_sustained_per_s": best or None,
        "target_p99_s": TARGET_P99_S,
        "target_met": met,
        "throughput_target_per_s": THROUGHPUT_TARGET,
        "throughput_target_met": bool(best and best >= THROUGHPUT_TARGET),
        "ocr_backlog": backlog,
        "put_seconds_median": put_median,
        "worker_rss_kib_end": rss,
        "workers_crashed": crashed,
    }
    write_report("latency", payload, _markdown(payload, args))
    _plot(RESULTS / "latency.png", [fixed, *(s for c in configs[:1] for s in c["steps"])])
    print((RESULTS / "latency.md").read_text())


_COLUMNS = ["offered/s", "s", "letters", "determinations", "dead letters", "missing",
            "p50 s", "p95 s", "p99 s", "max s", "sustained", "CPU ms/letter"]  # fmt: skip
_KEYS = ["offered_per_s", "seconds", "letters", "determinations", "dead_letters", "missing",
         "p50_s", "p95_s", "p99_s", "max_s", "sustained"]  # fmt: skip


def _row(step: dict[str, object]) -> list[object]:
    cpu = step.get("cpu_ms_per_letter", {})
    return [*(step.get(k, "-") for k in _KEYS), cpu.get("total", "-")]


def _markdown(payload: dict[str, object], args: argparse.Namespace) -> str:
    fixed: dict[str, object] = payload["fixed_rate"]
    measured = ", ".join(payload["service_processes_measured"])
    parts = [
        "# End-to-end latency: S3 PUT to determination event",
        f"One `imr worker` process per stage ({', '.join(STAGES)}; more parse workers where "
        f"said), 4 partitions, letters from {payload['letters_from']}; notifications: "
        f"{payload['notifications']}. Latency is from the start of the PUT to the "
        f"determination's arrival at a `read_committed` reader (median PUT "
        f"{payload['put_seconds_median']} s). CPU is user + system time of each worker "
        f"process and of the services measured ({measured or 'none'}: broker and S3 server "
        "when they run from the local stack) over a step, per letter.",
        "## Fixed rate",
        markdown_table(_COLUMNS, [_row(fixed)]),
        f"Target p99 < {TARGET_P99_S} s at {args.rate:g}/s: "
        f"**{'met' if payload['target_met'] else 'missed'}**.",
        "## Step-up by number of parse workers",
    ]
    for config in payload["step_up"]:
        parts += [
            f"### {config['parse_workers']} parse worker(s): highest sustained "
            f"{config['max_sustained_per_s']} letters/s",
            markdown_table(_COLUMNS, [_row(step) for step in config["steps"]]),
        ]
        last = next((s for s in reversed(config["steps"]) if s["sustained"]), None)
        if last is not None:
            cpu = last["cpu_ms_per_letter"]
            parts.append(
                f"CPU per letter at {last['offered_per_s']}/s, by process (ms): "
                + ", ".join(f"{name} {value}" for name, value in sorted(cpu.items()))
            )
    best = payload["max_sustained_per_s"]
    parts.append(
        f"Highest sustained rate: **{best} letters/s**; target {THROUGHPUT_TARGET}/s with p99 "
        f"< {TARGET_P99_S} s: **{'met' if payload['throughput_target_met'] else 'missed'}** "
        f"(a step is sustained when every letter settled within {DRAIN_S:.0f} s of its end "
        f"and p99 < {TARGET_P99_S} s)."
    )
    backlog = payload["ocr_backlog"]
    if backlog:
        alone, during = backlog["text_letters_alone"], backlog["text_letters_during_backlog"]
        settled = backlog["scans_settled"]
        parts += [
            "## Text-layer letters while an OCR backlog is worked off",
            f"{backlog['scans']} scanned letters ({backlog['scan_pages']} pages) dropped at "
            f"once, then text-layer letters at {args.rate:g}/s for 30 s; the baseline is the "
            "same rate without the backlog, in the same run.",
            markdown_table(
                _COLUMNS, [["alone", *_row(alone)[1:]], ["during backlog", *_row(during)[1:]]]
            ),
            f"Scans, PUT to determination: p50 {settled.get('p50_s', '-')} s, max "
            f"{settled.get('max_s', '-')} s; {settled['dead_letters']} dead-lettered, "
            f"{backlog['scans_unsettled_after_drain']} unsettled after {SCAN_DRAIN_S:.0f} s.",
        ]
    parts.append(
        f"Worker RSS at the end of the fixed-rate run (KiB): {payload['worker_rss_kib_end']}. "
        f"Workers that exited on their own: {payload['workers_crashed'] or 'none'}."
    )
    return "\n\n".join(parts)


def _plot(path: Path, rows: list[dict[str, object]]) -> None:
    plot_lines(
        path,
        "PUT -> determination latency by offered rate",
        "offered letters/s",
        "seconds",
        {
            f"p{p}": [
                (float(str(r["offered_per_s"])), float(str(r[f"p{p}_s"])))
                for r in rows
                if f"p{p}_s" in r
            ]
            for p in (50, 95, 99)
        },
        hline=TARGET_P99_S,
    )


if __name__ == "__main__":
    main()
