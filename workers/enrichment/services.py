"""Parse a requested treatment into a service description and a DWC service category.

``parse_service`` reads what the letter's heading says was requested: the drug (brand or generic,
with its generic ingredients), strength, quantity, frequency ("2x4", "two times a week for three
weeks"), number of visits, duration, body regions and side. For a partial certification it reads
the IMR-eligible remaining portion. ``categorise`` assigns the DWC service category.
"""

from __future__ import annotations

import re

from schemas.enrichment import Category, ServiceDetails
from workers.enrichment.drugs import Drug, find_drug
from workers.enrichment.regions import body_regions, laterality
from workers.enrichment.service_rules import COMPOUND, TOPICAL_FORM, match_rule
from workers.enrichment.text import clean

_WORDS = {
    "once": 1, "single": 1, "one": 1, "twice": 2, "two": 2, "thrice": 3, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "eighteen": 18,
    "twenty": 20, "twenty-four": 24, "thirty": 30,
}  # fmt: skip
_NUM = r"(?:\d+|" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")"
_NUM_RANGE = rf"{_NUM}(?:\s*(?:to|-)\s*{_NUM})?"
_TIME_UNITS = r"weeks?|wks?|months?|days?|years?|hours?"

_PHARMA: Category = "Pharmaceuticals"
_TOPICAL = "topical analgesics"

_REMAINING = re.compile(
    r"remaining\s+IMR\s+eligible\s+portion\s+of\s+the\s+original\s+request,?\s*(?P<rest>.+?)"
    r"(?:\s+is)?\s*(?::\s*(?:upheld|overturned))?\s*$",
    re.IGNORECASE,
)
_STRENGTH = re.compile(
    r"(?<![\w#./])(?P<s>(?:\d+(?:\.\d+)?\s*(?:mg|mcg)?\s*[-/]\s*)?\d+(?:\.\d+)?\s*(?:mg|mcg|%|units?|iu)"
    r"(?:\s*/\s*\d*(?:\.\d+)?\s*ml)?)(?![\w])",
    re.IGNORECASE,
)
_UNITS = (
    r"grams?|gms?|g|ml|oz|box(?:es)?|patch(?:es)?|tabs?|tablets?|caps?|capsules?|bottles?|tubes?"
)
_HASH_QUANTITY = re.compile(rf"#\s*(?P<n>\d+(?:\.\d+)?)(?:\s*(?P<unit>{_UNITS})\b)?", re.IGNORECASE)
_UNIT_QUANTITY = re.compile(
    r"(?<![\w./])(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>grams?|gms?|g|ml|oz)\b(?!\s*/)", re.IGNORECASE
)
_WEEKLY = re.compile(
    rf"(?:(?P<pw>{_NUM_RANGE})\s*(?:x|times|days?)|(?P<adverb>once|twice|thrice))\s*"
    rf"(?:a|per|/)?\s*(?:week|wk)(?:ly)?"
    rf"(?:\s*,?\s*(?:for|x|times|over)\s*(?P<w>{_NUM_RANGE})\s*(?:weeks?|wks?))?",
    re.IGNORECASE,
)
_NxM = re.compile(
    r"(?<![\w./-])(?P<pw>\d+)\s*(?:x|times)\s*(?P<w>\d+)\b"
    r"(?!\s*(?:mg|mcg|%|ml|hours?|days?|months?|a\b|per\b))",
    re.IGNORECASE,
)
_DOSING = re.compile(
    rf"\b(?:{_NUM}\s*(?:x|times)\s*(?:a|per)\s*day|(?:once|twice)\s+daily|daily|nightly|"
    r"every\s+\d+(?:\s*-\s*\d+)?\s*hours?(?:\s+as\s+needed)?|as\s+needed|prn|bid|tid|qid|qhs|"
    r"at\s+bedtime|\d+\s*hours?\s+on,?\s*\d+\s*hours?\s+off)\b",
    re.IGNORECASE,
)
_VISITS = re.compile(
    rf"(?<![\w#/.-])(?P<n>{_NUM})(?:\s*\((?P<digits>\d+)\))?\s+(?:[a-z/]+\s+){{0,3}}?"
    r"(?:visits?|sessions?|treatments?)\b",
    re.IGNORECASE,
)
_PAREN_COUNT = re.compile(r"^\s*\((?P<n>\d+)(?:\s*(?:visits?|sessions?))?\)", re.IGNORECASE)
_TIMES_COUNT = re.compile(
    rf"(?:\btimes|(?<![\w-])x)\s*(?P<n>{_NUM})\b(?!\s*(?:{_TIME_UNITS}|a|per)\b)", re.IGNORECASE
)
_LEADING_COUNT = re.compile(
    rf"^(?P<n>{_NUM})(?:\s*\((?P<digits>\d+)\))?\s+"
    r"(?!(?:x|times)\s*\d|(?:phase|level|views?|hours?|days?|weeks?|months?|tesla)\b)",
    re.IGNORECASE,
)
_DURATION = re.compile(
    rf"\b(?P<d>{_NUM_RANGE}[- ](?:weeks?|wks?|months?|days?|years?))\b", re.IGNORECASE
)
_STATED_DURATION = re.compile(rf"\b(?:for|over|x)\s+{_DURATION.pattern}", re.IGNORECASE)
_UNITLESS_COMBINATION = re.compile(r"(?<![\d./])(?P<s>\d+(?:\.\d+)?/\d{3})(?![\d/])")


