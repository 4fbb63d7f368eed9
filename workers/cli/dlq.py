"""`imr dlq list` and `imr dlq replay`: inspect and re-drive dead letters.

Both select by stage, reason, a piece of the object key or letter id, and a time range; each
dead letter is shown with its object key, letter id, reason, kind (transient or permanent) and
age, never its payload. Replay refuses permanent failures unless ``--force`` and never
re-publishes a dead letter twice (see :func:`workers.runtime.replay.replay_dead_letters`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from workers.cli.broker import exits_when_broker_unreachable
from workers.config import STAGES, Settings
from workers.runtime.kafka_transport import KafkaTransport
from workers.runtime.messages import Message
from workers.runtime.replay import Selection, list_dead_letters, replay_dead_letters


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser("dlq", help="inspect and replay dead letters")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="print dead letters as JSON lines (no payloads)")
    listing.add_argument("--stage", choices=STAGES, help="one stage (default: all)")
    listing.add_argument("--limit", type=int, default=None, help="print at most N")
    _selection_arguments(listing)
    listing.set_defaults(func=exits_when_broker_unreachable("dlq list", _list))

    replay = actions.add_parser("replay", help="re-publish dead letters to their source topic")
    replay.add_argument("--stage", choices=STAGES, required=True)
    _selection_arguments(replay)
    replay.add_argument(
        "--force", action="store_true", help="replay permanent failures too (they fail again)"
    )
    replay.add_argument("--dry-run", action="store_true", help="show what would be replayed")
    replay.set_defaults(func=exits_when_broker_unreachable("dlq replay", _replay))


def _selection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reason", action="append", default=[], help="only this reason (repeatable)"
    )
    parser.add_argument("--key", help="only dead letters whose object key or letter id has this")
    parser.add_argument(
        "--since", type=_iso_ms, default=None, help="only dead letters from this ISO time on"
    )
    parser.add_argument(
        "--until", type=_iso_ms, default=None, help="only dead letters before this ISO time"
    )


def _iso_ms(value: str) -> int:
    """ISO 8601 date or time (UTC unless it says otherwise) to epoch milliseconds."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _selection(args: argparse.Namespace) -> Selection:
    return Selection(frozenset(args.reason), args.key, args.since, args.until)


def describe(message: Message) -> Mapping[str, str | None]:
    """The letter id and object key a dead letter is about, read from its payload: a pipeline
    event (``data.letter_id``, ``data.source.key``) or a bucket notification (its first
    record's key). Empty for a payload that is neither."""
    try:
        document = json.loads(message.value)
    except (UnicodeDecodeError, ValueError):
        return {"letter_id": None, "object_key": None}
    data = document.get("data", document) if isinstance(document, dict) else {}
    if isinstance(data, dict) and "letter_id" in data:
        source = data.get("source")
        key = source.get("key") if isinstance(source, dict) else None
        return {"letter_id": _text(data.get("letter_id")), "object_key": _text(key)}
    records = document.get("Records") if isinstance(document, dict) else document
    first = records[0] if isinstance(records, list) and records else None
    s3 = first.get("s3") if isinstance(first, dict) else None
    obj = s3.get("object") if isinstance(s3, dict) else None
    key = obj.get("key") if isinstance(obj, dict) else None
    return {"letter_id": None, "object_key": _text(key)}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _list(args: argparse.Namespace) -> int:
    settings = Settings()
    stages = (args.stage,) if args.stage else STAGES
    found = list_dead_letters(
        KafkaTransport(settings),
        settings,
        stages,
        args.limit,
        selection=_selection(args),
        describe=describe,
    )
    for summary in found:
        print(json.dumps(summary.as_json()), flush=True)
    return 0


def _replay(args: argparse.Namespace) -> int:
    settings = Settings()
    counts: dict[str, int] = {}
    items = replay_dead_letters(
        KafkaTransport(settings),
        settings,
        args.stage,
        selection=_selection(args),
        force=args.force,
        dry_run=args.dry_run,
        describe=describe,
    )
    for item in items:
        counts[item.action] = counts.get(item.action, 0) + 1
        print(json.dumps({"action": item.action, **item.summary.as_json()}), flush=True)
    print(json.dumps({"stage": args.stage, "dry_run": args.dry_run, **counts}), file=sys.stderr)
    return 0
