"""A letter to perturb: its text as the text layer gives it, and what must be read from it."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from tests.perturbation.expected import Expected
from workers.extraction import load_document

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "dwc-imr-2016"


class NotApplicable(Exception):
    """The letter lacks what a rewrite changes (e.g. a second item to reorder)."""


@dataclass(frozen=True)
class Letter:
    case: str
    text: str
    expected: Expected

    def with_text(self, text: str, expected: Expected | None = None) -> Letter:
        return replace(self, text=text, expected=expected or self.expected)


def gold_cases(corpus: Path = CORPUS) -> list[str]:
    """Case numbers of the letters with a gold answer; empty when the corpus is absent."""
    return sorted(path.stem for path in (corpus / "gold").glob("*.json"))


@cache
def gold_letter(case: str, corpus: Path = CORPUS) -> Letter:
    """The gold letter ``case``: its PDF's normalised text (pages joined by form feeds)."""
    doc = load_document((corpus / "pdf" / f"{case}.pdf").read_bytes())
    gold = json.loads((corpus / "gold" / f"{case}.json").read_text())
    return Letter(case, doc.text, Expected.from_gold(gold))
