"""End-to-end latency from S3 PUT to determination event, at a fixed offered rate.

The four stages run as separate ``imr worker`` processes (one each) on unique topics and a fresh
bucket. Letters (the corpus PDFs, else the fixture PDFs) are PUT under distinct keys at a fixed
rate; the S3 server's bucket notification to Kafka starts each one. Where the server publishes
no notifications, each PUT is followed by the ``letter.received`` event ``imr submit`` would
publish (the report says so). A reader follows the determinations and dead-letter topics
(``read_committed``); a letter's latency is from the start of its PUT to the arrival of its
determination, matched by the letter id of the stored object version.

Then a short step-up: the offered rate rises step by step; a step is sustained when every
letter of it settled and its p99 stayed under the target. The highest sustained step is the
reported maximum.

Target: p99 < 2 s at 10 letters/s.

Usage: ``.venv/bin/python -m benchmarks.latency [--rate 10] [--duration 60]
[--steps 15,20,25,30,40] [--step-seconds 15]``
"""

from __future__ import annotations

import argparse
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.pipeline import (
    OutcomeReader,
    WorkerPool,
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
from benchmarks.services import shared_services
from schemas.events import DeterminationExtracted, from_kafka
from workers.config import Settings
from workers.observability.logs import configure_logging
from workers.runtime import KafkaTransport, Message, Producer
from workers.stages import received_event, source_object
from workers.stages.codec import emit
from workers.storage import S3ObjectStore

TARGET_P99_S = 2.0
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=10.0, help="letters per second")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds at --rate")
    parser.add_argument("--steps", default="15,20,25,30,40", help="step-up rates (empty: none)")
    parser.add_argument("--step-seconds", type=float, default=15.0)
    args = parser.parse_args()
    configure_logging("WARNING")
    stop_on_sigterm()

    services = shared_services()
    run = run_name("lat")
    settings = pipeline_settings(services, run)
    store = prepare(settings)
    files, origin = letter_files()
    letters = [(p.name, p.read_bytes()) for p in files]
    notified = services.s3_events_topic is not None
    producer = None if notified else KafkaTransport(settings).producer()
    if not notified:
        print("the S3 server publishes no notifications: announcing each PUT like imr submit")
    uploader = Uploader(store, settings, letters, producer)
    pool = WorkerPool(worker_env(settings))
    pool.start_pipeline()
    follower = Follower(settings)
    try:
        began = time.monotonic()
        warm = [uploader.put("warmup")]
        if not follower.wait(warm, READY_TIMEOUT_S):
            raise SystemExit(
                f"pipeline not ready after {READY_TIMEOUT_S:.0f} s; logs in {pool.log_dir}"
            )
        print(f"pipeline ready in {time.monotonic() - began:.1f} s", flush=True)

        sent = uploader.offer("fixed", args.rate, args.duration)
        follower.wait(sent, DRAIN_S)
        fixed = summarise(sent, follower, args.rate, args.duration)
        print(fixed, flush=True)

        steps: list[dict[str, object]] = []
        for rate in [float(r) for r in args.steps.split(",") if r.strip()]:
            sent = uploader.offer(f"step{rate:g}", rate, args.step_seconds)
            follower.wait(sent, DRAIN_S)
            step = summarise(sent, follower, rate, args.step_seconds)
            step["sustained"] = bool(
                step["missing"] == 0 and float(str(step.get("p99_s", "inf"))) < TARGET_P99_S
            )
            print(step, flush=True)
            steps.append(step)
            if not step["sustained"]:
                break
        rss = {stage: pool.rss_kib(stage) for stage in ("ingest", "parse", "validate", "enrich")}
        crashed = [w.stage for w in pool.dead()]
    finally:
        follower.close()
        pool.stop()
        if producer is not None:
            producer.close()

    sustained = [
        float(str(s["offered_per_s"])) for s in [fixed, *steps] if s.get("sustained", True)
    ]
    fixed_p99 = float(str(fixed.get("p99_s", "inf")))
    met = fixed_p99 < TARGET_P99_S and fixed["missing"] == 0
    payload = {
        "letters_from": origin,
        "notifications": "S3 server to Kafka" if notified else "published like imr submit",
        "services": services.origin,
        "fixed_rate": fixed,
        "step_up": steps,
        "max_sustained_per_s": max(sustained) if sustained and met else None,
        "target_p99_s": TARGET_P99_S,
        "target_met": met,
        "put_seconds_median": round(median(uploader.put_seconds), 4),
        "worker_rss_kib_end": rss,
        "workers_crashed": crashed,
    }
    columns = ["offered/s", "s", "letters", "determinations", "dead letters", "missing",
               "p50 s", "p95 s", "p99 s", "max s"]  # fmt: skip
    keys = ["offered_per_s", "seconds", "letters", "determinations", "dead_letters", "missing",
            "p50_s", "p95_s", "p99_s", "max_s"]  # fmt: skip
    md = "\n\n".join(
        [
            "# End-to-end latency: S3 PUT to determination event",
            f"Four `imr worker` processes (one per stage), 4 partitions, letters from {origin}; "
            f"notifications: {payload['notifications']}. Latency is from the start of the PUT "
            f"to the determination's arrival at a `read_committed` reader "
            f"(median PUT {payload['put_seconds_median']} s).",
            "## Fixed rate",
            markdown_table(columns, [[fixed.get(k, "-") for k in keys]]),
            f"Target p99 < {TARGET_P99_S} s at {args.rate:g}/s: **{'met' if met else 'missed'}**.",
            "## Step-up",
            markdown_table(
                [*columns, "sustained"],
                [[s.get(k, "-") for k in [*keys, "sustained"]] for s in steps],
            )
            if steps
            else "_no steps run_",
            f"Highest sustained offered rate: **{payload['max_sustained_per_s']} letters/s** "
            f"(a step is sustained when every letter settled within {DRAIN_S:.0f} s of the "
            f"step's end and p99 < {TARGET_P99_S} s).",
            f"Worker RSS at the end (KiB): {rss}. Workers that exited on their own: "
            f"{crashed or 'none'}.",
        ]
    )
    write_report("latency", payload, md)
    _plot(RESULTS / "latency.png", [fixed, *steps])
    print(md)


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