def remaining_portion(treatment: str) -> str | None:
    """The IMR-eligible remaining portion named in a partial-certification heading, if any."""
    match = _REMAINING.search(clean(treatment))
    return match.group("rest").strip(" ,.") if match else None


def _number(text: str) -> int | None:
    """An integer from digits or an English number word; ``None`` for ranges ("1 to 2")."""
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    return _WORDS.get(text)


def _strength(text: str) -> str | None:
    match = _STRENGTH.search(text) or _UNITLESS_COMBINATION.search(text)  # "Norco 10/325"
    if match is None:
        return None
    strength = re.sub(r"\s+", "", match.group("s"))
    # "7.5-325mg" is a combination strength, written "7.5/325mg" elsewhere.
    return re.sub(r"^(\d+(?:\.\d+)?)-(?=\d)", r"\1/", strength)


def _quantity(text: str) -> tuple[int | None, str | None, str | None]:
    """(quantity, unit, as written) from "#60", "#60 grams", "#1 box", "240 grams", "420ml"."""
    match = _HASH_QUANTITY.search(text) or _UNIT_QUANTITY.search(text)
    if match is None:
        return None, None, None
    value = float(match.group("n"))
    unit = match.group("unit")
    quantity = int(value) if value.is_integer() else None
    return quantity, unit.lower() if unit else None, match.group(0).strip()


def _frequency(text: str) -> tuple[str | None, int | None, int | None, tuple[int, int] | None]:
    """(as written, visits per week, weeks, span) from weekly schedules, "2x4", or dosing."""
    weekly = _WEEKLY.search(text)
    if weekly is not None:
        per_week = _number(weekly.group("pw") or weekly.group("adverb"))
        weeks = _number(weekly.group("w")) if weekly.group("w") else None
        return weekly.group(0).strip(), per_week, weeks, weekly.span()
    pair = _NxM.search(text)
    if pair is not None:
        written = pair.group(0).strip()
        return written, int(pair.group("pw")), int(pair.group("w")), pair.span()
    dosing = _DOSING.search(text)
    if dosing is not None:
        return dosing.group(0).strip(), None, None, dosing.span()
    return None, None, None, None


