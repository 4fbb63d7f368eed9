"""`imr report`: the claims database in the terminal: letters per day, uphold and overturn
rates by service category and by guideline, the review queue's age and dead letters by reason.
The review console shows the same figures as charts at /summary."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from workers.cli.database import add_database_option, database_url
from workers.config import Settings


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "report", help="summary of the claims database in the terminal", description=__doc__
    )
    add_database_option(parser)
    parser.add_argument("--width", type=int, default=40, help="width of the bars (default: 40)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    url = database_url(args, Settings())
    if url is None:
        print("imr report: no database: pass --database or set IMR_DATABASE_URL", file=sys.stderr)
        return 2
    from workers.claims import open_database
    from workers.claims.report import render_text, summarise

    database = open_database(url)
    try:
        print(render_text(summarise(database), width=max(10, args.width)))
    finally:
        database.close()
    return 0
