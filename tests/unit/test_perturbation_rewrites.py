"""The rewrites themselves, on a small letter of known shape (no corpus needed)."""

from __future__ import annotations

import pytest

from tests.perturbation.letters import ExpectedItem, Letter, Partial, words
from tests.perturbation.rewrites import (
    REWRITES,
    citation_urls_added,
    items_reversed,
    partial_from_ordinary,
    partial_leaving_original,
)

_PARTIAL = Partial("Norco 10/325mg #90", "Norco 10/325mg #60", "Norco 10/325mg #30")
TEXT = (
    "Case Number: CM17-0001234\nDate Assigned: 01/09/2017 Date of Injury: 10/11/2016\n"
    "Decision Date: 01/31/2017 UR Denial Date: 12/27/2016\nCLINICAL CASE SUMMARY\n"
    "The injured worker is a 41 year old male.\nIMR ISSUES, DECISIONS AND RATIONALES\n"
    "Tramadol 50mg #60: Upheld\n"
    "Claims Administrator guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016,\n"
    "Section(s): Opioids, and Low Back Complaints 2004, Section(s): Initial Care.\n"
    "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s):\n"
    "Opioids.\nDecision rationale: Therefore, the request is not medically necessary.\n"
    "Norco 10/325mg #90 was the original request. Norco 10/325mg #60 was authorized by the\n"
    "Claims Administrator. The remaining IMR eligible portion of the original request, Norco\n"
    "10/325mg #30 is: Upheld\nClaims Administrator guideline: Decision based on MTUS Chronic Pain\n"
    "Medical "
    "Treatment 2016, Section(s): Opioids.\nMAXIMUS guideline: Decision based on MTUS Chronic Pain\n"
    "Medical Treatment 2016, Section(s): Opioids. Decision based on Non-MTUS Citation ODG Pain,\n"
    "Opioids.\nDecision rationale: The patient has pain. The\n"
    "documentation is thin. Given the above, the request is not medically necessary.\f"
    "Sincerely,\n"
)
LETTER = Letter(
    "synthetic",
    TEXT,
    (("case_number", "CM17-0001234"),),
    (
        ExpectedItem("Tramadol 50mg #60", "upheld", None, (), ()),
        ExpectedItem(
            "Norco 10/325mg #90 was the original request. Norco 10/325mg #60 was authorized by the "
            "Claims Administrator. The remaining IMR eligible portion of the original request, "
            "Norco 10/325mg #30",
            "upheld",
            _PARTIAL,
            (),
            (),
        ),
    ),
)


@pytest.mark.parametrize("kind", list(REWRITES))
def test_every_rewrite_changes_the_text_and_keeps_each_expected_heading(kind: str) -> None:
    rewritten = REWRITES[kind](LETTER)
    assert rewritten is not None
    assert rewritten.text != LETTER.text
    for item in rewritten.items:
        assert _in_order(item.treatment.split(), [w.rstrip(":") for w in rewritten.text.split()])
    assert words(rewritten.text).count("Decision rationale:") == 2


def _in_order(wanted: list[str], text: list[str]) -> bool:
    """Whether ``wanted`` occurs in ``text`` in order (other words may come between)."""
    remaining = iter(text)
    return all(any(word == seen for seen in remaining) for word in wanted)


def test_second_phrasing_reviews_the_restated_original_request() -> None:
    rewritten = partial_leaving_original(LETTER)
    assert rewritten is not None
    assert "leaving the original request IMR eligible" in words(rewritten.text)
    assert rewritten.items[1].partial == Partial(
        "Norco 10/325mg #90", "norco 10/325mg #60", "norco 10/325mg #90"
    )
    assert rewritten.items[0] == LETTER.items[0]


def test_an_ordinary_item_becomes_a_partial_of_half_its_quantity() -> None:
    rewritten = partial_from_ordinary(LETTER)
    assert rewritten is not None
    assert rewritten.items[0].partial == Partial(
        "Tramadol 50mg #60", "Tramadol 50mg #30", "Tramadol 50mg #30"
    )
    assert rewritten.items[1] == LETTER.items[1]


def test_reversed_items_swap_text_and_expectations() -> None:
    rewritten = items_reversed(LETTER)
    assert rewritten is not None
    assert rewritten.items == tuple(reversed(LETTER.items))
    assert words(rewritten.text).index("Norco") < words(rewritten.text).index("Tramadol")
    assert words(rewritten.text).endswith("Sincerely,")


def test_url_citations_are_expected_as_two_entries() -> None:
    rewritten = citation_urls_added(LETTER)
    assert rewritten is not None
    assert all(len(item.reviewer) == 2 for item in rewritten.items)
    assert words(rewritten.text).count("https://") == 4
