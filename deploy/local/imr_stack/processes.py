"""Detached service processes tracked by pid files, and the waits around them."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


class StackError(RuntimeError):
    """A service could not be installed, started or stopped."""


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise StackError(f"'{name}' is not on PATH; the local stack needs it")
    return path


def run_checked(
    argv: Sequence[str], cwd: Path, what: str, env: Mapping[str, str] | None = None
) -> None:
    """Run a setup command to completion; on failure raise with the tail of its output."""
    result = subprocess.run(
        list(argv), cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip()[-4000:]
        raise StackError(f"{what} failed (exit {result.returncode}):\n{tail}")


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(
    what: str, check: Callable[[], bool], timeout: float, process: ManagedProcess | None = None
) -> None:
    """Poll ``check`` until it returns true (while ``process``, if given, keeps running).

    A probe that raises counts as "not ready yet". Raises ``StackError`` naming the process
    log when the process exits or the timeout passes.
    """
    deadline = time.monotonic() + timeout
    last_error = ""
    while True:
        try:
            if check():
                return
        except Exception as exc:
            last_error = f" (last probe error: {exc!r})"
        where = f"; see {process.log_file}" if process else ""
        if process and process.pid() is None:
            raise StackError(f"{process.name} exited while waiting for {what}{where}")
        if time.monotonic() > deadline:
            raise StackError(
                f"timed out after {timeout:.0f}s waiting for {what}{last_error}{where}"
            )
        time.sleep(0.25)


@dataclass(frozen=True)
class ManagedProcess:
    """One service process: its pid file, its log and a word its command line must contain.

    The marker guards against acting on a recycled pid that now belongs to something else.
    """

    name: str
    pid_file: Path
    log_file: Path
    marker: str

    def pid(self) -> int | None:
        """The pid of the running service, or ``None`` when it is not running.

        An empty command line is accepted: it is what ``/proc`` shows while a process execs.
        """
        try:
            pid = int(self.pid_file.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        if (cmdline and self.marker.encode() not in cmdline) or _is_zombie(pid):
            return None
        return pid

    def start(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> int:
        """Start ``argv`` in its own session (so ``stop`` can signal the whole group)."""
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=dict(env),
                start_new_session=True,
            )
        self.pid_file.write_text(f"{proc.pid}\n")
        return proc.pid

    def stop(self, grace: float = 30.0) -> bool:
        """SIGTERM the process group, wait up to ``grace`` seconds, then SIGKILL it.

        Returns whether there was anything to stop.
        """
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            _signal_group(pid, signal.SIGKILL)
            while _alive(pid):
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)
        return True


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and not _is_zombie(pid)
