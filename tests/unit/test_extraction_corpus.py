"""Every gold field of the DWC 2016-17 corpus is extracted, and no corpus letter fails."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "dwc-imr-2016"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not (CORPUS / "pdf").is_dir(), reason=f"corpus not found at {CORPUS}"),
]


def _benchmark() -> ModuleType:
    name = "benchmarks_accuracy"
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / "accuracy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def report() -> dict[str, object]:
    result: dict[str, object] = _benchmark().run(CORPUS)
    return result


def test_all_gold_fields_are_correct(report: dict[str, object]) -> None:
    assert report["misses"] == {}
    assert report["gold_fields_correct"] == report["gold_fields_total"]
    assert report["gold_letters"] == 30


def test_every_corpus_letter_is_extracted(report: dict[str, object]) -> None:
    assert report["failures"] == {}
    assert report["crashes"] == 0
    assert report["extracted"] == report["letters"] == 94


def test_totals_match_the_corpus_description(report: dict[str, object]) -> None:
    assert report["totals"] == report["expected_totals"]


def test_every_outcome_agrees_with_its_rationale(report: dict[str, object]) -> None:
    assert report["outcome_rationale_disagreements"] == []
