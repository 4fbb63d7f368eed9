"""The verdict of the validation stage on one extraction record."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ValidationStatus = Literal["valid", "needs_review", "rejected"]
"""``valid``: usable as is. ``needs_review``: usable, but a person should confirm the reasons.
``rejected``: the record cannot be trusted at all; it goes to the dead-letter topic."""

Severity = Literal["info", "warning", "error"]
"""A ``warning`` makes the record ``needs_review``, an ``error`` makes it ``rejected``; an
``info`` reason (e.g. a low enrichment confidence) is reported but changes nothing."""


class ValidationReason(BaseModel):
    """One rule that did not pass. ``message`` never quotes letter text or patient details."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    code: str = Field(pattern=r"^[a-z0-9_.]+$")
    field: str | None = None
    """Dotted path into the record, e.g. ``items[1].outcome``; ``None`` for the whole letter."""
    message: str
    severity: Severity


class ValidationResult(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    status: ValidationStatus
    reasons: list[ValidationReason] = Field(default_factory=list)

    @model_validator(mode="after")
    def _status_follows_reasons(self) -> ValidationResult:
        if self.status != status_for(self.reasons):
            raise ValueError("status does not follow from the reasons' severities")
        return self

    @classmethod
    def from_reasons(cls, reasons: Iterable[ValidationReason]) -> ValidationResult:
        found = list(reasons)
        return cls(status=status_for(found), reasons=found)

    def with_notes(self, notes: Iterable[ValidationReason]) -> ValidationResult:
        """This result with ``info`` reasons added (its status cannot change)."""
        added = list(notes)
        if any(note.severity != "info" for note in added):
            raise ValueError("only info reasons can be added after validation")
        return ValidationResult(status=self.status, reasons=[*self.reasons, *added])


def status_for(reasons: Iterable[ValidationReason]) -> ValidationStatus:
    """The status the most severe of ``reasons`` calls for."""
    severities = {reason.severity for reason in reasons}
    if "error" in severities:
        return "rejected"
    return "needs_review" if "warning" in severities else "valid"
