"""How sure each enrichment of an item is, and the notes a low confidence leaves.

Confidence comes from what the enrichment recognised, not from constants per field: a service
named in the drug table or by a service rule, a category decided by a rule or a drug rather than
left as Other, a reviewed portion stated rather than guessed, citations matched to a catalog
entry (their match score) and their cited sections to the entry's topics. A value under
:data:`NOTE_BELOW` becomes an ``info`` validation reason: reported, never blocking.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

from schemas.enrichment import Category, EnrichedCitation, ServiceDetails
from schemas.letter import PartialCertification
from schemas.validation import ValidationReason
from workers.extraction.heading import reviews_whole_request

NOTE_BELOW: Final = 0.6
"""Enrichments less sure than this are noted in the validation reasons."""
UNRECOGNISED: Final = 0.4
"""A service whose drug or kind was not recognised, or a category left as Other."""
SECTION_UNMATCHED: Final = 0.5
"""A citation whose cited sections matched none of its guideline's topics."""
GUESSED_SCOPE: Final = 0.5
"""An authorization scoped by the whole original request because the letter did not state the
reviewed portion."""

_MESSAGES: Final = {
    "service": "the requested service was not recognised (no known drug or kind of service)",
    "category": "no DWC service category fits the request",
    "authorization": "the scope stands on a reviewed portion the letter did not state",
    "claims_administrator_guidelines": "a cited guideline or its section was not matched",
    "reviewer_guidelines": "a cited guideline or its section was not matched",
}


def enrichment_confidence(
    service: ServiceDetails,
    recognised: bool,
    category: tuple[Category, str | None],
    partial: PartialCertification | None,
    citations: dict[str, Sequence[EnrichedCitation]],
) -> dict[str, float]:
    """Confidence per enrichment; ``recognised`` when a drug or service rule named the service;
    ``category`` with its subcategory (Other without one is a fallback)."""
    fallback = category == ("Other", None)
    confidence = {
        "service": 1.0 if recognised else UNRECOGNISED,
        "category": UNRECOGNISED if fallback else (1.0 if recognised else 0.8),
        "authorization": _scope_confidence(partial),
    }
    for name, cited in citations.items():
        if cited:
            confidence[name] = min(_citation_confidence(citation) for citation in cited)
    return {name: round(value, 3) for name, value in confidence.items()}


def _scope_confidence(partial: PartialCertification | None) -> float:
    if partial is not None and partial.remaining_derived and reviews_whole_request(partial):
        return GUESSED_SCOPE
    return 1.0


def _citation_confidence(citation: EnrichedCitation) -> float:
    if not citation.matches:
        return 0.0
    best = citation.matches[0]
    if citation.sections and not best.sections:
        return min(best.score, SECTION_UNMATCHED)
    return best.score


def notes(index: int, confidence: dict[str, float]) -> Iterator[ValidationReason]:
    """``info`` reasons for the enrichments of item ``index`` below :data:`NOTE_BELOW`."""
    for name, value in confidence.items():
        if value < NOTE_BELOW:
            yield ValidationReason(
                code=f"enrichment.low_confidence.{name}",
                field=f"items[{index}].{name}",
                message=f"{_MESSAGES[name]} (confidence {value:.2f})",
                severity="info",
            )
