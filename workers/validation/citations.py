"""Rules on the reviewer's cited guidelines: each names one source the catalog knows.

The reviewer's citations are what a claims system reports the decision as resting on. One that
resolves to no catalog entry (not even a generic kind: a peer-reviewed article, a textbook, a
drug reference) may be garbled text; one that names two primary guideline sources (MTUS, ODG,
ACOEM) or several web addresses at once was probably two citations run together.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from schemas.enrichment import EnrichedCitation
from schemas.letter import LetterRecord
from workers.enrichment.citations import normalise_citation
from workers.validation.rule import Finding, Rule, item_field

PRIMARY_TIERS: Final = frozenset({1, 2})
"""Evidence tiers of the primary guideline sources (MTUS; ODG and ACOEM outside it)."""
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MTUS_FAMILY = re.compile(r"^mtus")


def _reviewer_citations(record: LetterRecord) -> Iterator[tuple[str, EnrichedCitation]]:
    for index, item in enumerate(record.items):
        for position, citation in enumerate(item.reviewer_guidelines):
            field = f"{item_field(index, 'reviewer_guidelines')}[{position}]"
            yield field, normalise_citation(citation.raw)


def _unresolved(record: LetterRecord) -> Iterator[Finding]:
    for field, citation in _reviewer_citations(record):
        if citation.guideline_id is None:
            yield Finding(field, "the citation matches no guideline or source kind in the catalog")


def _fused(record: LetterRecord) -> Iterator[Finding]:
    for field, citation in _reviewer_citations(record):
        sources = {
            "mtus" if _MTUS_FAMILY.match(match.family) else match.family
            for match in citation.matches
            if match.evidence_tier in PRIMARY_TIERS
        }
        if len(sources) > 1 or len(_URL.findall(citation.raw)) > 1:
            yield Finding(field, "the citation names more than one source")


RULES: Final = (
    Rule(
        "citation.unresolved",
        "warning",
        "Every reviewer citation resolves to a catalog entry or a known kind of source.",
        _unresolved,
    ),
    Rule(
        "citation.fused",
        "warning",
        "Every reviewer citation names one source: not two primary guidelines (MTUS, ODG, "
        "ACOEM) and not several web addresses.",
        _fused,
    ),
)
