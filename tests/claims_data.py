"""Synthetic determination events for the claims database tests (no real letter content)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from schemas.events import DeterminationExtracted
from schemas.examples import EXAMPLE_TIME, example_events
from schemas.source import letter_id_for
from schemas.validation import ValidationReason, ValidationResult

_EXAMPLE = next(e for e in example_events() if isinstance(e, DeterminationExtracted))

NEEDS_REVIEW = ValidationResult.from_reasons(
    [
        ValidationReason(
            code="low_confidence",
            field="decision_date",
            message="decision date read with low confidence",
            severity="warning",
        )
    ]
)


def determination(
    key: str,
    *,
    case_number: str | None = "CM16-0000000",
    decided: date = date(2017, 1, 20),
    needs_review: bool = False,
    outcome: str = "upheld",
    **changes: Any,
) -> DeterminationExtracted:
    """The example determination as if read from object ``key``: its own letter id, with the
    case number, decision date, outcome and validation verdict given."""
    data = _EXAMPLE.data
    source = data.source.model_copy(update={"key": key})
    item = data.items[0].model_copy(update={"outcome": outcome})
    new_data = data.model_copy(
        update={
            "letter_id": letter_id_for(source.bucket, key, source.version_id, source.etag),
            "source": source,
            "case_number": case_number,
            "decision_date": decided,
            "items": [item],
            "validation": NEEDS_REVIEW if needs_review else data.validation,
            **changes,
        }
    )
    return DeterminationExtracted(
        source=_EXAMPLE.source,
        time=EXAMPLE_TIME + timedelta(days=(decided - date(2017, 1, 20)).days),
        data=new_data,
    )
