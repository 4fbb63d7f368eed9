"""Cross-checks between two statements of one value in a letter.

An item's outcome is stated by its heading (or decision list) and concluded by its rationale; a
date is stated in the header and often again in the narrative. Disagreements become
:class:`~schemas.letter.ExtractionWarning` entries rather than silent choices.
"""

from __future__ import annotations

from datetime import date

from schemas.letter import ExtractionWarning, Outcome
from workers.extraction.errors import UnknownLayoutError
from workers.extraction.fields import Span


def checked_outcome(
    number: int,
    stated: Outcome | None,
    said: tuple[Outcome, Span] | None,
    warnings: list[ExtractionWarning],
    *,
    source: str,
    missing_code: str | None,
) -> tuple[Outcome, bool]:
    """The outcome ``source`` (e.g. "heading") states for item ``number`` (1-based), checked
    against the rationale's conclusion ``said``; returns it and whether the two agree.

    A contradiction adds ``outcome_rationale_mismatch`` and keeps the stated outcome. Without a
    stated outcome, the conclusion is used and ``missing_code`` added; when ``missing_code`` is
    ``None`` or there is no conclusion either, :class:`UnknownLayoutError` is raised.
    """
    field = f"items[{number - 1}].outcome"
    if stated is None:
        if said is None or missing_code is None:
            raise UnknownLayoutError(f"item {number} states no outcome")
        warnings.append(
            ExtractionWarning(
                code=missing_code,
                field=field,
                message=f"no outcome in the {source}; outcome read from the rationale",
            )
        )
        return said[0], True
    agrees = said is None or said[0] == stated
    if said is not None and not agrees:
        warnings.append(
            ExtractionWarning(
                code="outcome_rationale_mismatch",
                field=field,
                message=f"{source} says {stated}, the rationale concludes {said[0]}",
            )
        )
    return stated, agrees


def date_mismatch(
    field: str, label: str, header: date, narrative: date, *, narrative_source: str, kept: str
) -> ExtractionWarning:
    """``header_narrative_mismatch`` for ``field``: the header ``label`` states ``header``,
    ``narrative_source`` states ``narrative``; ``kept`` says which value the record holds."""
    return ExtractionWarning(
        code="header_narrative_mismatch",
        field=field,
        message=f"header {label} ({header.isoformat()}) differs from the {narrative_source} "
        f"({narrative.isoformat()}); {kept} value kept",
    )
