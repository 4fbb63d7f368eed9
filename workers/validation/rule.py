"""What a validation rule is: a code, a severity, a description and a pure check."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from schemas.letter import LetterRecord
from schemas.validation import Severity, ValidationReason


@dataclass(frozen=True, slots=True)
class Finding:
    """One place where a check failed. ``message`` must not quote letter text."""

    field: str | None
    message: str


Check = Callable[[LetterRecord], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    severity: Severity
    description: str
    check: Check

    def apply(self, record: LetterRecord) -> list[ValidationReason]:
        return [
            ValidationReason(
                code=self.code, field=found.field, message=found.message, severity=self.severity
            )
            for found in self.check(record)
        ]


def item_field(index: int, name: str) -> str:
    """Path of field ``name`` of the item at ``index``, e.g. ``items[0].outcome``."""
    return f"items[{index}].{name}"
