"""What the stage runtime costs: a no-op stage through ``StageRunner`` + ``KafkaTransport``
against a bare kafka-python consume -> produce -> commit loop, on the real broker.

Both copy every record of the same pre-filled topic (same count, size, partitions) to an output
topic with the same client settings (``workers.runtime.kafka_config``: ``max_poll_records``,
acks, idempotence, linger) and the same settle rule: at-least-once flushes the batch's sends
and commits its offsets; exactly-once wraps the batch's sends and offsets in one transaction
and reads ``read_committed``. Each run uses a fresh consumer group and output topic; rounds
alternate between the two so machine noise hits both. Throughput is counted from the first
record consumed to the commit of the last one (the group join is excluded).

Target: runner >= 0.8 x bare in both modes.

Usage: ``.venv/bin/python -m benchmarks.runtime_overhead [--messages 5000] [--size 1024]
[--partitions 4] [--batches 16,256] [--rounds 5] [--profile]``
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.structs import OffsetAndMetadata

from benchmarks.pipeline import run_name
from benchmarks.reporting import RESULTS, markdown_table, plot_bars, write_report
from benchmarks.services import shared_services
from workers.config import DeliveryMode, Settings
from workers.observability.logs import configure_logging
from workers.runtime import KafkaTransport, Message, Output, StageRunner
from workers.runtime.kafka_config import client_config, consumer_config, producer_config

TARGET = 0.8
MODES: tuple[DeliveryMode, ...] = ("at_least_once", "exactly_once")


@dataclass(frozen=True)
class Run:
    impl: str
    mode: DeliveryMode
    batch: int
    messages: int
    seconds: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.messages / self.seconds


def create_topic(settings: Settings, topic: str, partitions: int) -> None:
    """Created before a run, so no run waits for automatic topic creation."""
    admin = KafkaAdminClient(**client_config(settings))
    try:
        admin.create_topics([NewTopic(topic, partitions, 1)])
        admin.wait_for_topics([topic])
    finally:
        admin.close()


def prefill(settings: Settings, topic: str, partitions: int, count: int, size: int) -> None:
    create_topic(settings, topic, partitions)
    producer = KafkaProducer(**client_config(settings), acks="all", linger_ms=20)
    payload = bytes(size)
    for i in range(count):
        producer.send(topic, key=f"k{i}".encode(), value=payload, headers=[("h", b"v")])
    producer.flush()
    producer.close()


def _timed(loop: Callable[[Callable[[], None]], int]) -> tuple[int, float, float]:
    """Run ``loop(mark_start)``; time from the first ``mark_start()`` to the loop's end."""
    began: list[tuple[float, float]] = []

    def mark_start() -> None:
        if not began:
            began.append((time.perf_counter(), time.process_time()))

    count = loop(mark_start)
    wall, cpu = time.perf_counter(), time.process_time()
    return count, wall - began[0][0], cpu - began[0][1]


def bare_loop(
    settings: Settings, source: str, sink: str, group: str, total: int
) -> Callable[[Callable[[], None]], int]:
    exactly_once = settings.delivery_mode == "exactly_once"

    def loop(mark_start: Callable[[], None]) -> int:
        consumer = KafkaConsumer(**consumer_config(settings, group, read_committed=exactly_once))
        consumer.subscribe([source])
        producer = KafkaProducer(
            **producer_config(settings, f"{group}-bare" if exactly_once else None)
        )
        if exactly_once:
            producer.init_transactions()
        done = 0
        try:
            while done < total:
                batches = consumer.poll(timeout_ms=1000, max_records=settings.max_poll_records)
                if not batches:
                    continue
                mark_start()
                if exactly_once:
                    producer.begin_transaction()
                offsets, futures = {}, []
                for tp, records in batches.items():
                    for r in records:
                        futures.append(
                            producer.send(sink, key=r.key, value=r.value, headers=r.headers)
                        )
                    offsets[tp] = OffsetAndMetadata(records[-1].offset + 1, "", -1)
                if exactly_once:
                    producer.send_offsets_to_transaction(offsets, consumer.group_metadata())
                    producer.commit_transaction()
                else:
                    producer.flush()
                    if any(f.failed() for f in futures):
                        raise RuntimeError("bare loop: a send failed")
                    consumer.commit(offsets)
                done += len(futures)
        finally:
            producer.close()
            consumer.close(autocommit=False)
        return done

    return loop


def runner_loop(
    settings: Settings, source: str, sink: str, total: int
) -> Callable[[Callable[[], None]], int]:
    def loop(mark_start: Callable[[], None]) -> int:
        def copy(message: Message) -> Sequence[Output]:
            mark_start()
            return [Output(sink, message.key, message.value, message.headers)]

        runner = StageRunner("validate", source, copy, KafkaTransport(settings), settings)
        done = 0
        try:
            while done < total:
                done += runner.poll_once()
        finally:
            runner.close()
        return done

    return loop


