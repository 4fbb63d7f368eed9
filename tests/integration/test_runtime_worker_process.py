"""A worker killed with SIGKILL mid-batch loses nothing (and, exactly-once, doubles nothing),
and its restart takes over at once.

Run as a script, this module is that worker: an echo stage (``SOURCE TARGET DELAY_S``) served by
``workers.cli.worker.run_stage``, configured from ``IMR_*`` variables like ``imr worker``; each
output carries the worker's process id in a ``worker`` header.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient

from workers.config import Settings
from workers.runtime import KafkaTransport, Message, Output
from workers.runtime.kafka_config import client_config

WORKER = Path(__file__).resolve()
RECORDS = 60
TAKEOVER_LIMIT_S = 10.0
"""From the SIGKILL to the replacement's first committed output (its start-up included)."""


def echo_worker(source: str, target: str, delay_s: float) -> None:
    from workers.cli.worker import run_stage, stable_settings
    from workers.observability.logs import configure_logging

    me = str(os.getpid()).encode()

    def echo(message: Message) -> Sequence[Output]:
        time.sleep(delay_s)
        return [Output(target, message.key, message.value, (("worker", me),))]

    settings = stable_settings(Settings())
    configure_logging(settings.log_level)
    run_stage("parse", source, echo, KafkaTransport(settings), settings)


def create_topics(settings: Settings, *names: str) -> None:
    admin = KafkaAdminClient(**client_config(settings))
    try:
        spec = {"num_partitions": 2, "replication_factor": 1}
        admin.create_topics(dict.fromkeys(names, spec), wait_for_metadata=True)
    finally:
        admin.close()


def group_members(settings: Settings, group: str) -> list[Any]:
    admin = KafkaAdminClient(**client_config(settings))
    try:
        members: list[Any] = admin.describe_groups([group])[group]["members"]
        return members
    finally:
        admin.close()


def start_worker(
    env: dict[str, str], source: str, target: str, log: Path
) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, str(WORKER), source, target, "0.05"], env=env, stdout=sink, stderr=sink
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def probe(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return error.code


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        return str(reply.read().decode())


def collect(
    settings: Settings, topic: str, until: Callable[[list[Message]], bool]
) -> list[tuple[float, Message]]:
    """Records of ``topic`` seen by a ``read_committed`` reader, each with the monotonic time it
    arrived, once ``until`` holds (or 120 s)."""
    consumer = KafkaTransport(settings).consumer([topic], None, read_committed=True)
    seen: list[tuple[float, Message]] = []
    deadline = time.monotonic() + 120
    try:
        while not until([m for _, m in seen]) and time.monotonic() < deadline:
            batch = consumer.poll(0.2, 500)
            seen.extend((time.monotonic(), m) for m in batch)
        return seen
    finally:
        consumer.close()


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("mode", ["at_least_once", "exactly_once"])
def test_sigkill_mid_batch_loses_nothing(
    mode: str, kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    source, target = unique_name("src"), unique_name("dst")
    env = {
        **os.environ,
        "IMR_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "IMR_GROUP_ID_PREFIX": unique_name("kill"),
        "IMR_DELIVERY_MODE": mode,
        "IMR_MAX_POLL_RECORDS": "5",
        "IMR_HTTP_PORT": "0",
    }
    env.pop("IMR_INSTANCE_ID", None)
    settings = Settings(kafka_bootstrap_servers=kafka_bootstrap)
    create_topics(settings, source, target)
    producer = KafkaTransport(settings).producer()
    values = [str(i).encode() for i in range(RECORDS)]
    for value in values:
        producer.send(Output(source, value, value))
    producer.flush()
    producer.close()

    log = tmp_path / "worker.log"
    first = start_worker(env, source, target, log)
    try:
        before_kill = collect(settings, target, lambda seen: len(seen) >= 12)
    finally:
        first.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        first.wait(timeout=30)
    assert 12 <= len(before_kill) < RECORDS, log.read_text()

    # No IMR_INSTANCE_ID: the replacement is known by the host name, like its predecessor.
    port = free_port()
    second = start_worker({**env, "IMR_HTTP_PORT": str(port)}, source, target, log)
    try:
        arrivals = collect(settings, target, lambda seen: {m.value for m in seen} >= set(values))
        assert probe(port, "/healthz") == 200
        assert probe(port, "/readyz") == 200
        assert 'imr_messages_in_total{stage="parse"}' in scrape(port)
    finally:
        second.send_signal(signal.SIGTERM)
        exit_code = second.wait(timeout=60)

    seen = [m.value for _, m in arrivals]
    assert set(seen) == set(values), log.read_text()
    assert exit_code == 0  # SIGTERM is a clean shutdown
    # A static member does not leave by itself; on a clean stop the worker removes itself.
    assert group_members(settings, env["IMR_GROUP_ID_PREFIX"] + "-parse") == []
    replacement = str(second.pid).encode()
    takeover_s = min(t for t, m in arrivals if m.header("worker") == replacement) - killed_at
    print(f"{mode}: first output of the replacement {takeover_s:.2f} s after the SIGKILL")
    assert takeover_s < TAKEOVER_LIMIT_S, log.read_text()
    if mode == "exactly_once":
        assert sorted(seen) == sorted(values)  # read_committed: not one duplicate


if __name__ == "__main__":
    echo_worker(sys.argv[1], sys.argv[2], float(sys.argv[3]))
