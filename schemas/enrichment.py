"""Guideline-enriched view of one disputed item: parsed service, category, authorization meaning
and the normalised guideline citations of both parties.

Field names are part of the downstream contract (they are embedded in the determination event).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Category = Literal[
    "Pharmaceuticals",
    "Rehabilitation",
    "Diagnostic imaging",
    "DMEPOS",
    "Injections",
    "Surgery",
    "Evaluation & Management",
    "Programs",
    "Behavioral health",
    "Home health",
    "Other",
]
"""DWC IMR service category of a disputed item. "Diagnostic imaging" also holds the other
diagnostic tests (electrodiagnostics, labs, drug screens); ``subcategory`` tells them apart."""

AuthorizationAction = Literal["authorize", "remains_denied", "authorize_remaining_portion"]
Laterality = Literal["left", "right", "bilateral"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PageRange(_Model):
    """An inclusive page range of a guideline document (a single page has ``start == end``)."""

    start: int = Field(ge=1)
    end: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> PageRange:
        if self.end < self.start:
            raise ValueError("page range end precedes start")
        return self


class CatalogMatch(_Model):
    """One guideline catalog entry a citation refers to, with how sure the match is."""

    guideline_id: str
    score: float = Field(ge=0.0, le=1.0)
    family: str
    title: str
    edition: str
    pages: PageRange | None = None
    """The catalog's canonical pages of the matched topic (or chapter), when known."""
    sections: list[str] = Field(default_factory=list)
    """Catalog topics/sections of the entry that the citation names (canonical spelling)."""
    mtus: bool
    evidence_tier: int = Field(ge=1, le=5)
    """8 CCR 9792.21.1 order: 1 MTUS, 2 ODG/ACOEM outside the MTUS, 3 other national guidelines,
    4 peer-reviewed studies, 5 other sources."""


class EnrichedCitation(_Model):
    """A cited guideline string resolved against the catalog."""

    raw: str
    guideline_id: str | None = None
    """Best match (``matches[0]``), ``None`` when nothing in the catalog fits."""
    matches: list[CatalogMatch] = Field(default_factory=list)
    pages: list[PageRange] = Field(default_factory=list)
    """Pages as cited ("Page(s): 98-99")."""
    sections: list[str] = Field(default_factory=list)
    """Sections as cited ("Section(s): Initial Care, Physical Methods")."""
    mtus: bool | None = None
    """Whether the best match is part of the MTUS; ``None`` when unresolved."""


class ServiceDetails(_Model):
    """What was requested, parsed from the treatment (or its IMR-eligible remaining portion)."""

    name: str
    drug: str | None = None
    """Drug or product as written (brand or generic), e.g. "Norco"."""
    generic: str | None = None
    """Generic ingredient(s), e.g. "hydrocodone/acetaminophen"."""
    strength: str | None = None
    """E.g. "10/325mg", "5%", "25mg/ml"."""
    quantity: int | None = Field(default=None, ge=0)
    quantity_unit: str | None = None
    """Unit of ``quantity`` when stated: "grams", "ml", "box", "patches"; ``None`` for a count."""
    quantity_text: str | None = None
    """Quantity as written, e.g. "#60"."""
    refills: int | None = Field(default=None, ge=0)
    """Refills requested on top of the first fill ("with 1 refill", "three refills of")."""
    frequency: str | None = None
    """As written, e.g. "2x4", "2 times a week for 4 weeks", "three times a day"."""
    visits_per_week: int | None = Field(default=None, ge=0)
    weeks: int | None = Field(default=None, ge=0)
    visits: int | None = Field(default=None, ge=0)
    """Number of sessions/visits: stated ("six (6) visits") or derived from frequency."""
    duration: str | None = None
    """E.g. "4 weeks", "one week trial"."""
    body_regions: list[str] = Field(default_factory=list)
    laterality: Laterality | None = None


class Authorization(_Model):
    """What the IMR outcome means for the claims system."""

    action: AuthorizationAction
    scope: str
    """The treatment to authorize or that stays denied (the remaining portion for partials)."""
    explanation: str


class ItemEnrichment(_Model):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    service: ServiceDetails
    category: Category
    subcategory: str | None = None
    """E.g. "opioids", "NSAIDs", "topical analgesics", "physical therapy", "MRI"."""
    authorization: Authorization
    claims_administrator_guidelines: list[EnrichedCitation] = Field(default_factory=list)
    reviewer_guidelines: list[EnrichedCitation] = Field(default_factory=list)
    enrichment_confidence: dict[str, float] = Field(default_factory=dict)
    """How sure each enrichment is, 0-1: ``service`` (a drug or service was recognised),
    ``category`` (from a rule or drug, not a fallback), ``authorization`` (the reviewed portion
    was stated, not guessed), ``claims_administrator_guidelines`` / ``reviewer_guidelines``
    (the weakest citation: its best catalog match, lowered when a cited section matched no
    catalog topic)."""
