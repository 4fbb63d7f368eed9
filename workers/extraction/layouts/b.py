"""Layout B: the MAXIMUS "IMR DECISION(S) AND RATIONALE(S)" letters.

The letter opens with "MAXIMUS FEDERAL SERVICES, INC. / Independent Medical Review", a labelled
header and often a cover page; the body has the sections ``HOW THE IMR FINAL DETERMINATION WAS
MADE`` (reviewer credentials, labelled or in prose), ``DOCUMENTS REVIEWED``, ``CLINICAL CASE
SUMMARY`` and ``IMR DECISION(S) AND RATIONALE(S)``. Items in the decisions section use the same
fields as layout A (heading ending in ``: Upheld``/``: Overturned``, ``Claims Administrator
guideline:``, ``MAXIMUS guideline:``, ``Decision rationale:``), so they are read by the shared
item reader.
"""

from __future__ import annotations

import re
from typing import Final

from schemas.letter import Item, Layout, LetterRecord
from workers.extraction.document import Document
from workers.extraction.errors import UnknownLayoutError
from workers.extraction.layouts.front_matter import read_front_matter
from workers.extraction.layouts.items import CA_FIELD, RATIONALE_FIELD, read_items
from workers.extraction.layouts.sections import (
    find_sections,
    first_body,
    first_section,
    heading_pattern,
)

_OPENING = re.compile(
    r"\AMAXIMUS\s+FEDERAL\s+SERVICES,?\s+INC\.?\s+Independent\s+Medical\s+Review\b", re.I
)
_HOW_MADE = "how made"
_DOCUMENTS = "documents"
_SUMMARY = "summary"
_DECISIONS = "decisions"
_HEADINGS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (_HOW_MADE, heading_pattern("HOW THE IMR FINAL DETERMINATION WAS MADE")),
    (_DOCUMENTS, heading_pattern("DOCUMENTS REVIEWED")),
    (_SUMMARY, heading_pattern("CLINICAL CASE SUMMARY")),
    (_DECISIONS, heading_pattern("IMR DECISION(S) AND RATIONALE(S)")),
)


class LayoutBParser:
    """Parser for the "IMR DECISION(S) AND RATIONALE(S)" letters."""

    layout: Final[Layout] = "B"

    def score(self, doc: Document) -> float:
        text = doc.text
        if not _HEADINGS[3][1].search(text):
            return 0.0
        score = 0.5
        score += 0.15 if _HEADINGS[1][1].search(text) else 0.0
        score += 0.15 if _OPENING.search(text.lstrip()) else 0.0
        score += 0.2 if CA_FIELD.search(text) or RATIONALE_FIELD.search(text) else 0.0
        return score

    def parse(self, doc: Document) -> LetterRecord:
        sections = find_sections(doc, _HEADINGS)
        decisions = first_section(sections, _DECISIONS)
        if decisions is None:
            raise UnknownLayoutError("no 'IMR DECISION(S) AND RATIONALE(S)' section")
        front = read_front_matter(
            doc,
            header_end=sections[0].heading.start,
            summary=first_body(sections, _SUMMARY),
            reviewer_block=first_body(sections, _HOW_MADE),
        )
        items = _without_item_numbers(read_items(doc, decisions.heading.end, front.warnings))
        if not items:
            raise UnknownLayoutError("no decision items found")
        return front.record("B", items)


_ITEM_NUMBER = re.compile(r"(\d{1,2})[.)]\s+")


def _without_item_numbers(items: list[Item]) -> list[Item]:
    """Drop "1. ", "2. " ... from treatments when every heading is numbered in sequence."""
    numbers = [_ITEM_NUMBER.match(item.treatment) for item in items]
    matches = [match for match in numbers if match is not None]
    in_sequence = len(matches) == len(items) and all(
        int(match.group(1)) == position for position, match in enumerate(matches, start=1)
    )
    if not items or not in_sequence:
        return items
    stripped: list[Item] = []
    for item, match in zip(items, matches, strict=True):
        provenance = dict(item.provenance)
        if "treatment" in provenance:
            where = provenance["treatment"]
            provenance["treatment"] = where.model_copy(update={"start": where.start + match.end()})
        stripped.append(
            item.model_copy(
                update={"treatment": item.treatment[match.end() :], "provenance": provenance}
            )
        )
    return stripped


PARSER = LayoutBParser()
