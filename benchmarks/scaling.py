"""Throughput of the parse stage with 1, 2 and 4 ``imr worker parse`` processes.

N letters are uploaded once under distinct keys. For each pass (a worker count), the workers
start on a fresh topic of 4 partitions (or ``--partitions``) with a fresh consumer group; once
the group is stable with every worker assigned, the N ``letter.received`` events announcing the
letters are written to the topic in one burst (so it is pre-filled as far as the workers can
tell, and no rebalance falls into the measurement). Throughput is measured between the first
and the last output record (parsed events and parse dead letters); the workers' CPU time
(``/proc``) over the same span gives the CPU cost per letter.

Usage: ``.venv/bin/python -m benchmarks.scaling [--letters 400] [--workers 1,2,4] [--rounds 2]``
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from kafka import KafkaAdminClient

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
from benchmarks.reporting import RESULTS, markdown_table, plot_bars, write_report
from benchmarks.services import shared_services
from workers.cli.topics import create_topics
from workers.config import Settings
from workers.observability.logs import configure_logging
from workers.runtime import KafkaTransport, group_id
from workers.runtime.kafka_config import client_config
from workers.stages import received_event, source_object
from workers.stages.codec import emit
from workers.storage import ObjectInfo

RUN_TIMEOUT_S = 240.0


def wait_for_group(settings: Settings, group: str, members: int, timeout_s: float) -> None:
    """Until ``group`` is stable with ``members`` members that all have partitions."""
    admin = KafkaAdminClient(**client_config(settings))
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = admin.describe_groups([group]).get(group, {})
            joined = found.get("members", [])
            assigned = [m for m in joined if _has_partitions(m.get("member_assignment"))]
            if found.get("group_state") == "Stable" and len(assigned) == members:
                return
            time.sleep(0.2)
        raise RuntimeError(f"group {group} not stable with {members} members")
    finally:
        admin.close()


def _has_partitions(assignment: Any) -> bool:
    """Whether a described member's assignment (a dict once the group has synced) has any."""
    if not isinstance(assignment, dict):
        return False
    return any(p["partitions"] for p in assignment.get("assigned_partitions", []))


def announce(settings: Settings, letters: list[ObjectInfo]) -> None:
    producer = KafkaTransport(settings).producer()
    for info in letters:
        producer.send(emit(settings.topic_letters_received, received_event(source_object(info))))
    producer.flush()
    producer.close()


