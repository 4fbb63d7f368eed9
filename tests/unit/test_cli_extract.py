"""`imr extract`: output shapes, per-file failure lines and exit status."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from schemas.letter import LetterRecord
from workers.cli import main
from workers.extraction import EXTRACTOR_VERSION

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
A2016 = FIXTURES / "letters" / "a2016_three_items.txt"
A2014 = FIXTURES / "pdf" / "a2014_two_items.pdf"
ENCRYPTED = FIXTURES / "broken" / "encrypted.pdf"


def test_json_with_one_file_prints_exactly_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", "--json", str(A2016)]) == 0
    out, err = capsys.readouterr()
    record = json.loads(out)
    assert record["case_number"] == "CM16-0218843"
    assert len(record["items"]) == 3
    assert err == ""


def test_output_is_the_determination_with_the_file_as_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["extract", str(A2016)]) == 0
    data = json.loads(capsys.readouterr().out)
    digest = hashlib.sha256(A2016.read_bytes()).hexdigest()
    assert data["source"]["key"] == A2016.name
    assert data["source"]["sha256"] == digest
    assert data["validation"]["status"] == "valid"
    assert data["extractor_version"] == EXTRACTOR_VERSION
    assert data["items"][0]["claims_administrator_guidelines"][0]["guideline_id"]


def test_record_flag_prints_the_extraction_record_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["extract", "--record", str(A2016)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert LetterRecord.model_validate(data).case_number == "CM16-0218843"


def test_jsonl_prints_one_line_per_letter(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", "--jsonl", str(A2016), str(A2014)]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert [json.loads(line)["layout"] for line in lines] == ["A-2016", "A-2014"]
    assert "2 letters, 5 items" in err
    assert "0 failures" in err


def test_failure_is_reported_and_others_continue(capsys: pytest.CaptureFixture[str]) -> None:
    missing = FIXTURES / "no-such-letter.pdf"
    assert main(["extract", "--jsonl", str(ENCRYPTED), str(missing), str(A2016)]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1
    failure_lines = [line for line in err.splitlines() if ": " in line and "letters," not in line]
    assert failure_lines[0].startswith(f"{ENCRYPTED}: encrypted: ")
    assert failure_lines[1].startswith(f"{missing}: unreadable: ")
    assert "2 failures" in err


def test_out_dir_gets_one_file_per_letter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["extract", "--out", str(tmp_path), str(A2016), str(A2014)]) == 0
    out, _ = capsys.readouterr()
    assert out == ""
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == ["a2014_two_items.json", "a2016_three_items.json"]
    assert json.loads((tmp_path / "a2014_two_items.json").read_text())["layout"] == "A-2014"


def test_page_limit_is_a_failure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", "--max-pages", "1", str(A2014)]) == 1
    _, err = capsys.readouterr()
    assert f"{A2014}: too_large: " in err
