"""The pieces of embedded mode: state, folder scan, synthetic notifications, outputs, summary."""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from workers.config import Settings
from workers.embedded import (
    DeadLetterNote,
    FolderRun,
    FolderScanner,
    OutputSink,
    ProcessedFiles,
    RunSummary,
)
from workers.embedded.notification import created_notification
from workers.stages.notifications import ObjectFilter, parse_notification
from workers.storage import LocalFolderStore, ObjectInfo

ACCEPT = ObjectFilter("drop", suffixes=(".pdf", ".txt"))


def _store(tmp_path: Path, files: dict[str, bytes]) -> LocalFolderStore:
    for key, data in files.items():
        path = tmp_path / "drop" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return LocalFolderStore(tmp_path / "drop", bucket="drop")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_processed_files_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.sqlite"
    state = ProcessedFiles(path)
    state.mark([(_sha(b"a"), "a.txt", "determined")])
    state.close()
    reopened = ProcessedFiles(path)
    assert _sha(b"a") in reopened
    assert _sha(b"b") not in reopened


def test_memory_state_is_not_shared() -> None:
    state = ProcessedFiles(None)
    state.mark([(_sha(b"a"), "a.txt", "dead_lettered")])
    assert _sha(b"a") in state
    assert _sha(b"a") not in ProcessedFiles(None)


def test_scan_picks_new_letter_files_and_skips_processed_contents(tmp_path: Path) -> None:
    store = _store(
        tmp_path,
        {
            "a.pdf": b"A",
            "sub/b.TXT": b"B",
            "copy-of-a.txt": b"A",
            "notes.docx": b"C",
            ".hidden.pdf": b"D",
            "out/result.txt": b"E",
        },
    )
    processed = {_sha(b"B")}
    pending, skipped = FolderScanner(store, ACCEPT, exclude_prefixes=["out/"]).scan(processed)
    assert [(f.key, f.sha256) for f in pending] == [("a.pdf", _sha(b"A"))]
    # sub/b.TXT was processed before; copy-of-a.txt has the same content as a.pdf.
    assert skipped == 2


def test_a_modified_file_is_pending_again(tmp_path: Path) -> None:
    store = _store(tmp_path, {"a.txt": b"first"})
    processed = {_sha(b"first")}
    scanner = FolderScanner(store, ACCEPT)
    assert scanner.scan(processed)[0] == []
    (tmp_path / "drop" / "a.txt").write_bytes(b"second!")
    (pending,), _ = scanner.scan(processed)
    assert pending.sha256 == _sha(b"second!")


def test_files_still_being_written_wait_for_a_later_pass(tmp_path: Path) -> None:
    store = _store(tmp_path, {"fresh.pdf": b"F", "old.pdf": b"O"})
    an_hour_ago = time.time() - 3600
    os.utime(tmp_path / "drop" / "old.pdf", (an_hour_ago, an_hour_ago))
    scanner = FolderScanner(store, ACCEPT)
    pending, skipped = scanner.scan(set(), min_age_s=60)
    assert [f.key for f in pending] == ["old.pdf"] and skipped == 0
    assert [f.key for f in scanner.scan(set())[0]] == ["fresh.pdf", "old.pdf"]


def test_unchanged_files_are_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(tmp_path, {"a.pdf": b"A", "b.pdf": b"B"})
    reads: list[str] = []
    head = store.head

    def counting_head(bucket: str, key: str, **kwargs: Any) -> ObjectInfo:
        reads.append(key)
        return head(bucket, key, **kwargs)

    monkeypatch.setattr(store, "head", counting_head)
    scanner = FolderScanner(store, ACCEPT)
    assert len(scanner.scan(set())[0]) == 2 and sorted(reads) == ["a.pdf", "b.pdf"]
    reads.clear()
    assert len(scanner.scan(set())[0]) == 2 and reads == []
    (tmp_path / "drop" / "b.pdf").write_bytes(b"B, longer now")
    (_, changed), _ = scanner.scan(set())
    assert reads == ["b.pdf"] and changed.sha256 == _sha(b"B, longer now")


