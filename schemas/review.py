"""A determination corrected and approved by a person in the review console."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.determination import DeterminationData
from schemas.source import LETTER_ID_PATTERN

REVIEW_SOURCE = "/imr/review"
"""The ``source`` attribute of the events the review console publishes."""

ReviewAction = Literal["edit", "confirm"]
FieldValue = str | int | None


class FieldReview(BaseModel):
    """One field a reviewer changed or confirmed as read, in the order it happened."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    field: str = Field(min_length=1)
    """Dotted path into the determination, e.g. ``decision_date``, ``patient.age``,
    ``items[1].outcome`` (items 1-based)."""
    action: ReviewAction
    old_value: FieldValue = None
    """The value before the change (as extracted, or as an earlier edit left it)."""
    new_value: FieldValue = None
    """The value after the change; for ``confirm`` the same as ``old_value``."""
    reviewer: str = Field(min_length=1)
    at: AwareDatetime


class ReviewedData(BaseModel):
    """The corrected determination, what changed in it, who approved it and when."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    letter_id: str = Field(pattern=LETTER_ID_PATTERN)
    extracted_event_id: str = Field(min_length=1)
    """``id`` of the ``org.imr.determination.extracted.v1`` event that was reviewed."""
    approved_by: str = Field(min_length=1)
    approved_at: AwareDatetime
    changes: list[FieldReview] = Field(default_factory=list)
    determination: DeterminationData
    """The determination with every edit applied; items whose treatment or outcome changed are
    enriched again, and edited or confirmed fields have confidence 1."""
