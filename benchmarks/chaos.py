"""Fault run: letters keep arriving while workers are SIGKILLed and the services restart.

Runs on a private local stack (own ports and state folder, see
:class:`benchmarks.services.PrivateStack`), because it restarts the broker and the S3 server and
must not disturb anyone else's. Per delivery mode:

1. one ``imr worker`` per stage, each with a stable ``IMR_INSTANCE_ID`` (a replacement takes
   its predecessor's slot, as a StatefulSet pod does);
2. N letters (corpus or fixture PDFs under distinct keys) are PUT at a fixed rate; the S3
   server's notifications start them; a PUT refused while the S3 server is down is retried;
3. meanwhile a random worker is SIGKILLed every ``--kill-every`` seconds (stages in turn) and
   restarted at once, the broker is restarted once (at 30 % of the uploads) and the S3 server
   once (at 60 %); a worker that exits on its own is restarted too and counted;
4. once outcomes stop arriving, ``imr reconcile`` re-announces what has none (notifications
   are fire-and-forget: those sent while the broker was down are lost), repeated while
   anything is missing;
5. every determination and dead letter is read ``read_committed`` and counted per letter.

Pass: exactly-once, every letter has exactly one determination; at-least-once, at least one
and every repeat has the same content (the record, ignoring the announcement fields
``received_at``/``event_name``/``sequencer``, which differ when reconcile announced the
repeat). Missing must be zero in both.

Usage: ``.venv/bin/python -m benchmarks.chaos [--letters 300] [--rate 6]
[--modes exactly_once,at_least_once] [--kill-every 2.5] [--dynamic-ids] [--name chaos]
[--out DIR]``
"""

from __future__ import annotations

import argparse
import json
import queue
import random
import subprocess
import threading
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast, get_args

from benchmarks.pipeline import (
    IMR,
    OutcomeReader,
    WorkerPool,
    letter_files,
    pipeline_settings,
    prepare,
    run_name,
    stop_on_sigterm,
    worker_env,
)
from benchmarks.reporting import RESULTS, markdown_table, plot_bars, write_report
from benchmarks.services import PrivateStack
from schemas.events import DeterminationExtracted, from_kafka
from workers.config import STAGES, DeliveryMode, Settings
from workers.observability.logs import configure_logging
from workers.stages import source_object
from workers.storage import S3ObjectStore

QUIET_S = 15.0
SETTLE_TIMEOUT_S = 150.0
RECONCILE_ROUNDS = 3
PUT_RETRY_S = 120.0
ANNOUNCEMENT_FIELDS = ("received_at", "event_name", "sequencer")


@dataclass
class ModeResult:
    mode: str
    letters: int
    determinations: int
    letters_determined: int
    duplicates: int
    content_mismatches: int
    dead_letters: int
    missing: int
    kills: int
    worker_exits: int
    broker_restarts: int
    s3_restarts: int
    put_retries: int
    reconcile_announced: int
    seconds: float
    passed: bool


class Chaos:
    """On one thread, SIGKILLs a random worker every ``kill_every`` seconds (stages in turn,
    a replacement starts at once) and replaces workers that exited on their own; on another,
    restarts the broker or the S3 server when asked, so the kills go on meanwhile."""

    def __init__(self, stack: PrivateStack, pool: WorkerPool, kill_every: float, seed: int):
        self.stack, self.pool, self.kill_every = stack, pool, kill_every
        self.rng = random.Random(seed)
        self.broker_restarts = self.s3_restarts = 0
        self._requests: queue.Queue[str | None] = queue.Queue()
        self._stop = threading.Event()
        self._killer = threading.Thread(target=self._kill, daemon=True)
        self._restarter = threading.Thread(target=self._restart, daemon=True)

    def start(self) -> None:
        self._killer.start()
        self._restarter.start()

    def restart(self, service: str) -> None:
        self._requests.put(service)

    def _restart(self) -> None:
        while (service := self._requests.get()) is not None:
            if service == "kafka":
                down = self.stack.restart_kafka()
                self.broker_restarts += 1
            else:
                down = self.stack.restart_s3()
                self.s3_restarts += 1
            print(f"  {service} restarted, unavailable {down:.1f} s", flush=True)

    def _kill(self) -> None:
        turn = 0
        while not self._stop.wait(self.kill_every):
            self.pool.restart_exited()
            self.pool.kill_random(self.rng, STAGES[turn % len(STAGES)])
            turn += 1

    def stop(self) -> None:
        """Finish the requested restarts, then stop killing."""
        self._requests.put(None)
        self._restarter.join()
        self._stop.set()
        self._killer.join()


