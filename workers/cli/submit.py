"""`imr submit FILE...`: upload letters to the drop bucket and announce each one.

Each file is stored under ``<key prefix><file name>``; then a ``letter.received`` event is
published straight to the received topic, so the letter is processed even where the bucket
sends no notifications. Where it does, pass ``--no-publish`` to leave announcing to it (both
would announce the same letter id twice, which downstream tolerates but need not see).
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from schemas.events import LetterReceived
from workers.cli.broker import exits_when_broker_unreachable
from workers.config import Settings
from workers.runtime import (
    DeliveryError,
    KafkaTransport,
    PermanentError,
    Producer,
    TransientError,
)
from workers.stages import received_event, source_object
from workers.stages.codec import emit
from workers.storage import ObjectStore, S3ObjectStore

SOURCE = "/imr/cli/submit"


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "submit", help="upload letters to the drop bucket and announce them for processing"
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="PDF or text letters")
    parser.add_argument("--bucket", help="drop bucket (default: IMR_S3_BUCKET)")
    parser.add_argument("--key-prefix", help="prefix of the object keys (default: IMR_S3_PREFIX)")
    parser.add_argument(
        "--no-publish",
        action="store_true",
        help="only upload; the bucket notification announces the letters",
    )
    parser.set_defaults(func=exits_when_broker_unreachable("submit", _run))


def submit(
    files: Sequence[Path],
    store: ObjectStore,
    producer: Producer | None,
    settings: Settings,
    *,
    bucket: str,
    key_prefix: str,
) -> Iterator[LetterReceived]:
    """Upload each file and, with a ``producer``, publish its ``letter.received`` event.

    Yields each event once its file is stored and its event delivered.
    """
    for path in files:
        data = path.read_bytes()
        key = key_prefix + path.name
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        stored = store.put(bucket, key, data, content_type)
        event = received_event(source_object(stored), event_source=SOURCE)
        if producer is not None:
            producer.send(emit(settings.topic_letters_received, event))
            producer.flush()
        yield event


def _problems(files: Sequence[Path]) -> list[str]:
    problems = [f"not a file: {path}" for path in files if not path.is_file()]
    names = [path.name for path in files]
    problems += [
        f"two files named {name}" for name in sorted({n for n in names if names.count(n) > 1})
    ]
    return problems


def _run(args: argparse.Namespace) -> int:
    problems = _problems(args.files)
    if problems:
        for problem in problems:
            print(f"imr submit: {problem}", file=sys.stderr)
        return 2
    settings = Settings()
    producer = None if args.no_publish else KafkaTransport(settings).producer()
    events = submit(
        args.files,
        S3ObjectStore.from_settings(settings),
        producer,
        settings,
        bucket=args.bucket or settings.s3_bucket,
        key_prefix=settings.s3_prefix if args.key_prefix is None else args.key_prefix,
    )
    try:
        for event in events:
            source = event.data.source
            line = {"letter_id": event.data.letter_id, "bucket": source.bucket, "key": source.key}
            print(json.dumps({**line, "published": producer is not None}), flush=True)
    except (DeliveryError, PermanentError, TransientError) as error:
        print(f"imr submit: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    finally:
        if producer is not None:
            producer.close()
    return 0
