"""Layout A: the 2014-2017 "HOW THE IMR FINAL DETERMINATION WAS MADE" letters.

Two variants share the body: "A-2016" has a two-column header with ``Decision Date``,
``Priority`` and ``Application Received`` and a labelled reviewer block; "A-2014" has an older
header (or none) and states the reviewer's certification and licence in prose. Items are read by
:func:`~workers.extraction.layouts.items.read_items`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from schemas.letter import Layout, LetterRecord
from workers.extraction.document import Document
from workers.extraction.errors import UnknownLayoutError
from workers.extraction.fields import (
    Span,
    find_dates,
    sentence_spans,
)
from workers.extraction.layouts.crosscheck import date_mismatch
from workers.extraction.layouts.front_matter import read_front_matter
from workers.extraction.layouts.items import CA_FIELD, RATIONALE_FIELD, REVIEWER_FIELD, read_items
from workers.extraction.layouts.reviewer import states_credentials_in_prose

_HOW_MADE = re.compile(r"HOW\s+THE\s+IMR\s+FINAL\s+DETERMINATION\s+WAS\s+MADE")
_SUMMARY = re.compile(r"CLINICAL\s+CASE\s+SUMMARY")
_ISSUES = re.compile(
    r"IMR\s+ISSUES?(?:\(S\))?,?\s+DECISIONS?(?:\(S\))?,?\s+AND\s+RATIONALES?(?:\(S\))?"
)
_UR_CONTEXT = re.compile(
    r"utilization\s+review|\bUR\b|prior\s+(?:review|determination|denial)|non-?certif|denied",
    re.IGNORECASE,
)
_REVIEWER_LABELS = re.compile(
    r"Certification\(s\)/Specialty\s*:|State\(s\)\s+of\s+Licensure\s*:", re.IGNORECASE
)
_2016_HEADER_LABELS = re.compile(r"Decision\s+Date\s*:|Application\s+Received\s*:", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Sections:
    header_end: int
    how_made: re.Match[str] | None
    summary: re.Match[str] | None
    issues: re.Match[str]


class LayoutAParser:
    """Parser for one variant of layout A; both variants share all parsing code."""

    def __init__(self, layout: Layout) -> None:
        self._layout: Layout = layout

    @property
    def layout(self) -> Layout:
        return self._layout

    def score(self, doc: Document) -> float:
        """1.0 for a letter of this variant with all A markers; lower for the other variant."""
        text = doc.text
        if not _ISSUES.search(text):
            return 0.0
        score = 0.5
        score += 0.2 if RATIONALE_FIELD.search(text) else 0.0
        score += 0.15 if CA_FIELD.search(text) else 0.0
        score += 0.15 if REVIEWER_FIELD.search(text) else 0.0
        return score if _variant(doc) == self._layout else score * 0.8

    def parse(self, doc: Document) -> LetterRecord:
        sections = _sections(doc)
        if sections is None:
            raise UnknownLayoutError("no 'IMR ISSUES, DECISIONS AND RATIONALES' section")
        front = read_front_matter(
            doc,
            header_end=sections.header_end,
            summary=_summary_span(doc, sections),
            reviewer_block=_reviewer_block(doc, sections),
        )
        ur_dates = _narrative_ur_dates(doc, sections)
        header_ur = front.header["ur_denial_date"]
        if header_ur is not None and ur_dates and header_ur not in ur_dates:
            front.warnings.append(
                date_mismatch(
                    "ur_denial_date",
                    "UR Denial Date",
                    header_ur,
                    ur_dates[0],
                    narrative_source="case summary",
                    kept="header",
                )
            )
        items = read_items(doc, sections.issues.end(), front.warnings)
        if not items:
            raise UnknownLayoutError("no decision items found")
        return front.record(self._layout, items)


def _variant(doc: Document) -> Layout:
    """A-2016 when the reviewer block is labelled; A-2014 when the reviewer is described in
    prose; without either, by the header labels."""
    issues = _ISSUES.search(doc.text)
    end = issues.start() if issues else len(doc.text)
    if _REVIEWER_LABELS.search(doc.text, 0, end):
        return "A-2016"
    if states_credentials_in_prose(doc.text[:end]):
        return "A-2014"
    return "A-2016" if _2016_HEADER_LABELS.search(doc.text, 0, end) else "A-2014"


def _sections(doc: Document) -> _Sections | None:
    text = doc.text
    issues = _ISSUES.search(text)
    if issues is None:
        return None
    how = _HOW_MADE.search(text, 0, issues.start())
    summary = _SUMMARY.search(text, 0, issues.start())
    header_end = how.start() if how else (summary.start() if summary else issues.start())
    return _Sections(header_end, how, summary, issues)


def _reviewer_block(doc: Document, sections: _Sections) -> Span:
    """The text between the "how made" heading and the case summary."""
    start = sections.how_made.end() if sections.how_made else 0
    end = sections.summary.start() if sections.summary else sections.issues.start()
    return Span(doc.text[start:end], start, end)


def _summary_span(doc: Document, sections: _Sections) -> Span | None:
    if sections.summary is None:
        return None
    start, end = sections.summary.end(), sections.issues.start()
    return Span(doc.text[start:end], start, end)


def _narrative_ur_dates(doc: Document, sections: _Sections) -> list[date]:
    """Dates the case summary gives for the utilization review decision."""
    summary = _summary_span(doc, sections)
    if summary is None:
        return []
    dates: list[date] = []
    for sentence in sentence_spans(summary.text, summary.start):
        context = _UR_CONTEXT.search(sentence.text)
        if context is None:
            continue
        for value, span in find_dates(sentence.text, sentence.start):
            if abs(span.start - (sentence.start + context.start())) <= 60:
                dates.append(value)
    return dates


PARSER_2016 = LayoutAParser("A-2016")
PARSER_2014 = LayoutAParser("A-2014")
