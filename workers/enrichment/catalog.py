"""The guideline catalog: MTUS parts, ODG chapters, ACOEM editions and other evidence sources.

The catalog is package data (``data/guideline_catalog.json``), loaded once and validated into
the models below. Each entry says how it is recognised in a citation (``patterns``) and which
topics/sections it holds; facts that are not verified carry a ``confidence`` tag and a ``note``.
"""

from __future__ import annotations

import re
from functools import cache, cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.enrichment import PageRange
from workers.enrichment.package_data import load_table

Confidence = Literal["V", "K-high", "K-med", "K-low", "observed"]
"""V: verified against a public source; K-*: domain knowledge (high/medium/low certainty);
observed: seen as written in IMR letters."""

Family = Literal[
    "mtus",
    "mtus-chronic-pain",
    "mtus-opioids",
    "mtus-acoem",
    "mtus-postsurgical",
    "mtus-acupuncture",
    "mtus-formulary",
    "odg",
    "acoem",
    "other-guideline",
    "peer-reviewed",
    "reference",
    "textbook",
]

FAMILY_TIERS: dict[str, int] = {
    "mtus": 1,
    "mtus-chronic-pain": 1,
    "mtus-opioids": 1,
    "mtus-acoem": 1,
    "mtus-postsurgical": 1,
    "mtus-acupuncture": 1,
    "mtus-formulary": 1,
    "odg": 2,
    "acoem": 2,
    "other-guideline": 3,
    "peer-reviewed": 4,
    "reference": 5,
    "textbook": 5,
}
"""Evidence tier of each family, in the 8 CCR 9792.21.1 search order."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pattern(_Model):
    """A case-insensitive regex that identifies an entry in a citation.

    ``requires``/``excludes`` are regexes searched anywhere in the citation (e.g. an edition year).
    """

    regex: str
    score: float = Field(gt=0.0, le=1.0)
    requires: str | None = None
    excludes: str | None = None

    @model_validator(mode="after")
    def _compiles(self) -> Pattern:
        for rx in (self.regex, self.requires, self.excludes):
            if rx is not None:
                try:  # as matching compiles it, so the re module's cache serves the index
                    re.compile(rx, re.IGNORECASE)
                except re.error as error:
                    raise ValueError(f"invalid regex {rx!r}: {error}") from error
        return self


class Topic(_Model):
    """A topic or section of a guideline, with its canonical pages when known."""

    name: str
    aliases: list[str] = Field(default_factory=list)
    pages: list[PageRange] = Field(default_factory=list)
    confidence: Confidence
    note: str | None = None

    @cached_property
    def spellings(self) -> tuple[str, ...]:
        """Lower-case name and aliases, longest first."""
        names = {self.name.lower(), *(a.lower() for a in self.aliases)}
        return tuple(sorted(names, key=len, reverse=True))


TOPICS_PLACEHOLDER = "{topics}"
"""A pattern regex of exactly this text matches any of the entry's topic names and aliases of at
least ``_MIN_TOPIC_TERM`` characters without parentheses (short ones such as "TENS" or "ESI" are
too ambiguous to identify a guideline on their own)."""
_MIN_TOPIC_TERM = 6


def _topic_alternation(topics: list[dict[str, Any]]) -> str:
    terms = {
        term.lower()
        for topic in topics
        for term in [topic["name"], *topic.get("aliases", [])]
        if len(term) >= _MIN_TOPIC_TERM and "(" not in term
    }
    ordered = sorted(terms, key=len, reverse=True)
    return r"\b(?:" + "|".join(r"\s+".join(map(re.escape, t.split())) for t in ordered) + r")\b"


class GuidelineEntry(_Model):
    guideline_id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    family: Family
    title: str
    edition: str
    year: int | None = None
    regulation: str | None = None
    mtus: bool
    evidence_tier: int = Field(ge=1, le=5)
    pages: PageRange | None = None
    """Span of the document or chapter."""
    chapter: int | None = None
    patterns: list[Pattern] = Field(min_length=1)
    topics: list[Topic] = Field(default_factory=list)
    suppressed_by: list[Family] = Field(default_factory=list)
    """A fallback entry: dropped when a non-fallback entry of one of these families also matches."""
    confidence: Confidence
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _expand_topic_patterns(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(
            isinstance(p, dict) and p.get("regex") == TOPICS_PLACEHOLDER
            for p in data.get("patterns", [])
        ):
            alternation = _topic_alternation(data.get("topics", []))
            data = {
                **data,
                "patterns": [
                    {**p, "regex": alternation} if p.get("regex") == TOPICS_PLACEHOLDER else p
                    for p in data["patterns"]
                ],
            }
        return data

    @model_validator(mode="after")
    def _consistent_tier(self) -> GuidelineEntry:
        if self.evidence_tier != FAMILY_TIERS[self.family]:
            raise ValueError(f"{self.guideline_id}: tier {self.evidence_tier} != family tier")
        if self.mtus != self.family.startswith("mtus"):
            raise ValueError(f"{self.guideline_id}: mtus flag disagrees with family {self.family}")
        return self


class Catalog(_Model):
    version: int
    entries: list[GuidelineEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Catalog:
        ids = [e.guideline_id for e in self.entries]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate guideline ids: {duplicates}")
        return self

    @cached_property
    def by_id(self) -> dict[str, GuidelineEntry]:
        return {e.guideline_id: e for e in self.entries}


@cache
def load_catalog() -> Catalog:
    """The packaged catalog, parsed and validated once per process."""
    return load_table("guideline_catalog.json", Catalog)
