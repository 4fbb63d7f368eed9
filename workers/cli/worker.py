"""`imr worker STAGE`: run one pipeline stage as a Kafka consumer-producer until SIGTERM."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from workers.config import STAGES, Role, Settings
from workers.observability.health import HealthServer
from workers.observability.logs import configure_logging
from workers.observability.metrics import RuntimeMetrics
from workers.runtime.kafka_transport import KafkaTransport
from workers.runtime.messages import Handler
from workers.runtime.stage import StageRunner
from workers.runtime.transport import Transport


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser("worker", help="run one pipeline stage against Kafka")
    parser.add_argument("stage", choices=STAGES)
    parser.set_defaults(func=_run)


def run_stage(
    stage: Role,
    source_topic: str | Sequence[str],
    handler: Handler,
    transport: Transport,
    settings: Settings,
    *,
    read_committed: bool = False,
) -> None:
    """Run a stage with health and metrics on ``settings.http_port`` (0 disables the server)."""
    metrics = RuntimeMetrics()
    runner = StageRunner(
        stage,
        source_topic,
        handler,
        transport,
        settings,
        metrics=metrics,
        read_committed=read_committed,
    )
    server = None
    if settings.http_port:
        server = HealthServer(
            settings.http_port,
            metrics.registry,
            lambda: runner.ready,
            alive=lambda: runner.alive,
        )
        server.start()
    try:
        runner.run()
    finally:
        if server is not None:
            server.stop()


def _run(args: argparse.Namespace) -> int:
    settings = Settings()
    configure_logging(settings.log_level)
    # Imported here so that the other verbs do not load every stage and its dependencies.
    from workers.stages import build_handler

    source_topic, handler = build_handler(args.stage, settings)
    run_stage(args.stage, source_topic, handler, KafkaTransport(settings), settings)
    return 0
