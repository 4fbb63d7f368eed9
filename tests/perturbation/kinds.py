"""Every kind of rewrite by name. Each takes a letter and a random generator seeded from the
letter and the kind, so a run is repeatable, and raises ``NotApplicable`` when the letter lacks
what it changes."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Final

from tests.perturbation import citations, headings, layout, partials, prose
from tests.perturbation.letter import Letter

Rewrite = Callable[[Letter, random.Random], Letter]


def unchanged(letter: Letter, rng: random.Random) -> Letter:
    """The letter as the text layer gives it: the baseline every rewrite is compared with."""
    return letter


KINDS: Final[dict[str, Rewrite]] = {
    "unchanged": unchanged,
    "partial_second_phrasing": partials.second_phrasing,
    "partial_verb_variants": partials.verb_variants,
    "partial_from_ordinary": partials.from_ordinary,
    "heading_wrapped": headings.wrapped,
    "heading_last_word_wrapped": headings.last_word_wrapped,
    "heading_first_word_alone": headings.first_word_alone,
    "heading_page_break": headings.page_break_inside,
    "outcome_spelling": headings.outcome_spelling,
    "citation_wrapped": citations.wrapped,
    "citations_split_or_joined": citations.split_or_joined,
    "citation_url_pair": citations.url_pair,
    "citations_fused": citations.fused,
    "header_wrapped": layout.header_wrapped,
    "blank_lines_added": layout.blank_lines_added,
    "blank_lines_doubled": layout.blank_lines_doubled,
    "labels_run_on": layout.labels_run_on,
    "running_headers": layout.running_headers,
    "items_reversed": layout.items_reversed,
    "rationale_reworded": prose.rationale_reworded,
    "extra_section": layout.extra_section,
    "extra_summary_paragraph": layout.extra_summary_paragraph,
}


def rewrite(letter: Letter, kind: str) -> Letter:
    """``letter`` rewritten by ``kind``, seeded by the case number and the kind."""
    return KINDS[kind](letter, random.Random(f"{letter.case}/{kind}"))
