"""The labelled letter header: case number, priority and dates, read the same way in every
layout that prints them."""

from __future__ import annotations

import re
from datetime import date
from typing import Final, TypedDict

from schemas.letter import Priority
from workers.extraction.document import Document
from workers.extraction.fields import Evidence, Span, header_dates, labelled_value

CASE_NUMBER = r"CM\d{2}-\d{5,8}"
"""Regex source for an IMR case number (``CM13-0023518`` .. ``CM19-...``)."""

HEADER_DATES = (
    ("date_assigned", "Date Assigned"),
    ("date_of_injury", "Date of Injury"),
    ("decision_date", "Decision Date"),
    ("decision_date", "Date of Decision"),
    ("decision_date", "Dated"),
    ("ur_denial_date", "UR Denial Date"),
    ("ur_denial_date", "Date of UR Decision"),
    ("ur_denial_date", "UR Decision Date"),
    ("application_received", "Application Received"),
)
"""Record date names and the header labels that state them, preferred label first."""


class Header(TypedDict):
    """The header fields of a :class:`~schemas.letter.LetterRecord`, by their record names."""

    case_number: str | None
    priority: Priority | None
    date_assigned: date | None
    date_of_injury: date | None
    decision_date: date | None
    ur_denial_date: date | None
    application_received: date | None


HEADER_FIELDS: Final = tuple(Header.__annotations__)
"""The record fields a letter's header states."""


def read_header(doc: Document, evidence: Evidence, *, end: int) -> Header:
    """Case number, priority and dates stated before ``end`` (``None`` when not stated)."""
    dates = header_dates(doc, HEADER_DATES, end=end)
    for name, (_, span, confidence) in dates.items():
        evidence.add(name, span, confidence)
    stated = {name: value for name, (value, _, _) in dates.items()}
    case = header_value(doc, evidence, "case_number", "Case Number", CASE_NUMBER, end=end)
    urgency = header_value(doc, evidence, "priority", "Priority", "Standard|Expedited", end=end)
    return Header(
        case_number=case.text if case else None,
        priority=_priority(urgency),
        date_assigned=stated.get("date_assigned"),
        date_of_injury=stated.get("date_of_injury"),
        decision_date=stated.get("decision_date"),
        ur_denial_date=stated.get("ur_denial_date"),
        application_received=stated.get("application_received"),
    )


def _priority(found: Span | None) -> Priority | None:
    if found is None:
        return None
    return "Expedited" if found.text.lower() == "expedited" else "Standard"


def header_value(
    doc: Document, evidence: Evidence, name: str, label: str, value: str, *, end: int
) -> Span | None:
    """``label: value`` before ``end``. When text extraction separated labels from values, the
    value of that form the header states (once, or repeated identically) with confidence 0.7."""
    found = labelled_value(doc, label, value, end=end)
    if found is not None:
        evidence.add(name, found)
        return found
    candidates = list(re.finditer(rf"\b(?:{value})\b", doc.text[:end]))
    if len({match.group().lower() for match in candidates}) != 1:
        return None
    found = Span(candidates[0].group(), candidates[0].start(), candidates[0].end())
    evidence.add(name, found, 0.7)
    return found
