"""`imr topics create`: create every pipeline, dead-letter and replay-ledger topic (existing ones
are kept)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from kafka import KafkaAdminClient
from kafka.errors import TopicAlreadyExistsError, for_code

from workers.cli.broker import exits_when_broker_unreachable
from workers.config import STAGES, Settings
from workers.runtime.kafka_config import client_config


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser("topics", help="manage the Kafka topics of the pipeline")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create", help="create every topic with the configured partitions and replication"
    )
    create.set_defaults(func=exits_when_broker_unreachable("topics create", _create))


def topic_names(settings: Settings) -> list[str]:
    return [
        settings.topic_s3_events,
        settings.topic_letters_received,
        settings.topic_letters_ocr,
        settings.topic_letters_parsed,
        settings.topic_letters_validated,
        settings.topic_determinations,
        *(settings.dlq_topic(stage) for stage in STAGES),
        *(settings.replay_ledger_topic(stage) for stage in STAGES),
    ]


def create_topics(settings: Settings) -> dict[str, str]:
    """Create what is missing; returns ``topic -> "created" | "exists" | error class name``."""
    admin = KafkaAdminClient(**client_config(settings))
    try:
        existing = set(admin.list_topics())
        wanted = topic_names(settings)
        status = {name: "exists" for name in wanted if name in existing}
        ledgers = {settings.replay_ledger_topic(stage) for stage in STAGES}
        missing = {
            name: {
                "num_partitions": settings.topic_partitions,
                "replication_factor": settings.topic_replication_factor,
                # A replay ledger is looked up by key: keep the latest record per key.
                **({"configs": {"cleanup.policy": "compact"}} if name in ledgers else {}),
            }
            for name in wanted
            if name not in existing
        }
        if missing:
            result = admin.create_topics(missing, raise_errors=False, wait_for_metadata=False)
            for topic in result["topics"]:
                code = topic["error_code"]
                status[topic["name"]] = (
                    "created"
                    if code == 0
                    else "exists"
                    if code == TopicAlreadyExistsError.errno
                    else for_code(code).__name__
                )
            created = [name for name in missing if status.get(name) == "created"]
            if created:
                admin.wait_for_topics(created)
        return {name: status.get(name, "unknown") for name in wanted}
    finally:
        admin.close()


def _create(args: argparse.Namespace) -> int:
    settings = Settings()
    status = create_topics(settings)
    for name, outcome in status.items():
        print(json.dumps({"topic": name, "status": outcome}))
    return 0 if all(s in ("created", "exists") for s in status.values()) else 1
