"""`imr review`: the web console for letters that need a person.

The queue of needs_review letters with their reasons; one letter's pages beside its fields,
each field's provenance highlighted on the page and its confidence shown; edit or confirm
fields and items, then approve: the corrected determination is published as
org.imr.determination.reviewed.v1 and the letter leaves the queue. Every change is recorded
with who made it and when. Reviewers sign in with HTTP basic authentication against
IMR_REVIEW_USERS ("name:password,name:password").
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path
from typing import Any

from workers.cli.database import add_database_option, database_url
from workers.config import Settings
from workers.observability.logs import configure_logging

DEFAULT_PORT = 8000


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "review",
        help="web console to review, correct and approve letters that need a person",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    add_database_option(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to listen on")
    parser.add_argument(
        "--letters",
        type=Path,
        metavar="DIR",
        help="read letters from this folder (as `imr run` saw it) instead of the S3 bucket",
    )
    parser.add_argument(
        "--events-out",
        type=Path,
        metavar="FILE",
        help="append reviewed events to this JSONL file instead of publishing them to Kafka",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    settings = Settings()
    configure_logging(settings.log_level)
    url = database_url(args, settings)
    if url is None:
        print("imr review: no database: pass --database or set IMR_DATABASE_URL", file=sys.stderr)
        return 2
    if settings.review_users is None:
        print("imr review: no reviewers: set IMR_REVIEW_USERS=name:password", file=sys.stderr)
        return 2
    # Imported here so that the other verbs do not load the web stack.
    import uvicorn

    from workers.claims import open_database
    from workers.claims.review import ReviewQueue
    from workers.console.app import create_app, store_documents
    from workers.console.auth import parse_users
    from workers.storage import LocalFolderStore, ObjectStore, S3ObjectStore

    try:
        users = parse_users(settings.review_users.get_secret_value())
    except ValueError as error:
        print(f"imr review: IMR_REVIEW_USERS: {error}", file=sys.stderr)
        return 2
    store: ObjectStore = (
        LocalFolderStore(args.letters, bucket=settings.s3_bucket)
        if args.letters is not None
        else S3ObjectStore.from_settings(settings)
    )
    publish = _file_publisher(args.events_out) if args.events_out else _kafka_publisher(settings)
    queue = ReviewQueue(open_database(url), publish)
    app = create_app(queue, store_documents(store, settings.max_object_bytes), users)
    print(f"review console on http://{args.host}:{args.port}/", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


def _kafka_publisher(settings: Settings) -> Any:
    from schemas.events import DeterminationReviewed
    from workers.runtime.kafka_transport import KafkaTransport
    from workers.stages.codec import emit

    producer = KafkaTransport(settings).producer()

    def publish(event: DeterminationReviewed) -> None:
        producer.send(emit(settings.topic_reviewed, event))
        producer.flush(timeout_s=30)

    return publish


def _file_publisher(path: Path) -> Any:
    from schemas.events import DeterminationReviewed, to_structured

    lock = threading.Lock()
    path.parent.mkdir(parents=True, exist_ok=True)

    def publish(event: DeterminationReviewed) -> None:
        with lock, path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(to_structured(event), ensure_ascii=False) + "\n")

    return publish
