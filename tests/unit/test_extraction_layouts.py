"""Layout detection: best score wins, low scores fall back to typed errors."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from schemas.letter import Item, Layout, LetterRecord
from workers.extraction.document import Document
from workers.extraction.errors import NotALetterError, UnknownLayoutError
from workers.extraction.layouts import PARSERS, LayoutParser, detect


@dataclass
class _Fixed:
    """A parser whose score is fixed, to exercise detection on its own."""

    layout: Layout
    fixed: float

    def score(self, doc: Document) -> float:
        return self.fixed

    def parse(self, doc: Document) -> LetterRecord:
        item = Item(treatment="x", outcome="upheld")
        return LetterRecord(layout=self.layout, pages=doc.pages, items=[item])


IMR_TEXT = Document("Independent Medical Review Final Determination", (0,))
OTHER_TEXT = Document("Minutes of the facilities meeting", (0,))


def test_highest_score_wins_and_first_wins_a_tie() -> None:
    low, high, tie = _Fixed("B", 0.6), _Fixed("C", 0.9), _Fixed("D", 0.9)
    parsers: tuple[LayoutParser, ...] = (low, high, tie)
    assert detect(IMR_TEXT, parsers) is high


def test_low_scores_on_an_imr_text_are_unknown_layout() -> None:
    with pytest.raises(UnknownLayoutError):
        detect(IMR_TEXT, (_Fixed("B", 0.4),))


def test_low_scores_on_other_text_are_not_a_letter() -> None:
    with pytest.raises(NotALetterError):
        detect(OTHER_TEXT, (_Fixed("B", 0.4),))


def test_ur_notice_mentioning_imr_is_not_a_letter() -> None:
    doc = Document(
        "NOTICE OF UTILIZATION REVIEW DECISION\nYou may request an Independent Medical Review "
        "(IMR) of this determination.",
        (0,),
    )
    with pytest.raises(NotALetterError):
        detect(doc)


def test_registry_holds_one_parser_per_layout() -> None:
    layouts = [parser.layout for parser in PARSERS]
    assert len(layouts) == len(set(layouts))
    assert {"A-2016", "A-2014"} <= set(layouts)
