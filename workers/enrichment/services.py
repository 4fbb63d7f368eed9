"""Parse a requested treatment into a service description and a DWC service category.

``parse_service`` reads what the letter says was requested: the drug (brand or generic, with its
generic ingredients), strength, quantity, refills, the schedule and visits (``schedule``), body
regions and side. It is given the treatment, or for a partial certification the portion IMR
reviewed, never the part UR authorized. ``categorise`` assigns the DWC service category.
"""

from __future__ import annotations

import re

from schemas.enrichment import Category, ServiceDetails
from workers.enrichment.drugs import Drug, find_drug
from workers.enrichment.regions import body_regions, laterality
from workers.enrichment.schedule import (
    NUM,
    TIME_UNITS,
    duration,
    number,
    refills,
    schedule,
    stated_visits,
)
from workers.enrichment.service_rules import COMPOUND, TOPICAL_FORM, match_rule
from workers.enrichment.text import clean

_PHARMA: Category = "Pharmaceuticals"
VISIT_CATEGORIES: frozenset[Category] = frozenset(
    {"Rehabilitation", "Evaluation & Management", "Home health", "Behavioral health"}
)
"""Categories whose services are counted in visits or sessions."""
_TOPICAL = "topical analgesics"

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
_TIMES_COUNT = re.compile(
    rf"(?:\btimes|(?<![\w-])x)\s*(?P<n>{NUM})\b(?!\s*(?:{TIME_UNITS}|a|per)\b)", re.IGNORECASE
)
_LEADING_COUNT = re.compile(
    rf"^(?P<n>{NUM})(?:\s*\((?P<digits>\d+)\))?\s+"
    r"(?!(?:x|times)\s*\d|(?:phase|level|views?|hours?|days?|weeks?|months?|tesla)\b)",
    re.IGNORECASE,
)
_UNITLESS_COMBINATION = re.compile(r"(?<![\d./])(?P<s>\d+(?:\.\d+)?/\d{3})(?![\d/])")


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


def _count(text: str, *, leading: bool) -> tuple[int | None, str | None]:
    """Count of a non-drug service: "times 6", "x 4", or a leading "One (1)", "1 knee scooter"."""
    match = _TIMES_COUNT.search(text) or (_LEADING_COUNT.match(text) if leading else None)
    if match is None:
        return None, None
    digits = match.groupdict().get("digits")
    return (int(digits) if digits else number(match.group("n"))), match.group(0).strip()


def _is_topical(text: str, drug: Drug | None) -> bool:
    if drug is not None and drug.drug_class == "opioids":
        return False
    if TOPICAL_FORM.search(text):
        return True
    return bool(COMPOUND.search(text) and re.search(r"%|\bgrams?\b|\bgm\b", text, re.IGNORECASE))


def parse_service(reviewed: str) -> ServiceDetails:
    """Parse the requested service: the treatment, or what IMR reviewed of a partial
    certification (never the part UR authorized)."""
    text = clean(reviewed)
    found = find_drug(text)
    drug_written, drug = found if found else (None, None)
    rule = None if drug else match_rule(text)
    timing = schedule(
        text, dosing=drug is not None or (rule is not None and rule.category == _PHARMA)
    )
    span = timing.span
    remainder = (
        text if span is None else text[: span[0]] + " " * (span[1] - span[0]) + text[span[1] :]
    )
    quantity, unit, quantity_text = _quantity(remainder)
    visits = stated_visits(remainder, span[1] if span else None)
    counts_visits = rule is not None and rule.category in VISIT_CATEGORIES
    if quantity is None and drug is None:
        quantity, quantity_text = _count(remainder, leading=visits is None)
    if counts_visits and quantity is not None and unit is None:
        # A count of sessions is a number of visits, not a quantity of goods.
        visits = quantity if visits is None else visits
        quantity = quantity_text = None
    if visits is None:
        visits = timing.visits
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
        quantity_unit=unit if quantity is not None else None,
        quantity_text=quantity_text,
        refills=refills(text),
        frequency=timing.written,
        visits_per_week=timing.per_week,
        weeks=timing.weeks,
        visits=visits,
        duration=duration(text),
        body_regions=body_regions(text),
        laterality=laterality(text),
    )


def recognised(reviewed: str) -> bool:
    """Whether a known drug or a service rule names the reviewed service."""
    text = clean(reviewed)
    return find_drug(text) is not None or match_rule(text) is not None


def categorise(reviewed: str, service: ServiceDetails) -> tuple[Category, str | None]:
    """DWC service category and subcategory of the reviewed service (e.g. Pharmaceuticals /
    opioids)."""
    text = clean(reviewed)
    rule = match_rule(text)
    if rule is not None and rule.before_drugs:
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
