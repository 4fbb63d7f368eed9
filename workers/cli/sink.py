"""`imr sink`: land determination events and dead letters in the claims database until SIGTERM.

Consumer group ``<prefix>-sink``, reading committed records only. Each record is committed to
the database before its offset is committed to Kafka; a letter id already in the database is
left as it is, so duplicates and replays change nothing.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import structlog

from workers.cli.broker import exits_when_broker_unreachable
from workers.cli.database import add_database_option, database_url
from workers.config import Settings
from workers.observability.logs import configure_logging

log = structlog.get_logger(__name__)


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "sink",
        help="land determination events in the claims database (PostgreSQL)",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    add_database_option(parser)
    parser.set_defaults(func=exits_when_broker_unreachable("sink", _run))


def _run(args: argparse.Namespace) -> int:
    from workers.cli.worker import run_stage, stable_settings

    # The database is the sink's output: its commits, not Kafka transactions, settle a record.
    settings = stable_settings(Settings()).model_copy(update={"delivery_mode": "at_least_once"})
    configure_logging(settings.log_level)
    url = database_url(args, settings)
    if url is None:
        print("imr sink: no database: pass --database or set IMR_DATABASE_URL", file=sys.stderr)
        return 2
    # Imported here so that the other verbs do not load the database drivers.
    from workers.claims import DatabaseUnavailableError, LetterStore, open_database
    from workers.claims.subscriber import make_sink_handler, sink_topics
    from workers.runtime.kafka_transport import KafkaTransport

    try:
        database = open_database(url)
    except DatabaseUnavailableError as error:
        print(f"imr sink: database unreachable ({error})", file=sys.stderr)
        return 3
    log.info("sink_database", database=database.description, dialect=database.dialect)
    try:
        handler = make_sink_handler(LetterStore(database), settings)
        run_stage(
            "sink",
            sink_topics(settings),
            handler,
            KafkaTransport(settings),
            settings,
            read_committed=True,
        )
    finally:
        database.close()
    return 0
