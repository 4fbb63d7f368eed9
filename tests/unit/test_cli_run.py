"""`imr run`: the whole pipeline over a folder, on the in-memory bus, with the stage handlers."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from schemas.events import DeterminationExtracted, from_structured
from workers.claims import Database
from workers.claims.snapshot import snapshot
from workers.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXAMPLES = resources.files("workers.examples")
EXAMPLE_NAMES = sorted(
    entry.name for entry in EXAMPLES.iterdir() if entry.name.endswith((".txt", ".pdf"))
)
GOOD_PDF = FIXTURES / "pdf" / "a2016_three_items.pdf"
GOOD_PDF_CASE = json.loads((FIXTURES / "letters" / "a2016_three_items.expected.json").read_text())[
    "case_number"
]

# The CLI in a child process, importing this checkout.
IMR = [
    sys.executable,
    "-c",
    "import sys; from workers.cli import main; sys.exit(main(sys.argv[1:]))",
]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}


def _example_cases() -> set[str]:
    """The bundled examples are named after their case numbers."""
    return {name.rsplit(".", 1)[0] for name in EXAMPLE_NAMES}


def _determinations(path: Path) -> list[DeterminationExtracted]:
    events = [from_structured(json.loads(line)) for line in path.read_text().splitlines()]
    assert all(isinstance(event, DeterminationExtracted) for event in events)
    return events  # type: ignore[return-value]


def _dead_letters(folder: Path) -> dict[str, dict[str, Any]]:
    notes = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
    return {note["file"]: note for note in notes}


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    for name in EXAMPLE_NAMES:
        (folder / name).write_bytes(EXAMPLES.joinpath(name).read_bytes())
    (folder / "incoming").mkdir()
    shutil.copy(GOOD_PDF, folder / "incoming" / "scan-0001.pdf")
    shutil.copy(FIXTURES / "broken" / "empty.pdf", folder / "empty.pdf")
    shutil.copy(FIXTURES / "letters" / "negative_meeting_notes.txt", folder / "minutes.txt")
    (folder / "cover-sheet.docx").write_bytes(b"not a letter type the drop accepts")
    return folder


def _run(*args: str | Path) -> int:
    return main(["run", *map(str, args)])


def test_run_turns_each_good_letter_into_one_determination(
    drop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "determinations.jsonl"
    assert _run(drop, "--out", out) == 0

    events = _determinations(out)
    assert sorted(e.data.case_number or "" for e in events) == sorted(
        [*_example_cases(), GOOD_PDF_CASE]
    )
    by_case = {e.data.case_number: e for e in events}
    assert by_case[GOOD_PDF_CASE].data.source.key == "incoming/scan-0001.pdf"
    assert by_case[GOOD_PDF_CASE].data.source.sha256 is not None

    dead = _dead_letters(out.parent / "dlq")
    assert set(dead) == {"empty.pdf", "minutes.txt"}
    assert dead["minutes.txt"]["reason"] == "not_an_imr_letter"
    assert dead["empty.pdf"]["stage"] == "parse" and dead["empty.pdf"]["reason"]
    for name, note in dead.items():
        # Both are refused by the parse stage at once: the record it read, one attempt.
        assert (note["stage"], note["attempt"], note["source_topic"]) == (
            "parse",
            1,
            "imr.letters.received.v1",
        )
        assert note["error_class"].startswith("workers.")
        kept = out.parent / "dlq" / f"{note['sha256'][:12]}-{note['stage']}-{name}"
        assert kept.read_bytes() == (drop / name).read_bytes()

    summary = capsys.readouterr().out
    items = sum(len(e.data.items) for e in events)
    assert f"{len(events)} determination(s): {items} item(s)" in summary
    assert "2 dead letter(s)" in summary
    assert f"{len(events) + 2} letter(s) processed, 0 already processed" in summary


def test_run_lands_determinations_and_dead_letters_in_the_claims_database(
    drop: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "determinations.jsonl"
    assert _run(drop, "--out", out, "--state", tmp_path / "first.sqlite") == 0
    database = Database.sqlite(out.parent / "claims.sqlite")
    letters = database.query("SELECT letter_id, is_current FROM letters")
    events = _determinations(out)
    assert {row["letter_id"] for row in letters} == {e.data.letter_id for e in events}
    assert all(row["is_current"] for row in letters)
    reasons = database.query("SELECT stage, reason FROM dead_letters ORDER BY reason")
    assert [row["reason"] for row in reasons] == sorted(
        note["reason"] for note in _dead_letters(out.parent / "dlq").values()
    )
    landed = snapshot(database)

    # A fresh state file makes the run read every file again: the same letters change nothing.
    assert _run(drop, "--out", out, "--state", tmp_path / "second.sqlite") == 0
    assert len(_determinations(out)) == 2 * len(events)
    assert snapshot(database) == landed


def test_second_run_skips_processed_files_and_redoes_changed_ones(
    drop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "determinations.jsonl"
    assert _run(drop, "--out", out) == 0
    first = out.read_text().splitlines()
    assert (drop / ".imr-state.sqlite").is_file()
    capsys.readouterr()

    assert _run(drop, "--out", out) == 0
    assert out.read_text().splitlines() == first
    assert f"0 letter(s) processed, {len(first) + 2} already processed" in capsys.readouterr().out

    changed = drop / EXAMPLE_NAMES[0]
    changed.write_text(changed.read_text().replace("Priority: Standard", "Priority: Expedited"))
    assert _run(drop, "--out", out) == 0
    lines = out.read_text().splitlines()
    assert len(lines) == len(first) + 1
    (redone,) = _determinations(out)[len(first) :]
    assert redone.data.source.key == EXAMPLE_NAMES[0]
    assert redone.data.priority == "Expedited"


def test_state_and_dead_letter_locations_can_be_chosen(drop: Path, tmp_path: Path) -> None:
    out, state, dlq = tmp_path / "o" / "d.jsonl", tmp_path / "s" / "st.db", tmp_path / "failed"
    assert _run(drop, "--out", out, "--state", state, "--dlq", dlq) == 0
    assert state.is_file() and not (drop / ".imr-state.sqlite").exists()
    assert set(_dead_letters(dlq)) == {"empty.pdf", "minutes.txt"}
    assert not (out.parent / "dlq").exists()


def test_output_inside_the_drop_folder_is_not_read_back(drop: Path) -> None:
    out = drop / "imr-out" / "determinations.jsonl"
    assert _run(drop, "--out", out) == 0
    count = len(out.read_text().splitlines())
    # The dead-letter copies (.pdf/.txt) under imr-out/ are neither letters nor skipped ones.
    assert _run(drop, "--out", out) == 0
    assert len(out.read_text().splitlines()) == count


def test_no_folder_processes_the_bundled_examples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _run() == 0
    out = tmp_path / "imr-out" / "determinations.jsonl"
    cases = [e.data.case_number for e in _determinations(out)]
    assert sorted(cases) == sorted(_example_cases())
    assert not (tmp_path / "imr-out" / "dlq").exists()
    assert f"{len(EXAMPLE_NAMES)} letter(s) processed" in capsys.readouterr().out
    # Without a state file a second run starts afresh instead of appending duplicates.
    assert _run() == 0
    assert len(_determinations(out)) == len(EXAMPLE_NAMES)


def test_logs_hold_no_letter_text(drop: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [*IMR, "run", str(drop), "--out", str(tmp_path / "o.jsonl"), "--log-level", "DEBUG"],
        capture_output=True,
        text=True,
        check=True,
        env=ENV,
    )
    assert result.stderr
    for needle in ("year old", "Lumbar epidural", "minutes.txt", "injured worker", "Tramadol"):
        assert needle not in result.stderr


def test_watch_picks_up_new_files_until_terminated(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    out = tmp_path / "o.jsonl"
    process = subprocess.Popen(
        [*IMR, "run", str(drop), "--out", str(out), "--watch", "--interval", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        # Dropped whole (hidden files are not read), as a finished copy would arrive.
        staged = drop / f".{EXAMPLE_NAMES[0]}"
        staged.write_bytes(EXAMPLES.joinpath(EXAMPLE_NAMES[0]).read_bytes())
        staged.replace(drop / EXAMPLE_NAMES[0])
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            if out.exists() and out.read_text().endswith("\n"):
                break
            time.sleep(0.1)
        assert process.poll() is None, process.communicate()[1][-2000:]
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 0, stderr[-2000:]
    assert len(_determinations(out)) == 1
    assert "1 letter(s) processed" in stdout


def test_watch_needs_a_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("--watch") == 2
    assert "--watch needs a DROP_DIR" in capsys.readouterr().err