def _visits(text: str, frequency_end: int | None) -> int | None:
    """A stated number of visits: "six (6) visits", "Four sessions of", "(24 sessions)", "(6)"."""
    stated = _VISITS.search(text)
    if stated is not None:
        return int(stated.group("digits")) if stated.group("digits") else _number(stated.group("n"))
    if frequency_end is not None:
        after = _PAREN_COUNT.match(text[frequency_end:])
        if after is not None:
            return int(after.group("n"))
    inner = re.search(r"\((?P<n>\d+)\s*(?:visits?|sessions?)\)", text, re.IGNORECASE)
    return int(inner.group("n")) if inner else None


def _count(text: str, *, leading: bool) -> tuple[int | None, str | None]:
    """Count of a non-drug service: "times 6", "x 4", or a leading "One (1)", "1 knee scooter"."""
    match = _TIMES_COUNT.search(text) or (_LEADING_COUNT.match(text) if leading else None)
    if match is None:
        return None, None
    digits = match.groupdict().get("digits")
    return (int(digits) if digits else _number(match.group("n"))), match.group(0).strip()


def _is_topical(text: str, drug: Drug | None) -> bool:
    if drug is not None and drug.drug_class == "opioids":
        return False
    if TOPICAL_FORM.search(text):
        return True
    return bool(COMPOUND.search(text) and re.search(r"%|\bgrams?\b|\bgm\b", text, re.IGNORECASE))


def parse_service(treatment: str) -> ServiceDetails:
    """Parse one requested treatment (or the remaining portion of a partial certification)."""
    text = remaining_portion(treatment) or clean(treatment)
    found = find_drug(text)
    drug_written, drug = found if found else (None, None)
    frequency, per_week, weeks, span = _frequency(text)
    remainder = (
        text if span is None else text[: span[0]] + " " * (span[1] - span[0]) + text[span[1] :]
    )
    quantity, unit, quantity_text = _quantity(remainder)
    visits = _visits(text, span[1] if span else None)
    rule = None if drug else match_rule(text)
    counts_visits = rule is not None and rule.category in {
        "Rehabilitation", "Evaluation & Management", "Home health", "Behavioral health"
    }  # fmt: skip
    if quantity is None and drug is None:
        quantity, quantity_text = _count(remainder, leading=visits is None)
    if visits is None and counts_visits and quantity is not None and unit is None:
        visits = quantity
    if visits is None and per_week is not None and weeks is not None:
        visits = per_week * weeks
    duration_match = _STATED_DURATION.search(text) or _DURATION.search(text)
    duration = duration_match.group("d") if duration_match else None
    if drug_written is not None:
        name = drug_written
    elif rule is not None:
        name = rule.name
    else:
        name = text
    return ServiceDetails(
        name=name,
        drug=drug_written,
        generic=drug.generic if drug else None,
        strength=_strength(text) if drug or rule is None or rule.category == _PHARMA else None,
        quantity=quantity,
        quantity_unit=unit,
        quantity_text=quantity_text,
        frequency=frequency,
        visits_per_week=per_week,
        weeks=weeks,
        visits=visits,
        duration=duration,
        body_regions=body_regions(text),
        laterality=laterality(text),
    )


def categorise(treatment: str, service: ServiceDetails) -> tuple[Category, str | None]:
    """DWC service category and subcategory of a treatment (e.g. Pharmaceuticals / opioids)."""
    text = remaining_portion(treatment) or clean(treatment)
    rule = match_rule(text)
    if rule is not None and rule.category == "Injections":
        return rule.category, rule.subcategory
    found = find_drug(text)
    if found is not None:
        drug = found[1]
        return _PHARMA, _TOPICAL if _is_topical(text, drug) else drug.drug_class
    if rule is not None and rule.category != _PHARMA:
        return rule.category, rule.subcategory
    topical = _is_topical(text, None)
    if service.strength or rule is not None or (topical and service.quantity_text):
        return _PHARMA, _TOPICAL if topical else None
    return "Other", None