def test_synthetic_notification_announces_the_file_as_ingest_reads_it(tmp_path: Path) -> None:
    key = "2017/Jan letters/CM17 +x ü.pdf"
    store = _store(tmp_path, {key: b"%PDF-1.4 body"})
    (dropped,), _ = FolderScanner(store, ACCEPT).scan(set())
    payload = created_notification(dropped.info, datetime(2017, 1, 2, tzinfo=UTC), sequencer=7)
    (announced,) = parse_notification(payload, ACCEPT)
    assert (announced.bucket, announced.key) == ("drop", key)
    assert announced.etag == dropped.sha256
    assert announced.size == len(b"%PDF-1.4 body")
    # The id the ingest stage derives is the one embedded mode files results under.
    assert announced.letter_id == dropped.letter_id


def test_sink_writes_dead_letter_bytes_and_description(tmp_path: Path) -> None:
    sink = OutputSink(tmp_path / "out" / "d.jsonl", tmp_path / "out" / "dlq")
    note = DeadLetterNote(
        stage="parse",
        reason="no_text_layer",
        error_class="workers.runtime.errors.PermanentError",
        attempt=1,
        file="scans/page one.pdf",
        letter_id="0" * 32,
        sha256=_sha(b"scan"),
        source_topic="imr.letters.received.v1",
        source_offset=3,
    )
    description = sink.dead_letter(note, b"scan")
    sink.close()
    written = json.loads(description.read_text())
    assert written["stage"] == "parse" and written["reason"] == "no_text_layer"
    assert written["file"] == "scans/page one.pdf" and written["attempt"] == 1
    original = description.with_name(description.name.removesuffix(".json"))
    assert original.read_bytes() == b"scan"
    assert original.name.endswith("scans__page one.pdf")
    assert (tmp_path / "out" / "d.jsonl").read_text() == ""


def test_sink_appends_unless_told_to_start_afresh(tmp_path: Path) -> None:
    out = tmp_path / "d.jsonl"
    out.write_text('{"old": true}\n')
    OutputSink(out, tmp_path / "dlq").close()
    assert out.read_text() == '{"old": true}\n'
    OutputSink(out, tmp_path / "dlq", truncate=True).close()
    assert out.read_text() == ""


def test_summary_renders_counts_only() -> None:
    summary = RunSummary(letters=4, determinations=3, items=5, upheld=4, overturned=1)
    summary.needs_review, summary.dead_letters, summary.skipped, summary.seconds = 1, 1, 2, 0.5
    text = summary.render()
    assert "4 letter(s) processed, 2 already processed" in text
    assert "3 determination(s): 5 item(s), 4 upheld, 1 overturned, 1 needs_review" in text
    assert "1 dead letter(s)" in text and "0.50 s" in text


def test_folder_run_processes_every_batch_and_saves_state_per_file(tmp_path: Path) -> None:
    examples = resources.files("workers.examples")
    letters = {e.name: e.read_bytes() for e in examples.iterdir() if e.name.endswith(".txt")}
    store = _store(tmp_path, {**letters, "blank.txt": b""})
    settings = Settings(_env_file=None, s3_bucket="drop")
    state = ProcessedFiles(tmp_path / "state.sqlite")
    sink = OutputSink(tmp_path / "out.jsonl", tmp_path / "dlq")
    run = FolderRun(store, settings, sink, state, batch_size=2)
    assert run.pass_once() == len(letters) + 1
    assert run.pass_once() == 0
    run.close()

    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert len(lines) == run.summary.determinations == len(letters)
    assert run.summary.dead_letters == 1 and run.summary.letters == len(letters) + 1
    reopened = ProcessedFiles(tmp_path / "state.sqlite")
    assert all(_sha(data) in reopened for data in [*letters.values(), b""])
