"""The ``imr`` command line: one sub-command module per verb."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from workers import __version__

# Each module exposes ``register(subparsers)`` which adds its sub-command and sets
# ``func(args) -> int`` as the handler.
_COMMANDS = (
    "extract",
    "run",
    "worker",
    "topics",
    "submit",
    "reconcile",
    "dlq",
    "sink",
    "review",
    "report",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The ``imr`` parser with every verb, or with just ``only`` (so only its module loads)."""
    parser = argparse.ArgumentParser(
        prog="imr", description="Turn IMR Final Determination Letters into determination events."
    )
    parser.add_argument("--version", action="version", version=f"imr {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS if only is None else (only,):
        importlib.import_module(f"workers.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # A verb's module pulls in its dependencies (PDF library, Kafka client, S3 client); load
    # only the one asked for. Without a known verb first (help, --version, a typo) all load.
    verb = args_list[0] if args_list and args_list[0] in _COMMANDS else None
    parser = build_parser(only=verb)
    args = parser.parse_args(args_list)
    if not hasattr(args, "func"):
        parser.print_help(sys.stderr)
        return 2
    result: int = args.func(args)
    return result
