"""`imr run`."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: "argparse._SubParsersAction[Any]") -> None:
    """Not wired yet: the owner of this verb replaces this module."""
