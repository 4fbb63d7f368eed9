"""`imr dlq list` and `imr dlq replay`: inspect and re-drive dead letters."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from workers.cli.broker import exits_when_broker_unreachable
from workers.config import ROLES, Settings
from workers.runtime.kafka_transport import KafkaTransport
from workers.runtime.replay import list_dead_letters, replay_dead_letters


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser("dlq", help="inspect and replay dead letters")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="print dead letters as JSON lines (no payloads)")
    listing.add_argument("--stage", choices=ROLES, help="one stage (default: all)")
    listing.add_argument("--limit", type=int, default=None, help="print at most N")
    listing.set_defaults(func=exits_when_broker_unreachable("dlq list", _list))

    replay = actions.add_parser("replay", help="re-publish dead letters to their source topic")
    replay.add_argument("--stage", choices=ROLES, required=True)
    replay.add_argument(
        "--since", type=_iso_ms, default=None, help="only dead letters from this ISO time on"
    )
    replay.add_argument("--dry-run", action="store_true", help="show what would be replayed")
    replay.set_defaults(func=exits_when_broker_unreachable("dlq replay", _replay))


def _iso_ms(value: str) -> int:
    """ISO 8601 date or time (UTC unless it says otherwise) to epoch milliseconds."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _list(args: argparse.Namespace) -> int:
    settings = Settings()
    stages = (args.stage,) if args.stage else ROLES
    for summary in list_dead_letters(KafkaTransport(settings), settings, stages, args.limit):
        print(json.dumps(summary.as_json()), flush=True)
    return 0


def _replay(args: argparse.Namespace) -> int:
    settings = Settings()
    counts: dict[str, int] = {}
    items = replay_dead_letters(
        KafkaTransport(settings), settings, args.stage, since_ms=args.since, dry_run=args.dry_run
    )
    for item in items:
        counts[item.action] = counts.get(item.action, 0) + 1
        print(json.dumps({"action": item.action, **item.summary.as_json()}), flush=True)
    print(json.dumps({"stage": args.stage, "dry_run": args.dry_run, **counts}), file=sys.stderr)
    return 0
