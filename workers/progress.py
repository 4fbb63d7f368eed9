"""A one-line progress report for long runs, shown only on a terminal.

``imr run`` and ``imr extract`` over many files report letters done of the total, pages read per
second and the time left. Nothing is written when the stream is not a terminal (a pipe, a file)
or under CI (``CI`` set), so logs and captured output stay clean.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TextIO

_CLEAR = "\r\033[K"


def shows_progress(stream: TextIO) -> bool:
    """Whether progress belongs on ``stream``: a terminal, outside CI."""
    return stream.isatty() and not os.environ.get("CI")


class Progress:
    """Letters done of ``total`` on ``stream``; every call redraws the line."""

    def __init__(
        self,
        total: int,
        stream: TextIO,
        *,
        enabled: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.stream = stream
        self.enabled = shows_progress(stream) if enabled is None else enabled
        self.letters = 0
        self.pages = 0
        self._clock = clock
        self._started = clock()

    def advance(self, letters: int, pages: int) -> None:
        """Count ``letters`` more done, ``pages`` pages among them, and redraw."""
        self.letters += letters
        self.pages += pages
        if self.enabled:
            print(_CLEAR + self.line(), end="", file=self.stream, flush=True)

    def line(self) -> str:
        elapsed = max(self._clock() - self._started, 1e-9)
        rate = self.pages / elapsed
        left = self.total - self.letters
        eta = "--:--" if not self.letters else _minutes(left * elapsed / self.letters)
        return f"{self.letters}/{self.total} letters, {rate:.1f} pages/s, {eta} left"

    def close(self) -> None:
        """Clear the line (the run prints its own summary)."""
        if self.enabled:
            print(_CLEAR, end="", file=self.stream, flush=True)


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
