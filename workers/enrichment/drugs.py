"""Brand and generic drug names with their generic ingredients and drug class (package data)."""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel, ConfigDict, Field

from workers.enrichment.package_data import load_table


class Drug(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    names: list[str] = Field(min_length=1)
    """Lower-case brand and generic spellings."""
    generic: str
    drug_class: str
    """Pharmaceutical subcategory, e.g. "opioids", "NSAIDs", "muscle relaxants"."""
    note: str | None = None


class DrugTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    drugs: list[Drug] = Field(min_length=1)


@cache
def load_drugs() -> DrugTable:
    return load_table("drugs.json", DrugTable)


@cache
def _index() -> tuple[re.Pattern[str], dict[str, Drug]]:
    by_name = {name: drug for drug in load_drugs().drugs for name in drug.names}
    spellings = sorted(by_name, key=len, reverse=True)
    alternation = "|".join(r"\s+".join(map(re.escape, name.split())) for name in spellings)
    return re.compile(rf"(?<![\w])(?:{alternation})(?![\w])", re.IGNORECASE), by_name


def find_drug(text: str) -> tuple[str, Drug] | None:
    """The first drug named in ``text``: the name as written and its table entry."""
    pattern, by_name = _index()
    match = pattern.search(text)
    if match is None:
        return None
    written = match.group(0)
    return written, by_name[" ".join(written.lower().split())]
