"""Pid-file process handling of the local stack, exercised with real short-lived processes."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from imr_stack.processes import ManagedProcess, StackError, wait_until

# A parent with a child of its own: stopping the process group must end both.
PARENT_WITH_CHILD = "import subprocess, time; subprocess.Popen(['sleep', '60']); time.sleep(60)"


@pytest.fixture
def managed(tmp_path: Path) -> Iterator[ManagedProcess]:
    process = ManagedProcess("demo", tmp_path / "demo.pid", tmp_path / "demo.log", "time.sleep")
    yield process
    process.stop(grace=1)


def _stat_fields(pid: int) -> list[str]:
    """State, parent pid, ... of a process; empty once it is gone (it may go at any time)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _children_of(pid: int) -> list[int]:
    return [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and _stat_fields(int(p.name))[1:2] == [str(pid)]
    ]


def _gone(pid: int) -> bool:
    return _stat_fields(pid)[:1] in ([], ["Z"])


def test_started_process_is_tracked_and_its_whole_group_stopped(managed: ManagedProcess) -> None:
    pid = managed.start([sys.executable, "-c", PARENT_WITH_CHILD], os.environ, Path.cwd())
    assert managed.pid() == pid
    wait_until("the child process", lambda: bool(_children_of(pid)), 10)
    child = _children_of(pid)[0]

    assert managed.stop(grace=5) is True

    assert managed.pid() is None
    assert not managed.pid_file.exists()
    # The child got the group's SIGTERM; it may take a moment to exit on a loaded machine.
    wait_until("the child to exit", lambda: _gone(child), 10)


def test_stop_without_a_process_reports_nothing_to_stop(managed: ManagedProcess) -> None:
    assert managed.stop() is False


def test_pid_file_of_an_unrelated_process_is_not_trusted(managed: ManagedProcess) -> None:
    managed.pid_file.write_text(f"{os.getpid()}\n")  # this pytest process lacks the marker
    assert managed.pid() is None
    assert managed.stop() is False
    assert not managed.pid_file.exists()


def test_wait_reports_the_last_probe_error_on_timeout() -> None:
    def probe() -> bool:
        raise ConnectionRefusedError("nobody home")

    with pytest.raises(StackError, match="nobody home"):
        wait_until("a service", probe, timeout=0.3)


def test_wait_gives_up_when_the_process_exits(managed: ManagedProcess) -> None:
    managed.start([sys.executable, "-c", "import time; time.sleep(0.2)"], os.environ, Path.cwd())
    # Not "timed out after 30s": the wait noticed the exit.
    with pytest.raises(StackError, match="demo exited"):
        wait_until("a port that never opens", lambda: False, timeout=30, process=managed)
