"""Closed vocabularies an OCR slip is matched back to, by edit distance."""

from __future__ import annotations

from typing import Final

US_STATES: Final = (
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut",
    "Delaware", "District of Columbia", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois",
    "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts",
    "Michigan", "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada",
    "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota",
    "Ohio", "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island", "South Carolina",
    "South Dakota", "Tennessee", "Texas", "Utah", "Vermont", "Virginia", "Washington",
    "West Virginia", "Wisconsin", "Wyoming",
)  # fmt: skip


LABEL_WORDS: Final = (
    "Number:", "Assigned:", "Injury:", "Date:", "Priority:", "Received:", "Licensure:",
    "Certification(s)/Specialty:", "guideline:", "guidelines:", "rationale:",
)  # fmt: skip
"""Label words that end in a colon: the header's, the reviewer block's and the item fields'
(``MAXIMUS guideline:``, ``Decision rationale:``)."""

SECTION_HEADINGS: Final = (
    "HOW THE IMR FINAL DETERMINATION WAS MADE", "CLINICAL CASE SUMMARY", "DOCUMENTS REVIEWED",
    "IMR ISSUES, DECISIONS AND RATIONALES", "IMR DECISION(S) AND RATIONALE(S)",
    "MEDICAL PROFESSIONAL REVIEW", "CASE SUMMARY:", "DOCUMENTS REVIEWED FOR DETERMINATION:",
    "MEDICAL REVIEWER QUALIFICATIONS:", "INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE",
)  # fmt: skip
"""Section headings printed in capitals, by the layouts in ``workers.extraction.layouts``."""

OUTCOME_WORDS: Final = ("Upheld", "Overturned")
"""The words a decision heading ends in, after a colon."""


def edit_distance(first: str, second: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    previous = list(range(len(second) + 1))
    for row, char in enumerate(first, start=1):
        current = [row]
        for column, other in enumerate(second, start=1):
            current.append(
                min(previous[column] + 1, current[-1] + 1, previous[column - 1] + (char != other))
            )
        previous = current
    return previous[-1]


def closest(word: str, vocabulary: tuple[str, ...], max_distance: int) -> str | None:
    """The one entry within ``max_distance`` of ``word`` (case and spaces ignored), else
    ``None`` (none, or several equally close)."""
    key = "".join(word.lower().split())
    scored = sorted(
        (edit_distance(key, "".join(entry.lower().split())), entry) for entry in vocabulary
    )
    if not scored or scored[0][0] > max_distance:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None
    return scored[0][1]
