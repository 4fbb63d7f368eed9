"""Rules on the letter's header: case number, dates and the fields each layout must state."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise
from typing import Final

from schemas.letter import Layout, LetterRecord
from workers.extraction.layouts.header import CASE_NUMBER
from workers.validation.rule import Finding, Rule

_CASE_NUMBER = re.compile(CASE_NUMBER)
CASE_NUMBER_SERIAL_DIGITS: Final = 7
"""Digits after the dash of a case number as the IMR organisation issues them."""

DATE_SEQUENCE: Final = ("date_of_injury", "ur_denial_date", "date_assigned", "decision_date")
"""Dates in the order the process produces them (each on or after the previous one)."""

REQUIRED_FIELDS: Final[dict[Layout, tuple[str, ...]]] = {
    "A-2016": (
        "case_number",
        "date_assigned",
        "date_of_injury",
        "decision_date",
        "ur_denial_date",
        "priority",
        "application_received",
    ),
    "A-2014": ("case_number", "date_assigned", "date_of_injury", "ur_denial_date"),
    "B": ("case_number", "date_assigned", "date_of_injury", "ur_denial_date"),
    "C": ("case_number", "date_of_injury", "ur_denial_date"),
    "D": ("case_number", "date_of_injury", "decision_date", "ur_denial_date"),
}
"""Header fields every letter of a layout states. A-2014 letters are often supplied body-only,
so their missing headers (like any other missing field) call for review, not rejection."""


def _case_number_format(record: LetterRecord) -> Iterator[Finding]:
    """The extractor's case-number pattern (:data:`workers.extraction.layouts.header.CASE_NUMBER`)
    finds serials of 5 to 8 digits, so a misprinted or misread number is still captured; the
    rule holds it to the issued form on top of that pattern: the whole value, and exactly
    :data:`CASE_NUMBER_SERIAL_DIGITS` digits after the dash."""
    case = record.case_number
    if case is None:
        return
    if not _CASE_NUMBER.fullmatch(case) or len(case.partition("-")[2]) != CASE_NUMBER_SERIAL_DIGITS:
        yield Finding("case_number", "case_number does not match CMyy-nnnnnnn")


def _date_order(record: LetterRecord) -> Iterator[Finding]:
    stated = [
        (name, value) for name in DATE_SEQUENCE if (value := getattr(record, name)) is not None
    ]
    for (earlier, first), (later, second) in pairwise(stated):
        if first > second:
            yield Finding(earlier, f"{earlier} later than {later}")
    received = record.application_received
    if received is None:
        return
    denied, assigned = record.ur_denial_date, record.date_assigned
    if denied is not None and received < denied:
        yield Finding("application_received", "application_received earlier than ur_denial_date")
    if assigned is not None and received > assigned:
        yield Finding("application_received", "application_received later than date_assigned")


def _required_fields(record: LetterRecord) -> Iterator[Finding]:
    for name in REQUIRED_FIELDS[record.layout]:
        if getattr(record, name) is None:
            yield Finding(name, f"{name} missing (required for layout {record.layout})")


RULES: Final = (
    Rule(
        "case_number.format",
        "warning",
        "The case number, when stated, has the form CMyy-nnnnnnn.",
        _case_number_format,
    ),
    Rule(
        "dates.order",
        "warning",
        "Date of injury <= UR denial <= date assigned <= decision date; the application is "
        "received between the UR denial and the assignment.",
        _date_order,
    ),
    Rule(
        "header.missing",
        "warning",
        "Every header field the letter's layout always states is present.",
        _required_fields,
    ),
)
