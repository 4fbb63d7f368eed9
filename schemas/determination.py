"""The determination payload downstream claims systems consume: the extraction record with every
item enriched, plus where the letter came from and the validation verdict."""

from __future__ import annotations

from pydantic import Field

from schemas.enrichment import ItemEnrichment
from schemas.letter import Item, LetterRecord
from schemas.source import LETTER_ID_PATTERN, SourceObject
from schemas.validation import ValidationResult


class DeterminedItem(ItemEnrichment, Item):
    """An item with its enrichment fields alongside the extracted ones.

    The enrichment's ``claims_administrator_guidelines`` and ``reviewer_guidelines`` take the
    place of the item's: each entry keeps the citation's ``raw`` text and adds the catalog match.
    """

    @classmethod
    def combine(cls, item: Item, enrichment: ItemEnrichment) -> DeterminedItem:
        """``item`` with ``enrichment``; raises ``ValueError`` if the enriched citations are not
        the item's citations in the same order."""
        for name in ("claims_administrator_guidelines", "reviewer_guidelines"):
            cited = [citation.raw for citation in getattr(item, name)]
            enriched = [citation.raw for citation in getattr(enrichment, name)]
            if cited != enriched:
                raise ValueError(f"enriched {name} do not match the item's citations")
        return cls.model_validate({**dict(item), **dict(enrichment)})


class DeterminationData(LetterRecord):
    """Every field of :class:`~schemas.letter.LetterRecord` at top level (items enriched), plus
    the letter id, the source object, the extractor version and the validation verdict."""

    items: list[DeterminedItem] = Field(min_length=1)  # type: ignore[assignment]
    letter_id: str = Field(pattern=LETTER_ID_PATTERN)
    source: SourceObject
    extractor_version: str = Field(min_length=1)
    validation: ValidationResult