def measure(settings: Settings, run: str, count: int, letters: list[ObjectInfo]) -> dict[str, Any]:
    """One pass of ``count`` parse workers over a fresh topic holding ``letters``."""
    settings = settings.model_copy(
        update={
            "group_id_prefix": run,
            "topic_letters_received": f"{run}.received",
            "topic_letters_ocr": f"{run}.ocr",
            "topic_letters_parsed": f"{run}.parsed",
            "topic_dlq_template": run + ".{stage}.dlq",
        }
    )
    create_topics(settings)
    reader = OutcomeReader(settings, output=settings.topic_letters_parsed, stages=["parse"])
    pool = WorkerPool(worker_env(settings))
    pool.start("parse", count)
    try:
        wait_for_group(settings, group_id(settings, "parse"), count, RUN_TIMEOUT_S)
        cpu_before = sum(cpu_seconds(w.process.pid) or 0.0 for w in pool.alive())
        started = time.time()
        announce(settings, letters)
        complete = reader.wait_for(len(letters), RUN_TIMEOUT_S)
        cpu = sum(cpu_seconds(w.process.pid) or 0.0 for w in pool.alive()) - cpu_before
        crashed = [w.index for w in pool.dead()]
    finally:
        pool.stop()
        reader.close()
    arrivals = sorted(a.at for a in [*reader.outputs, *reader.dead_letters])
    window = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else float("nan")
    rate = (len(arrivals) - 1) / window if window > 0 else float("nan")
    return {
        "workers": count,
        "settled": len(arrivals),
        "parsed": len(reader.outputs),
        "dead_letters": len(reader.dead_letters),
        "complete": complete,
        "seconds_first_to_last": round(window, 3),
        "seconds_from_start": round(arrivals[-1] - started, 3) if arrivals else None,
        "letters_per_s": round(rate, 1),
        "worker_cpu_s": round(cpu, 2),
        "cpu_ms_per_letter": round(1000 * cpu / max(1, len(arrivals)), 1),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "crashed": crashed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--letters", type=int, default=400)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2, help="passes per count; best is kept")
    args = parser.parse_args()
    configure_logging("WARNING")
    stop_on_sigterm()

    services = shared_services()
    base = run_name("scale")
    settings = pipeline_settings(services, base, partitions=args.partitions)
    store = prepare(settings)
    files, origin = letter_files()
    letters = [
        store.put(settings.s3_bucket, f"{i:05d}-{p.name}", p.read_bytes(), "application/pdf")
        for i, p in ((i, files[i % len(files)]) for i in range(args.letters))
    ]
    print(f"{len(letters)} letters uploaded", flush=True)

    counts = [int(c) for c in args.workers.split(",")]
    passes: list[dict[str, Any]] = []
    for round_ in range(args.rounds):
        for count in counts:
            result = measure(settings, f"{base}-r{round_}-w{count}", count, letters)
            print(result, flush=True)
            passes.append(result)
    results = [
        max((p for p in passes if p["workers"] == count), key=lambda p: p["letters_per_s"])
        for count in counts
    ]
    rows: list[list[Any]] = []
    one = results[0]["letters_per_s"]
    for r in results:
        r["speedup"] = round(r["letters_per_s"] / one, 2) if one else None
        rows.append(
            [r["workers"], r["settled"], r["dead_letters"], r["seconds_first_to_last"],
             r["letters_per_s"], r["speedup"], r["cpu_ms_per_letter"], r["complete"]]
        )  # fmt: skip
    cores = os.cpu_count() or 1
    payload = {
        "letters": args.letters,
        "letters_from": origin,
        "partitions": args.partitions,
        "cores": cores,
        "services": services.origin,
        "rounds": args.rounds,
        "results": results,
        "passes": passes,
    }
    md = "\n\n".join(
        [
            "# Parse stage scaling: 1, 2 and 4 worker processes",
            f"{args.letters} letters from {origin}, announced on {args.partitions} partitions; "
            f"{cores} cores shared with the broker and the S3 server. Workers join first, then "
            "the announcements arrive in one burst; throughput between the first and the last "
            f"output record; best of {args.rounds} passes per count (every "
            "pass, with the 1-minute load average, is in the JSON).",
            markdown_table(
                [
                    "workers",
                    "settled",
                    "dead letters",
                    "seconds",
                    "letters/s",
                    "speedup",
                    "worker CPU ms/letter",
                    "complete",
                ],
                rows,
            ),
        ]
    )
    cpu_ms = min(r["cpu_ms_per_letter"] for r in results)
    per_core = 1000 / cpu_ms if cpu_ms else float("nan")
    best = max(results, key=lambda r: r["letters_per_s"])
    md += "\n\n" + (
        f"A parse worker spends about {cpu_ms:g} ms of CPU per letter, so one core can carry "
        f"about {per_core:.0f} letters/s of parsing. Here {best['workers']} worker(s) reach "
        f"{best['letters_per_s']} letters/s, {best['speedup']}x one worker, on {cores} cores that "
        "also run the broker, the S3 server and the reader: beyond the core count, more "
        "processes only overlap their waits on S3 and Kafka. With more cores throughput should "
        f"grow roughly by {per_core:.0f} letters/s per core added, up to one worker per "
        f"partition ({args.partitions} here): raise the partitions before the replicas."
    )
    payload["cpu_ms_per_letter_min"] = cpu_ms
    write_report("scaling", payload, md)
    plot_bars(
        RESULTS / "scaling.png",
        f"Parse stage throughput by worker processes ({cores} cores)",
        [f"{r['workers']} worker(s)" for r in results],
        [r["letters_per_s"] for r in results],
        "letters/s",
    )
    print(md)


if __name__ == "__main__":
    main()
