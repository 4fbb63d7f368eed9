"""Enrichment: guideline catalog matches, parsed services, DWC categories and what each IMR
outcome means for authorization. Pure functions; the packaged data is loaded once."""

from __future__ import annotations

from schemas.enrichment import ItemEnrichment
from schemas.letter import Item
from workers.enrichment.authorization import authorization
from workers.enrichment.citations import enrich_citations, normalise_citation
from workers.enrichment.confidence import enrichment_confidence
from workers.enrichment.services import categorise, parse_service, recognised

__all__ = [
    "authorization",
    "categorise",
    "enrich_citations",
    "enrich_item",
    "normalise_citation",
    "parse_service",
]


def enrich_item(item: Item) -> ItemEnrichment:
    """Enrich one disputed item; a partial certification is read from the portion IMR
    reviewed."""
    partial = item.partial_certification
    reviewed = partial.remaining if partial else item.treatment
    service = parse_service(reviewed)
    category, subcategory = categorise(reviewed, service)
    claims_administrator = enrich_citations(item.claims_administrator_guidelines)
    reviewer = enrich_citations(item.reviewer_guidelines)
    return ItemEnrichment(
        service=service,
        category=category,
        subcategory=subcategory,
        authorization=authorization(item),
        claims_administrator_guidelines=claims_administrator,
        reviewer_guidelines=reviewer,
        enrichment_confidence=enrichment_confidence(
            service,
            recognised(reviewed),
            (category, subcategory),
            partial,
            {
                "claims_administrator_guidelines": claims_administrator,
                "reviewer_guidelines": reviewer,
            },
        ),
    )
