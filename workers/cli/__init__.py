"""The ``imr`` command line: one sub-command module per verb."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from workers import __version__

# Each module exposes ``register(subparsers)`` which adds its sub-command and sets
# ``func(args) -> int`` as the handler.
_COMMANDS = ("extract", "run", "worker", "topics", "submit", "reconcile", "dlq")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imr", description="Turn IMR Final Determination Letters into determination events."
    )
    parser.add_argument("--version", action="version", version=f"imr {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        importlib.import_module(f"workers.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help(sys.stderr)
        return 2
    result: int = args.func(args)
    return result
