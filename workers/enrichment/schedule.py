"""How often and how long a service is requested, and how many visits that makes.

A schedule is a count per period ("2 times a week", "three visits per week", "twice monthly",
"daily", "2x4") and a duration ("for 4 weeks", "x 3 months"). Visits follow by arithmetic when
the two are in the same unit: per week x weeks, per month x months, daily x days or weeks. A
range ("1 to 2 times per week") gives no single count. Drug dosing ("three times a day", "every
6 hours as needed") is a frequency without visits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

NUMBER_WORDS: Final = {
    "once": 1, "single": 1, "one": 1, "twice": 2, "two": 2, "thrice": 3, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "eighteen": 18,
    "twenty": 20, "twenty-four": 24, "thirty": 30,
}  # fmt: skip
NUM: Final = r"(?:\d+|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
NUM_RANGE: Final = rf"{NUM}(?:\s*(?:to|-)\s*{NUM})?"
TIME_UNITS: Final = r"weeks?|wks?|months?|days?|years?|hours?"

_PERIOD_LENGTH = (
    rf"(?:for|x|times|over)\s*(?P<n_periods>{NUM_RANGE})\s*(?P<unit>weeks?|wks?|months?|days?)"
)
_PER_PERIOD = re.compile(
    rf"(?:(?P<count>{NUM_RANGE})\s*(?:x|times|days?|visits?|sessions?|treatments?)|"
    r"(?P<adverb>once|twice|thrice))\s*(?:a|per|/|each|every)?\s*(?P<period>week|wk|month)(?:ly)?"
    rf"(?:\s*,?\s*{_PERIOD_LENGTH})?",
    re.IGNORECASE,
)
_NxM = re.compile(
    r"(?<![\w./-])(?P<count>\d+)\s*(?:x|times)\s*(?P<n_periods>\d+)\b"
    r"(?!\s*(?:mg|mcg|%|ml|hours?|days?|months?|a\b|per\b))",
    re.IGNORECASE,
)
_DAILY = re.compile(r"\b(?:daily|every\s+day|(?:once\s+)?a\s+day|7\s+days\s+a\s+week)\b", re.I)
_LATER_LENGTH = re.compile(rf"\b{_PERIOD_LENGTH}\b", re.IGNORECASE)
_DOSING = re.compile(
    rf"\b(?:{NUM}\s*(?:x|times)\s*(?:a|per)\s*day|(?:once|twice)\s+daily|daily|nightly|"
    r"every\s+\d+(?:\s*-\s*\d+)?\s*hours?(?:\s+as\s+needed)?|as\s+needed|prn|bid|tid|qid|qhs|"
    r"at\s+bedtime|\d+\s*hours?\s+on,?\s*\d+\s*hours?\s+off)\b",
    re.IGNORECASE,
)
_VISITS = re.compile(
    rf"(?<![\w#/.-])(?P<n>{NUM})(?:\s*\((?P<digits>\d+)\))?\s+(?:[a-z/]+\s+){{0,3}}?"
    r"(?:visits?|sessions?|treatments?)\b",
    re.IGNORECASE,
)
_PAREN_COUNT = re.compile(r"^\s*\((?P<n>\d+)(?:\s*(?:visits?|sessions?))?\)", re.IGNORECASE)
_INNER_COUNT = re.compile(r"\((?P<n>\d+)\s*(?:visits?|sessions?)\)", re.IGNORECASE)
_REFILLS = re.compile(
    rf"\b(?:with\s+)?(?P<n>{NUM}|no)\s+(?:\(\d+\)\s+)?refills?\b|\brefills?\s*[:#x]?\s*(?P<m>\d+)\b",
    re.IGNORECASE,
)
_DURATION = re.compile(rf"\b(?P<d>{NUM_RANGE}[- ](?:weeks?|wks?|months?|days?|years?))\b", re.I)
_STATED_DURATION = re.compile(rf"\b(?:for|over|x|times)\s+{_DURATION.pattern}", re.IGNORECASE)


def number(text: str) -> int | None:
    """An integer from digits or an English number word; ``None`` for ranges ("1 to 2")."""
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    return NUMBER_WORDS.get(text)


@dataclass(frozen=True, slots=True)
class Schedule:
    written: str | None = None
    """The schedule as written, with its duration when the letter joins them."""
    per_week: int | None = None
    weeks: int | None = None
    visits: int | None = None
    """Visits the schedule adds up to, when its count and duration share a unit."""
    span: tuple[int, int] | None = None
    """Where ``written`` stands in the text."""


def schedule(text: str, *, dosing: bool) -> Schedule:
    """The schedule of a service; ``dosing`` when the service is a drug (then "daily" is a
    dose, not a visit)."""
    periodic = _PER_PERIOD.search(text)
    if periodic is not None:
        return _periodic(periodic, text)
    pair = _NxM.search(text)
    if pair is not None:
        per_week, weeks = int(pair.group("count")), int(pair.group("n_periods"))
        return Schedule(pair.group(0).strip(), per_week, weeks, per_week * weeks, pair.span())
    daily = None if dosing else _DAILY.search(text)
    if daily is not None:
        return _daily(text, daily)
    found = _DOSING.search(text)
    if found is not None:
        return Schedule(found.group(0).strip(), span=found.span())
    return Schedule()


def _periodic(match: re.Match[str], text: str) -> Schedule:
    """A count per week or month; its duration follows it, or stands elsewhere in the text
    ("for 6 weeks, 2 times per week")."""
    count = number(match.group("count") or match.group("adverb"))
    length: re.Match[str] | None = match if match.group("n_periods") else None
    if length is None:
        length = _LATER_LENGTH.search(text[: match.start()]) or _LATER_LENGTH.search(
            text, match.end()
        )
    periods = number(length.group("n_periods")) if length else None
    period, unit = match.group("period").lower(), (length.group("unit") if length else "").lower()
    written = match.group(0).strip()
    if period.startswith("month"):
        visits = count * periods if count and periods and unit.startswith("month") else None
        return Schedule(written, visits=visits, span=match.span())
    weeks = periods if unit.startswith("w") else None
    visits = count * weeks if count is not None and weeks is not None else None
    return Schedule(written, count, weeks, visits, match.span())


def _daily(text: str, daily: re.Match[str]) -> Schedule:
    length = _LATER_LENGTH.search(text, daily.end())
    if length is None:
        return Schedule(daily.group(0).strip(), per_week=7, span=daily.span())
    periods, unit = number(length.group("n_periods")), length.group("unit").lower()
    if unit.startswith("day"):
        return Schedule(daily.group(0).strip(), visits=periods, span=daily.span())
    weeks = periods if unit.startswith("w") else None
    visits = 7 * weeks if weeks is not None else None
    return Schedule(daily.group(0).strip(), 7, weeks, visits, daily.span())


def stated_visits(text: str, schedule_end: int | None) -> int | None:
    """Visits the text states: "six (6) visits", "Four sessions of", "(24 sessions)", a "(6)"
    after the schedule; several counts of one service ("two sessions for the knee and eight
    sessions for the wrist") add up."""
    stated = list(_VISITS.finditer(text))
    if stated:
        counts = [
            int(m.group("digits")) if m.group("digits") else number(m.group("n")) for m in stated
        ]
        return sum(count for count in counts if count is not None) or None
    if schedule_end is not None:
        after = _PAREN_COUNT.match(text[schedule_end:])
        if after is not None:
            return int(after.group("n"))
    inner = _INNER_COUNT.search(text)
    return int(inner.group("n")) if inner else None


def refills(text: str) -> int | None:
    """Refills requested: "with 1 refill", "Three refills of", "refills: 2", "no refills"."""
    match = _REFILLS.search(text)
    if match is None:
        return None
    if match.group("m"):
        return int(match.group("m"))
    return 0 if match.group("n").lower() == "no" else number(match.group("n"))


def duration(text: str) -> str | None:
    """How long the service runs as written: "4 weeks", "one week trial", "3 months"."""
    found = _STATED_DURATION.search(text) or _DURATION.search(text)
    return found.group("d") if found else None
