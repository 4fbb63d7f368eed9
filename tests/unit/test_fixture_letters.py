"""Every fixture letter, as text and as PDF, extracts to its hand-written expected record.

``tests/fixtures/letters/<name>.expected.json`` states the fields a letter must yield (LetterRecord
names; strings compared with whitespace collapsed) or ``{"error": <reason>}`` for a document that
must be refused. Broken inputs in ``tests/fixtures/broken/`` must raise their typed error.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from workers.extraction import (
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedDocumentError,
    ExtractionError,
    NoTextLayerError,
    extract,
)
from workers.extraction.fields import collapse_ws

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LETTERS = FIXTURES / "letters"
PDFS = FIXTURES / "pdf"
BROKEN = FIXTURES / "broken"

EXPECTED = sorted(LETTERS.glob("*.expected.json"))


def _expected(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _sources(expected: Path) -> list[Path]:
    name = expected.name.removesuffix(".expected.json")
    return [LETTERS / f"{name}.txt", PDFS / f"{name}.pdf"]


def _cases(*, refused: bool) -> list[Any]:
    return [
        pytest.param(source, expected, id=source.relative_to(FIXTURES).as_posix())
        for expected in EXPECTED
        if ("error" in _expected(expected)) == refused
        for source in _sources(expected)
    ]


RECORD_CASES = _cases(refused=False)
REFUSED_CASES = _cases(refused=True)


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        return collapse_ws(value)
    if isinstance(value, list):
        return [_normal(entry) for entry in value]
    if isinstance(value, dict):
        return {key: _normal(entry) for key, entry in value.items()}
    return value


def _differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Fields of ``expected`` that ``actual`` does not match (keys absent from it are ignored)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return [
            difference
            for key, value in expected.items()
            for difference in _differences(value, actual.get(key), f"{path}.{key}")
        ]
    if (
        isinstance(expected, list)
        and isinstance(actual, list)
        and len(expected) == len(actual)
        and all(isinstance(entry, dict) for entry in expected)
    ):
        return [
            difference
            for index, (want, got) in enumerate(zip(expected, actual, strict=True))
            for difference in _differences(want, got, f"{path}[{index}]")
        ]
    if _normal(expected) != _normal(actual):
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("make_pdfs", FIXTURES / "make_pdfs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_pdfs_match_their_letters() -> None:
    """A letter edited without rerunning make_pdfs.py leaves a stale PDF behind."""
    generator = _generator()
    for letter in sorted(LETTERS.glob("*.txt")):
        drawn = generator.letter_pdf(letter.read_text(encoding="utf-8"))
        assert drawn == (PDFS / f"{letter.stem}.pdf").read_bytes(), letter.name


def test_every_layout_and_refusal_has_a_fixture() -> None:
    layouts = {_expected(path).get("layout") for path in EXPECTED}
    errors = {_expected(path).get("error") for path in EXPECTED}
    assert {"A-2014", "A-2016", "B", "C", "D"} <= layouts
    assert {"not_an_imr_letter", "unknown_layout"} <= errors
    for expected in EXPECTED:
        for source in _sources(expected):
            assert source.is_file(), f"{source} missing: run tests/fixtures/make_pdfs.py"


@pytest.mark.parametrize(("source", "expected_path"), RECORD_CASES)
def test_fixture_letter_extracts_to_expected(source: Path, expected_path: Path) -> None:
    record = extract(source.read_bytes()).model_dump(mode="json")
    assert _differences(_expected(expected_path), record) == []


@pytest.mark.parametrize(("source", "expected_path"), REFUSED_CASES)
def test_fixture_document_is_refused_with_its_reason(source: Path, expected_path: Path) -> None:
    with pytest.raises(ExtractionError) as raised:
        extract(source.read_bytes())
    assert raised.value.reason == _expected(expected_path)["error"]


@pytest.mark.parametrize("source", [case.values[0] for case in RECORD_CASES])
def test_every_item_value_has_provenance_inside_the_letter(source: Path) -> None:
    record = extract(source.read_bytes())
    assert {"case_number", "patient.age"} <= record.provenance.keys()
    for item in record.items:
        assert {"treatment", "outcome", "rationale"} <= item.provenance.keys()
        for name, where in item.provenance.items():
            assert 1 <= where.page <= record.pages, name
            assert where.start < where.end, name
            assert 0 < item.confidence[name] <= 1, name


BROKEN_CASES = [
    ("empty.pdf", EmptyDocumentError),
    ("truncated.pdf", CorruptDocumentError),
    ("encrypted.pdf", EncryptedDocumentError),
    ("image_only.pdf", NoTextLayerError),
    ("garbage_after_header.pdf", CorruptDocumentError),
]


@pytest.mark.parametrize(("name", "error"), BROKEN_CASES, ids=[name for name, _ in BROKEN_CASES])
def test_broken_input_raises_typed_error(name: str, error: type[ExtractionError]) -> None:
    data = (BROKEN / name).read_bytes()
    assert len(data) < 50_000
    with pytest.raises(error):
        extract(data)


@pytest.mark.parametrize("media_type", [None, "application/pdf"])
def test_plain_text_named_pdf_is_read_as_text(media_type: str | None) -> None:
    record = extract((BROKEN / "plain_text_named.pdf").read_bytes(), media_type=media_type)
    assert record.case_number == _expected(LETTERS / "a2014_two_items.expected.json")["case_number"]
    assert len(record.items) == 2


def test_utf16_letter_extracts_like_its_utf8_original() -> None:
    utf16 = extract((BROKEN / "letter_utf16.txt").read_bytes())
    original = extract((LETTERS / "a2014_two_items.txt").read_bytes())
    assert utf16.model_dump(exclude={"provenance"}) == original.model_dump(exclude={"provenance"})
