"""A reduced fault run: 40 letters per delivery mode while workers are SIGKILLed and restarted,
the broker restarted once and the S3 server once, then ``imr reconcile``.

Runs ``benchmarks/chaos.py`` on a private local stack (own ports and state folder; it restarts
the broker, so it cannot share the session's services) and checks its JSON report: every letter
has exactly one determination in exactly-once mode, at least one with identical content in
at-least-once mode, none missing, and the faults really happened.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
LETTERS = 40
TIMEOUT_S = 300


def free_port_base(span: int = 3) -> int:
    """A port whose next ``span - 1`` neighbours are free as well (private stack ports)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base + span < 65535 and all(_free(base + i) for i in range(span)):
            return base
    pytest.fail("no run of free loopback ports found")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if shutil.which("java") is None:
        pytest.skip("the fault run starts a private local stack and needs java on PATH")
    out = tmp_path_factory.mktemp("chaos")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.chaos", "--letters", str(LETTERS), "--rate", "4",
         "--kill-every", "2", "--port-base", str(free_port_base()), "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )  # fmt: skip
    report_file = out / "chaos.json"
    assert report_file.is_file(), f"no report (exit {done.returncode}):\n{done.stderr[-4000:]}"
    loaded: dict[str, Any] = json.loads(report_file.read_text())
    loaded["exit_code"] = done.returncode
    return loaded


def result(report: dict[str, Any], mode: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in report["results"] if r["mode"] == mode)
    return found


def test_faults_really_happened(report: dict[str, Any]) -> None:
    for run in report["results"]:
        assert run["kills"] >= 3, run
        assert run["broker_restarts"] == 1 and run["s3_restarts"] == 1, run
        assert run["letters"] == LETTERS, run


def test_exactly_once_gives_every_letter_exactly_one_determination(
    report: dict[str, Any],
) -> None:
    run = result(report, "exactly_once")

    assert run["missing"] == 0, run
    assert run["duplicates"] == 0, run
    assert run["determinations"] == run["letters"] == run["letters_determined"], run


def test_at_least_once_gives_every_letter_a_determination_and_identical_repeats(
    report: dict[str, Any],
) -> None:
    run = result(report, "at_least_once")

    assert run["missing"] == 0, run
    assert run["letters_determined"] == run["letters"], run
    assert run["content_mismatches"] == 0, run
    assert run["determinations"] == run["letters"] + run["duplicates"], run


def test_the_run_passes_as_a_whole(report: dict[str, Any]) -> None:
    assert report["passed"] and report["exit_code"] == 0