def measure(
    settings: Settings,
    impl: str,
    source: str,
    total: int,
    partitions: int,
    profile: cProfile.Profile | None,
) -> Run:
    run = run_name(f"ovh-{impl}")
    sink = f"{run}.out"
    create_topic(settings, sink, partitions)
    if impl == "bare":
        loop = bare_loop(settings, source, sink, run, total)
    else:
        grouped = settings.model_copy(update={"group_id_prefix": run})
        loop = runner_loop(grouped, source, sink, total)
    if profile is not None:
        profile.enable()
    try:
        count, seconds, cpu = _timed(loop)
    finally:
        if profile is not None:
            profile.disable()
    return Run(impl, settings.delivery_mode, settings.max_poll_records, count, seconds, cpu)


def profile_text(profile: cProfile.Profile, lines: int = 25) -> str:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--size", type=int, default=1024, help="value bytes")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument(
        "--batches", default="16,256", help="max_poll_records values (the same for both loops)"
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile one runner run per mode")
    args = parser.parse_args()
    configure_logging("WARNING")

    services = shared_services()
    base = Settings(kafka_bootstrap_servers=services.kafka_bootstrap, http_port=0)
    batches = [int(b) for b in args.batches.split(",")]
    source = f"{run_name('ovh')}.in"
    prefill(base, source, args.partitions, args.messages, args.size)

    runs: list[Run] = []
    profiles: dict[str, str] = {}
    for batch in batches:
        for mode in MODES:
            settings = base.model_copy(update={"delivery_mode": mode, "max_poll_records": batch})
            for _ in range(args.rounds):
                for impl in ("bare", "runner"):
                    result = measure(settings, impl, source, args.messages, args.partitions, None)
                    print(
                        f"batch {batch:4} {mode:14} {impl:6} {result.rate:8.0f} msg/s", flush=True
                    )
                    runs.append(result)
            if args.profile and batch == batches[0]:
                profile = cProfile.Profile()
                measure(settings, "runner", source, args.messages, args.partitions, profile)
                profiles[f"{mode}, max_poll_records={batch}"] = profile_text(profile)

    rows: list[list[object]] = []
    ratios: dict[str, float] = {}
    labels: list[str] = []
    values: list[float] = []
    for batch in batches:
        for mode in MODES:
            mine = [r for r in runs if r.mode == mode and r.batch == batch]
            rates = {i: [r.rate for r in mine if r.impl == i] for i in ("bare", "runner")}
            cpu = {
                i: statistics.median(1e6 * r.cpu_seconds / r.messages for r in mine if r.impl == i)
                for i in ("bare", "runner")
            }
            med = {impl: statistics.median(v) for impl, v in rates.items()}
            ratios[f"{mode}, batch {batch}"] = med["runner"] / med["bare"]
            for impl in ("bare", "runner"):
                rows.append(
                    [
                        batch,
                        mode,
                        impl,
                        f"{med[impl]:.0f}",
                        " / ".join(f"{v:.0f}" for v in rates[impl]),
                        f"{cpu[impl]:.0f}",
                    ]
                )
                labels.append(f"{impl}\n{mode}\nbatch {batch}")
                values.append(med[impl])
    ratio_rows = [
        [case, f"{ratio:.2f}", f">= {TARGET}", "met" if ratio >= TARGET else "missed"]
        for case, ratio in ratios.items()
    ]
    payload = {
        "messages": args.messages,
        "value_bytes": args.size,
        "partitions": args.partitions,
        "max_poll_records": batches,
        "rounds": args.rounds,
        "services": services.origin,
        "runs": [
            {
                "impl": r.impl,
                "mode": r.mode,
                "max_poll_records": r.batch,
                "messages": r.messages,
                "seconds": round(r.seconds, 4),
                "msgs_per_s": round(r.rate, 1),
                "cpu_us_per_msg": round(1e6 * r.cpu_seconds / r.messages, 1),
            }
            for r in runs
        ],
        "ratio_runner_to_bare": {k: round(v, 3) for k, v in ratios.items()},
        "target": TARGET,
        "profiles": profiles,
    }
    parts = [
        "# Runtime overhead: StageRunner vs a bare kafka-python loop",
        f"{args.messages} records of {args.size} bytes on {args.partitions} partitions, "
        f"max_poll_records {args.batches}, {args.rounds} alternating rounds, broker from "
        f"{services.origin}. Median throughput, from the first record consumed to the last "
        "commit; CPU is the benchmark process's CPU time (all threads) per record.",
        markdown_table(
            ["batch", "mode", "loop", "msgs/s (median)", "msgs/s (rounds)", "CPU µs/msg"], rows
        ),
        "## Ratio runner / bare (throughput, higher is better)",
        markdown_table(["case", "ratio", "target", "result"], ratio_rows),
    ]
    for profiled, text in profiles.items():
        parts += [f"## Profile of one runner run, {profiled} (cumulative)", f"```\n{text}\n```"]
    md = "\n\n".join(parts)
    write_report("runtime_overhead", payload, md)
    plot_bars(
        RESULTS / "runtime_overhead.png",
        "No-op stage throughput: bare kafka-python vs StageRunner",
        labels,
        values,
        "messages/s",
    )
    print(md)


if __name__ == "__main__":
    main()
