"""Layout parsers and detection.

Every parser implements :class:`LayoutParser`. :data:`PARSERS` lists them in the order they are
tried; :func:`detect` picks the best-scoring one or says why none fits.
"""

from __future__ import annotations

import re
from typing import Protocol

from schemas.letter import Layout, LetterRecord
from workers.extraction.document import Document
from workers.extraction.errors import NotALetterError, UnknownLayoutError
from workers.extraction.layouts import a, b, c, d

# A parser must score at least this to be used.
MIN_SCORE = 0.5


class LayoutParser(Protocol):
    """One letter layout.

    ``score`` returns 0..1: how sure the parser is that ``doc`` is its layout (cheap; looks at
    headings and labels only). ``parse`` reads the whole record and raises
    :class:`~workers.extraction.errors.ExtractionError` subclasses when it cannot.
    """

    @property
    def layout(self) -> Layout: ...

    def score(self, doc: Document) -> float: ...

    def parse(self, doc: Document) -> LetterRecord: ...


PARSERS: tuple[LayoutParser, ...] = (a.PARSER_2016, a.PARSER_2014, b.PARSER, c.PARSER, d.PARSER)

# An IMR determination letter names the review and calls itself a determination; a UR notice
# (which also mentions IMR, as the appeal route) calls itself a utilization review decision.
_IMR = re.compile(r"Independent\s+Medical\s+Review|\bIMR\b", re.IGNORECASE)
_DETERMINATION = re.compile(r"\bdetermination\b|MEDICAL\s+PROFESSIONAL\s+REVIEW", re.IGNORECASE)
_UR_NOTICE = re.compile(r"UTILIZATION\s+REVIEW\s+(?:DECISION|DETERMINATION)\b")


def looks_like_imr_letter(doc: Document) -> bool:
    """Whether ``doc`` reads like an IMR determination letter of any layout or organisation."""
    text = doc.text
    return bool(_IMR.search(text) and _DETERMINATION.search(text)) and not _UR_NOTICE.search(text)


def detect(doc: Document, parsers: tuple[LayoutParser, ...] = PARSERS) -> LayoutParser:
    """The parser with the highest score (first wins a tie, so a full score ends the search).

    Raises UnknownLayoutError for an IMR-looking letter no parser accepts and NotALetterError for
    anything else.
    """
    best: LayoutParser | None = None
    best_score = 0.0
    for parser in parsers:
        score = parser.score(doc)
        if score > best_score:
            best, best_score = parser, score
        if best_score >= 1.0:
            break
    if best is not None and best_score >= MIN_SCORE:
        return best
    if looks_like_imr_letter(doc):
        raise UnknownLayoutError("looks like an IMR letter but matches no known layout")
    raise NotALetterError("text is not an IMR Final Determination Letter")
