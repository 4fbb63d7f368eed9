"""Kafka-using verbs exit with one line and status 3 when no broker answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.cli import main
from workers.cli.broker import BROKER_UNREACHABLE


@pytest.fixture
def closed_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Port 1 on loopback: nothing listens there, so every connection is refused."""
    monkeypatch.setenv("IMR_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("IMR_KAFKA_BOOTSTRAP_TIMEOUT_MS", "300")


@pytest.mark.parametrize(
    "argv",
    [
        ["reconcile", "--bucket", "letters"],
        ["submit", "{letter}"],
        ["topics", "create"],
        ["dlq", "list"],
        ["dlq", "replay", "--stage", "parse"],
    ],
    ids=lambda argv: " ".join(a for a in argv if not a.startswith("{")),
)
@pytest.mark.usefixtures("closed_broker")
def test_verb_reports_unreachable_broker_in_one_line(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    letter = tmp_path / "letter.txt"
    letter.write_text("Final Determination Letter\n")
    status = main([a.replace("{letter}", str(letter)) for a in argv])
    out, err = capsys.readouterr()
    assert status == BROKER_UNREACHABLE
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    verb = " ".join(argv[:2]) if argv[0] in ("topics", "dlq") else argv[0]
    assert lines[0].startswith(f"imr {verb}: Kafka broker unreachable at 127.0.0.1:1")
