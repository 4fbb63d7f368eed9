"""Keyword rules that map a requested treatment to a DWC service category (package data).

Rules (``data/service_rules.json``) are tried in order and the first whose terms match wins. The
order settles overlaps: injections before devices and therapy ("Toradol injection"), devices
before therapy sessions ("TENS unit" vs "electrical stimulation 2x4"), explicit consultations
before surgery ("consult with a hip replacement specialist"), surgery before generic evaluations
("arthroscopy with evaluation of the ACL"). Drugs named in the drug table are recognised before
these rules apply (see ``services``).
"""

from __future__ import annotations

import re
from functools import cache, cached_property

from pydantic import BaseModel, ConfigDict, Field

from schemas.enrichment import Category
from workers.enrichment.literals import Factor, LiteralScanner, factor
from workers.enrichment.package_data import load_table

TOPICAL_FORM = re.compile(
    r"\b(?:cream|gel|ointment|lotion|patch(?:es)?|pads?|topical|spray|roll-on|liniment)\b",
    re.IGNORECASE,
)
"""A drug in one of these forms is a topical analgesic whatever its class (except opioids)."""

COMPOUND = re.compile(r"\bcompound(?:ed)?\b", re.IGNORECASE)


class ServiceRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    category: Category
    subcategory: str | None
    name: str
    """Service name reported for a treatment this rule matches, e.g. "MRI"."""
    terms: list[str] = Field(min_length=1)
    """Regex alternatives, searched case-insensitively."""
    before_drugs: bool = False
    """The rule decides before a named drug does: an injection delivers a drug, a lab or drug
    screen tests for one."""

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("|".join(self.terms), re.IGNORECASE)


class ServiceRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    rules: list[ServiceRule] = Field(min_length=1)


@cache
def load_rules() -> ServiceRules:
    return load_table("service_rules.json", ServiceRules)


@cache
def _rule_literals() -> tuple[LiteralScanner, tuple[Factor | None, ...]]:
    """The literals each rule's regex needs, so rules that cannot match are never searched
    (nor compiled)."""
    factors = tuple(factor("|".join(rule.terms)) for rule in load_rules().rules)
    return LiteralScanner(w for f in factors for w in f or ()), factors


def match_rule(text: str) -> ServiceRule | None:
    """The first rule whose terms match ``text``."""
    scanner, factors = _rule_literals()
    found = scanner.scan(text)
    return next(
        (
            rule
            for rule, needed in zip(load_rules().rules, factors, strict=True)
            if (found is None or needed is None or not needed.isdisjoint(found))
            and rule.pattern.search(text)
        ),
        None,
    )
