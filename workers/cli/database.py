"""The claims database option shared by ``imr sink``, ``imr review`` and ``imr report``."""

from __future__ import annotations

import argparse

from workers.config import Settings


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        metavar="URL",
        help="postgresql://user:password@host/db or sqlite:///path/file.sqlite "
        "(default: IMR_DATABASE_URL)",
    )


def database_url(args: argparse.Namespace, settings: Settings) -> str | None:
    """The URL from the command line, else from the settings; ``None`` when neither says."""
    if args.database:
        return str(args.database)
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    return None
