"""The progress line of long runs: what it says, and where it stays quiet."""

from __future__ import annotations

import io

import pytest

from workers.progress import Progress, shows_progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_line_gives_letters_pages_per_second_and_time_left() -> None:
    now = [100.0]
    out = _Terminal()
    progress = Progress(40, out, enabled=True, clock=lambda: now[0])
    now[0] = 110.0
    progress.advance(10, 25)
    assert progress.line() == "10/40 letters, 2.5 pages/s, 0:30 left"
    assert out.getvalue().endswith("10/40 letters, 2.5 pages/s, 0:30 left")
    progress.close()
    assert out.getvalue().endswith("\r\033[K")


def test_before_any_letter_the_time_left_is_unknown() -> None:
    progress = Progress(3, io.StringIO(), enabled=True, clock=lambda: 5.0)
    assert progress.line() == "0/3 letters, 0.0 pages/s, --:-- left"


def test_progress_shows_on_a_terminal_only_and_never_under_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert shows_progress(_Terminal())
    assert not shows_progress(io.StringIO())
    monkeypatch.setenv("CI", "true")
    assert not shows_progress(_Terminal())
    quiet = io.StringIO()
    progress = Progress(2, quiet)
    progress.advance(1, 3)
    progress.close()
    assert quiet.getvalue() == ""
