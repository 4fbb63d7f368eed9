"""The extraction record: every field read from one IMR Final Determination Letter.

Field names are part of the downstream contract. Dates are ISO ``yyyy-mm-dd``; a value the
letter does not state is ``None``. Every extracted value can be traced back to the letter through
``provenance`` (page number and character offsets into the normalised text) and carries a
``confidence`` between 0 and 1.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Outcome = Literal["upheld", "overturned"]
Sex = Literal["female", "male"]
Priority = Literal["Standard", "Expedited"]
Layout = Literal["A-2014", "A-2016", "B", "C", "D"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Provenance(_Model):
    """Where a value was read: 1-based page and ``[start, end)`` offsets into the document text."""

    page: int = Field(ge=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Patient(_Model):
    age: int | None = Field(default=None, ge=0, le=120)
    sex: Sex | None = None


class Reviewer(_Model):
    specialty: str | None = None
    license_states: list[str] = Field(default_factory=list)


class PartialCertification(_Model):
    """The three parts of a modified UR decision; only ``remaining`` was decided by IMR."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    original_request: str
    authorized: str
    remaining: str
    """The portion IMR reviewed: the remaining portion, or the whole original request when the
    letter says the original request stayed IMR eligible."""
    remaining_derived: bool = False
    """``True`` when the letter does not spell the reviewed portion out and ``remaining`` was
    derived: the original request less the authorized quantity, or the original request."""


class Citation(_Model):
    """One cited guideline source, as written (labels such as "Decision based on" removed)."""

    raw: str


class ExtractionWarning(_Model):
    """Something the extractor noticed but did not resolve (e.g. header vs narrative dates)."""

    code: str
    field: str
    message: str


class Item(_Model):
    """One disputed item/service and its decision, in letter order."""

    treatment: str
    outcome: Outcome
    partial_certification: PartialCertification | None = None
    claims_administrator_guidelines: list[Citation] = Field(default_factory=list)
    reviewer_guidelines: list[Citation] = Field(default_factory=list)
    rationale: str = ""
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    confidence: dict[str, float] = Field(default_factory=dict)


class LetterRecord(_Model):
    """Everything extracted from one letter."""

    layout: Layout
    pages: int = Field(ge=1)
    case_number: str | None = None
    date_assigned: date | None = None
    date_of_injury: date | None = None
    decision_date: date | None = None
    ur_denial_date: date | None = None
    application_received: date | None = None
    priority: Priority | None = None
    patient: Patient = Field(default_factory=Patient)
    reviewer: Reviewer = Field(default_factory=Reviewer)
    items: list[Item] = Field(min_length=1)
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    confidence: dict[str, float] = Field(default_factory=dict)
    warnings: list[ExtractionWarning] = Field(default_factory=list)
