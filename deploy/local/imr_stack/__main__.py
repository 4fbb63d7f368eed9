"""``stack up|down|status|env``: run the local Kafka + S3 stack without Docker."""

from __future__ import annotations

import argparse
import fcntl
import logging
import shlex
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .kafka_broker import EVENTS_TOPIC_PARTITIONS, KafkaBroker, ensure_topic
from .processes import StackError, port_open
from .s3_server import VersityGateway
from .settings import StackSettings


def say(message: str) -> None:
    print(f"stack: {message}", file=sys.stderr, flush=True)


@contextmanager
def locked(settings: StackSettings) -> Iterator[None]:
    """Serialise ``up`` and ``down`` on one state folder across processes."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    with (settings.state_dir / "stack.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def claim_port(host: str, port: int) -> None:
    if port_open(host, port):
        raise StackError(
            f"{host}:{port} is already taken by a process this stack did not start; "
            f"stop it or choose another port (see docs/local-stack.md)"
        )


def timed(what: str, step: Callable[[], None]) -> None:
    began = time.monotonic()
    step()
    say(f"{what} in {time.monotonic() - began:.1f}s")


def up(settings: StackSettings) -> None:
    began = time.monotonic()
    broker, gateway = KafkaBroker(settings), VersityGateway(settings)
    if broker.process.pid() is None:
        claim_port(settings.host, settings.kafka_port)
        claim_port(settings.host, settings.kafka_controller_port)
        timed("kafka jars ready", broker.install)
        broker.start()
        say(f"kafka starting (log: {broker.server_log})")
    broker.wait_ready()
    ensure_topic(
        settings.kafka_bootstrap,
        settings.s3_events_topic,
        EVENTS_TOPIC_PARTITIONS,
        settings.start_timeout,
    )
    if gateway.process.pid() is None:
        claim_port(settings.host, settings.s3_port)
        timed("versitygw binary ready", gateway.install)
        gateway.start()
        say(f"s3 starting (log: {gateway.process.log_file})")
    gateway.wait_ready()
    say(f"ready in {time.monotonic() - began:.1f}s; state in {settings.state_dir}")


def down(settings: StackSettings, purge: bool) -> None:
    for process in (VersityGateway(settings).process, KafkaBroker(settings).process):
        say(f"{process.name} stopped" if process.stop() else f"{process.name} was not running")
    if purge:
        shutil.rmtree(settings.state_dir, ignore_errors=True)
        say(f"removed {settings.state_dir}")


def status(settings: StackSettings) -> bool:
    """Print one line per service; return whether all of them run and listen."""
    broker, gateway = KafkaBroker(settings), VersityGateway(settings)
    services = (
        (broker.process, settings.kafka_port, settings.kafka_bootstrap, broker.server_log),
        (gateway.process, settings.s3_port, settings.s3_endpoint_url, gateway.process.log_file),
    )
    all_up = True
    for process, port, address, log in services:
        pid = process.pid()
        if pid is None:
            state = "stopped"
        elif port_open(settings.host, port):
            state = f"running  pid {pid}"
        else:
            state = f"starting pid {pid}"
        all_up = all_up and state.startswith("running")
        print(f"{process.name:6} {state:20} {address}  log: {log}")
    print(f"state: {settings.state_dir}")
    return all_up


def print_log_tails(settings: StackSettings, lines: int = 40) -> None:
    """Show the end of every stack log, so a failed start explains itself in CI output."""
    broker = KafkaBroker(settings)
    logs = (broker.server_log, broker.process.log_file, VersityGateway(settings).process.log_file)
    for log in logs:
        if log.is_file():
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            say(f"--- last {len(tail)} lines of {log}")
            print("\n".join(tail), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deploy/local/stack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="install if needed, start, and wait until healthy")
    stop = commands.add_parser("down", help="stop every service of the stack")
    stop.add_argument("--purge", action="store_true", help="also delete the state folder")
    commands.add_parser("status", help="show what runs (exit 3 unless everything runs)")
    commands.add_parser(
        "env", help="print shell exports that point the workers, imr and the tests at the stack"
    )
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.ERROR)  # kafka-python warns on every refused connect
    settings = StackSettings.from_env()
    try:
        if args.command == "up":
            with locked(settings):
                up(settings)
        elif args.command == "down":
            with locked(settings):
                down(settings, args.purge)
        elif args.command == "status":
            return 0 if status(settings) else 3
        else:
            services = settings.services()
            for key, value in {**services.to_worker_env(), **services.to_env()}.items():
                print(f"export {key}={shlex.quote(value)}")
    except StackError as exc:
        say(f"error: {exc}")
        if args.command == "up":
            print_log_tails(settings)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
