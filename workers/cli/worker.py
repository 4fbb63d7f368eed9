"""`imr worker STAGE`: run one pipeline stage as a Kafka consumer-producer until SIGTERM."""

from __future__ import annotations

import argparse
import socket
from collections.abc import Sequence
from typing import Any

import structlog

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


def stable_settings(settings: Settings) -> Settings:
    """``settings`` with an instance id: ``IMR_INSTANCE_ID``, else the host name.

    The host name is the pod name in Kubernetes and the container id under Compose, both kept
    when the container restarts. The restarted worker then comes back as the same static group
    member, so it gets its partitions at once instead of after the session timeout, and
    (exactly-once) initialises the same transactional id, which aborts its predecessor's open
    transaction at once instead of after the transaction timeout. Replicas of one stage on one
    host must each set their own ``IMR_INSTANCE_ID``: two members with one id fence each other.
    """
    if settings.instance_id:
        return settings
    return settings.model_copy(update={"instance_id": socket.gethostname()})


def run_stage(
    stage: Role,
    source_topic: str | Sequence[str],
    handler: Handler,
    transport: Transport,
    settings: Settings,
    metrics: RuntimeMetrics | None = None,
    *,
    read_committed: bool = False,
) -> None:
    """Run a stage with health and metrics on its port (:meth:`Settings.stage_http_port`; 0
    binds any free one) unless ``settings.http_enabled`` is false."""
    metrics = metrics or RuntimeMetrics()
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
    if settings.http_enabled:
        server = HealthServer(
            settings.stage_http_port(stage),
            metrics.registry,
            lambda: runner.ready,
            alive=lambda: runner.alive,
        )
        server.start()
        structlog.get_logger("imr.worker").info(
            "health server listening", stage=stage, port=server.port
        )
    try:
        runner.run()
    finally:
        if server is not None:
            server.stop()


def _run(args: argparse.Namespace) -> int:
    settings = stable_settings(Settings()).for_stage(args.stage)
    configure_logging(settings.log_level)
    # Imported here so that the other verbs do not load every stage and its dependencies.
    from workers.stages import build_handler

    metrics = RuntimeMetrics()
    source_topic, handler = build_handler(args.stage, settings, registry=metrics.registry)
    run_stage(args.stage, source_topic, handler, KafkaTransport(settings), settings, metrics)
    return 0
