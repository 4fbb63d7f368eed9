"""Determination events for the claims database tests: the synthetic example varied, or the
pipeline's reading of a fixture letter (no real letter content)."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from schemas.events import DeterminationExtracted
from schemas.examples import EXAMPLE_TIME, example_events
from schemas.source import SourceObject, letter_id_for
from schemas.validation import ValidationReason, ValidationResult
from workers.determination import determine
from workers.extraction import EXTRACTOR_VERSION, extract

PDF_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pdf"
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


def letter_event(path: Path, bucket: str, *, needs_review: bool = True) -> DeterminationExtracted:
    """The determination the pipeline makes of the letter file ``path`` as object ``path.name``
    of ``bucket`` (etag: the content's sha256, as the local folder store gives it)."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    record = extract(data)
    source = SourceObject(
        bucket=bucket,
        key=path.name,
        etag=digest,
        size=len(data),
        sha256=digest,
        pages=record.pages,
        received_at=EXAMPLE_TIME,
    )
    determined = determine(
        record, letter_id=source.letter_id, source=source, extractor_version=EXTRACTOR_VERSION
    )
    if needs_review:
        determined = determined.model_copy(update={"validation": NEEDS_REVIEW})
    return DeterminationExtracted(source=_EXAMPLE.source, data=determined)