def put_with_retry(store: S3ObjectStore, bucket: str, key: str, data: bytes) -> tuple[str, int]:
    """PUT until the S3 server takes it; returns the letter id and how many PUTs failed."""
    failures, deadline = 0, time.monotonic() + PUT_RETRY_S
    while True:
        try:
            info = store.put(bucket, key, data, "application/pdf")
            return source_object(info).letter_id, failures
        except Exception:
            failures += 1
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def comparable(data: dict[str, Any]) -> str:
    """The determination without the fields that say how the letter was announced."""
    source = {k: v for k, v in data["source"].items() if k not in ANNOUNCEMENT_FIELDS}
    return json.dumps({**data, "source": source}, sort_keys=True)


def reconcile(env: dict[str, str]) -> int:
    done = subprocess.run(
        [str(IMR), "reconcile", "--min-age", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if done.returncode != 0:
        print(f"  imr reconcile failed: {done.stderr[-2000:]}", flush=True)
        return 0
    return sum(1 for line in done.stdout.splitlines() if '"emitted"' in line)


def settle(reader: OutcomeReader, wanted: set[str], timeout_s: float) -> None:
    """Read until every wanted letter has an outcome, or nothing new came for ``QUIET_S``."""
    deadline, last_new = time.monotonic() + timeout_s, time.monotonic()
    while time.monotonic() < deadline:
        if reader.poll(0.5):
            last_new = time.monotonic()
        elif time.monotonic() - last_new > QUIET_S or wanted <= outcome_ids(reader):
            return


def outcome_ids(reader: OutcomeReader) -> set[str]:
    ids = {a.message.key.decode() for a in reader.dead_letters if a.message.key}
    for arrival in reader.outputs:
        event = from_kafka(arrival.message.value, arrival.message.headers)
        if isinstance(event, DeterminationExtracted):
            ids.add(event.data.letter_id)
    return ids


def run_mode(
    stack: PrivateStack,
    mode: DeliveryMode,
    files: list[Path],
    letters: int,
    rate: float,
    kill_every: float,
    seed: int,
    static: bool = True,
) -> ModeResult:
    began = time.monotonic()
    settings: Settings = pipeline_settings(
        stack.services,
        run_name(f"chaos-{mode.replace('_', '')}"),
        mode=mode,
        retry_base_seconds=0.5,
        retry_max_seconds=5.0,
        retry_max_attempts=8,
        shutdown_grace_seconds=5.0,
    )
    store = prepare(settings)
    env = worker_env(settings)
    pool = WorkerPool(env, static=static)
    pool.start_pipeline()
    chaos = Chaos(stack, pool, kill_every, seed)
    reader = OutcomeReader(settings)
    ids: dict[str, str] = {}
    put_failures = 0
    chaos.start()
    try:
        start = time.monotonic()
        for i in range(letters):
            if i == int(letters * 0.3):
                chaos.restart("kafka")
            if i == int(letters * 0.6):
                chaos.restart("s3")
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            path = files[i % len(files)]
            key = f"chaos/{i:05d}-{path.name}"
            letter_id, failed = put_with_retry(store, settings.s3_bucket, key, path.read_bytes())
            ids[letter_id] = key
            put_failures += failed
            reader.poll(0)
        print(f"  {letters} letters uploaded in {time.monotonic() - start:.0f} s", flush=True)
    finally:
        chaos.stop()
    announced = 0
    try:
        settle(reader, set(ids), SETTLE_TIMEOUT_S)
        for _ in range(RECONCILE_ROUNDS):
            if set(ids) <= outcome_ids(reader):
                break
            pool.restart_exited()
            announced += reconcile(env)
            print(f"  reconcile: {announced} announced so far", flush=True)
            settle(reader, set(ids), SETTLE_TIMEOUT_S)
        reader.wait_for(0, QUIET_S / 3, quiet_s=QUIET_S / 3)  # late repeats
    finally:
        pool.stop()
        reader.close()

    per_letter: dict[str, list[str]] = defaultdict(list)
    for arrival in reader.outputs:
        event = from_kafka(arrival.message.value, arrival.message.headers)
        if isinstance(event, DeterminationExtracted) and event.data.letter_id in ids:
            per_letter[event.data.letter_id].append(comparable(event.data.model_dump(mode="json")))
    dead = Counter(a.message.key.decode() for a in reader.dead_letters if a.message.key)
    dead_ours = sum(n for key, n in dead.items() if key in ids)
    missing = sum(1 for letter in ids if letter not in per_letter)
    duplicates = sum(len(v) - 1 for v in per_letter.values())
    mismatched = sum(1 for v in per_letter.values() if len(set(v)) > 1)
    passed = missing == 0 and mismatched == 0 and (mode != "exactly_once" or duplicates == 0)
    return ModeResult(
        mode=mode,
        letters=len(ids),
        determinations=sum(len(v) for v in per_letter.values()),
        letters_determined=len(per_letter),
        duplicates=duplicates,
        content_mismatches=mismatched,
        dead_letters=dead_ours,
        missing=missing,
        kills=pool.kills,
        worker_exits=pool.restarts,
        broker_restarts=chaos.broker_restarts,
        s3_restarts=chaos.s3_restarts,
        put_retries=put_failures,
        reconcile_announced=announced,
        seconds=round(time.monotonic() - began, 1),
        passed=passed,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--letters", type=int, default=300)
    parser.add_argument("--rate", type=float, default=6.0, help="letters PUT per second")
    parser.add_argument("--modes", default="exactly_once,at_least_once")
    parser.add_argument("--kill-every", type=float, default=2.5, help="seconds between kills")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port-base", type=int, default=29092, help="private stack ports")
    parser.add_argument("--out", type=Path, default=RESULTS, help="report folder")
    parser.add_argument(
        "--dynamic-ids",
        action="store_true",
        help="a new IMR_INSTANCE_ID per process: every replacement is a new member with a new "
        "transactional id",
    )
    parser.add_argument("--name", default="chaos", help="report name")
    args = parser.parse_args()
    configure_logging("WARNING")
    stop_on_sigterm()

    files, origin = letter_files()
    results: list[ModeResult] = []
    began = time.monotonic()
    with PrivateStack(args.port_base) as stack:
        print(f"private stack up in {time.monotonic() - began:.0f} s", flush=True)
        for name in args.modes.split(","):
            if name not in get_args(DeliveryMode):
                parser.error(f"unknown delivery mode {name!r}")
            mode = cast(DeliveryMode, name)
            print(f"{mode}:", flush=True)
            result = run_mode(
                stack,
                mode,
                files,
                args.letters,
                args.rate,
                args.kill_every,
                args.seed,
                static=not args.dynamic_ids,
            )
            print(f"  {asdict(result)}", flush=True)
            results.append(result)

    columns = list(asdict(results[0]).keys())
    payload = {
        "letters_from": origin,
        "rate_per_s": args.rate,
        "kill_every_s": args.kill_every,
        "seed": args.seed,
        "instance_ids": "dynamic" if args.dynamic_ids else "stable per slot",
        "results": [asdict(r) for r in results],
        "passed": all(r.passed for r in results),
    }
    md = "\n\n".join(
        [
            "# Fault run: kills and restarts under load",
            f"{args.letters} letters per mode from {origin}, PUT at {args.rate:g}/s; a random "
            f"worker SIGKILLed every {args.kill_every:g} s (stages in turn) and restarted; the "
            "broker restarted once and the S3 server once; then `imr reconcile`. Private local "
            "stack, one worker per stage, "
            + (
                "no instance ids (each replacement is a new member)."
                if args.dynamic_ids
                else "each with a stable instance id."
            ),
            markdown_table(columns, [list(asdict(r).values()) for r in results]),
            "Pass: exactly-once, exactly one determination per letter; at-least-once, at least "
            "one with identical content; zero missing in both. "
            f"Result: **{'passed' if payload['passed'] else 'FAILED'}**.",
        ]
    )
    write_report(args.name, payload, md, out=args.out)
    plot_bars(
        args.out / f"{args.name}.png",
        "Fault run: letters, determinations, duplicates, missing",
        [f"{r.mode}\n{k}" for r in results for k in ("letters", "determined", "dupes", "missing")],
        [v for r in results for v in (r.letters, r.letters_determined, r.duplicates, r.missing)],
        "count",
    )
    print(md)
    if not payload["passed"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
