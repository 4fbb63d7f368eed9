"""The rewrites of the perturbation suite change a letter as they say and keep the rest, and the
judge tells right from flagged and silent results. Runs on a fixture letter, without the corpus."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from schemas.letter import LetterRecord
from schemas.validation import ValidationReason, ValidationResult
from tests.perturbation import citations, headings, layout, partials, prose
from tests.perturbation.anatomy import heading_phrase, items
from tests.perturbation.expected import Expected, collapse, differences
from tests.perturbation.kinds import KINDS, rewrite
from tests.perturbation.letter import Letter, NotApplicable
from tests.perturbation.verdict import determination_of, judge, judge_determination

LETTERS = Path(__file__).resolve().parents[1] / "fixtures" / "letters"


@pytest.fixture(scope="module")
def letter() -> Letter:
    """Three items: a partial certification (#90, #45 authorized, #45 left), two ordinary."""
    expected = json.loads((LETTERS / "a2016_three_items.expected.json").read_text())
    record = LetterRecord.model_validate({**expected, "pages": 1})
    text = (LETTERS / "a2016_three_items.txt").read_text()
    return Letter("CM16-0218843", text, Expected.from_record(record))


def _rng() -> random.Random:
    return random.Random(7)


def test_the_fixture_letter_comes_out_right(letter: Letter) -> None:
    assert judge(letter, "unchanged").result == "right"


WHITESPACE_ONLY = (
    headings.wrapped,
    headings.last_word_wrapped,
    headings.first_word_alone,
    citations.wrapped,
    layout.blank_lines_added,
    layout.blank_lines_doubled,
    layout.header_wrapped,
    layout.labels_run_on,
)


@pytest.mark.parametrize("rewrite_with", WHITESPACE_ONLY, ids=lambda f: f.__name__)
def test_line_and_blank_line_rewrites_change_only_whitespace(
    letter: Letter, rewrite_with: object
) -> None:
    assert callable(rewrite_with)
    changed = rewrite_with(letter, _rng())
    assert changed.text != letter.text
    assert changed.text.split() == letter.text.split()
    assert changed.expected == letter.expected


def test_wrapped_headings_are_narrow(letter: Letter) -> None:
    changed = headings.wrapped(letter, _rng())
    for part in items(changed):
        lines = changed.text[part.heading.start : part.heading.end].split("\n")
        assert len(lines) > 1 and max(map(len, lines)) <= 60 + len(": Overturned")


def test_last_word_wrap_leaves_one_word_and_the_outcome_on_the_last_line(letter: Letter) -> None:
    changed = headings.last_word_wrapped(letter, _rng())
    assert "\nspine: Upheld\n" in changed.text  # "... for the lumbar" / "spine: Upheld"
    assert "\n#45 is: Upheld\n" in changed.text


def test_first_word_alone_leaves_one_word_on_the_first_heading_line(letter: Letter) -> None:
    changed = headings.first_word_alone(letter, _rng())
    for part in items(changed):
        first = changed.text[part.heading.start : part.heading.end].split("\n")[0]
        assert len(first.split()) == 1


def test_header_wrapped_puts_each_label_and_part_of_the_specialty_on_its_own_line(
    letter: Letter,
) -> None:
    changed = layout.header_wrapped(letter, _rng())
    assert re.search(r"^Date Assigned:\s+\S+\nDate of Injury:", changed.text, re.MULTILINE)
    assert re.search(r"^Decision Date:\s+\S+\nUR Denial Date:", changed.text, re.MULTILINE)
    assert "State(s) of Licensure: California,\nArizona" in changed.text
    specialty = re.search(r"Specialty: (.*?)\nCLINICAL CASE SUMMARY", changed.text, re.DOTALL)
    assert specialty is not None and "\n" in specialty.group(1)
    assert collapse(specialty.group(1)) == "Physical Medicine & Rehabilitation"


def test_running_headers_open_every_later_page(letter: Letter) -> None:
    changed = layout.running_headers(letter, _rng())
    pages = changed.text.split("\f")
    assert len(pages) == letter.text.count("\f") + 1 >= 2
    assert all(page.startswith("Case Number: CM16-0218843\nPage ") for page in pages[1:])
    assert pages[0] == letter.text.split("\f")[0]
    single = letter.with_text(letter.text.replace("\f", "\n"))
    with pytest.raises(NotApplicable):
        layout.running_headers(single, _rng())


def test_labels_run_on_after_the_text_before_them(letter: Letter) -> None:
    changed = layout.labels_run_on(letter, _rng())
    assert not re.search(r"\n(?:Claims Administrator|MAXIMUS) guideline:", changed.text)
    assert re.search(r"(?:Upheld|Overturned) Claims Administrator guideline:", changed.text)


def test_page_break_falls_inside_every_heading(letter: Letter) -> None:
    changed = headings.page_break_inside(letter, _rng())
    assert changed.text.count("\f") == letter.text.count("\f") + 3
    assert re.search(r"original request,(?:\nPage \d+ of \d+)?\f", changed.text)
    without = re.sub(r"Page \d+ of \d+|CM16-0218843(?=\n)", "", changed.text[200:])
    assert without.split() == letter.text[200:].split()


def test_outcome_spelling_changes_only_the_outcome(letter: Letter) -> None:
    changed = headings.outcome_spelling(letter, _rng())
    styles = [
        r"UPHELD|OVERTURNED",
        r" : (?:Upheld|Overturned)",
        r"(?:Upheld|Overturned)\.\n",
        r":\n(?:Upheld|Overturned)\n",
    ]
    assert sum(bool(re.search(style, changed.text)) for style in styles) == 3
    undone = re.sub(
        r"\s*:\s*(UPHELD|Upheld|OVERTURNED|Overturned)\.?",
        lambda m: ": " + m.group(1).title(),
        changed.text,
    )
    redone = re.sub(r"\s*:\s*(Upheld|Overturned)", r": \1", letter.text)
    assert undone.split() == redone.split()


def test_second_phrasing_reviews_the_restated_original_request(letter: Letter) -> None:
    changed = partials.second_phrasing(letter, _rng())
    assert "leaving the original request IMR eligible" in collapse(changed.text)
    item = changed.expected.items[0]
    assert item.partial is not None and item.partial.remaining == "norco 10/325mg #90"
    assert item.partial.authorized == "Norco 10/325mg #45"
    assert item.treatment.endswith("The original request, norco 10/325mg #90")
    assert changed.expected.items[1:] == letter.expected.items[1:]
    # The rationale's verdict names the portion reviewed now.
    assert "the remaining norco 10/325mg #90 is not medically necessary" in collapse(changed.text)


def test_verb_variants_keep_the_parts_and_change_the_words(letter: Letter) -> None:
    treatments = set()
    for seed in range(40):
        changed = partials.verb_variants(letter, random.Random(seed))
        item = changed.expected.items[0]
        assert item.partial == letter.expected.items[0].partial
        assert heading_phrase(changed, items(changed)[0]) == item.treatment
        assert " is is:" not in changed.text
        treatments.add(item.treatment)
    assert letter.expected.items[0].treatment not in treatments
    assert len(treatments) >= 6
    assert any(t.endswith("Norco 10/325mg #45 remains IMR eligible") for t in treatments)


def test_an_item_without_a_count_becomes_partial_with_its_request_left_eligible(
    letter: Letter,
) -> None:
    changed = partials.from_ordinary(letter, _rng())
    made = [i for i, item in enumerate(changed.expected.items) if item != letter.expected.items[i]]
    assert len(made) == 1
    partial = changed.expected.items[made[0]].partial
    assert partial is not None and partial.authorized.endswith(" for 1 month")
    assert collapse(partial.remaining).lower() == collapse(partial.original_request).lower()


def test_an_item_with_a_count_becomes_partial_with_the_count_divided(letter: Letter) -> None:
    old = "Aquatic therapy 2 times a week for 6 weeks for the lumbar spine"
    new = "Aquatic therapy 12 sessions for the lumbar spine"
    expected = list(letter.expected.items)
    expected[2] = expected[2].with_changes(treatment=new)
    counted = Letter(
        letter.case, letter.text.replace(old, new), letter.expected.with_items(expected)
    )
    changed = partials.from_ordinary(counted, _rng())
    partial = changed.expected.items[2].partial
    assert partial is not None
    assert partial.original_request == new
    assert partial.authorized == "Aquatic therapy 4 sessions for the lumbar spine"
    assert partial.remaining in (
        new,
        "Aquatic therapy 8 sessions for the lumbar spine",
        "aquatic therapy 12 sessions for the lumbar spine",
    )


def test_rewrites_that_need_a_partial_refuse_letters_without_one(letter: Letter) -> None:
    plain = letter.with_text(letter.text, letter.expected.with_items(letter.expected.items[1:]))
    with pytest.raises(NotApplicable):
        partials.second_phrasing(plain, _rng())


def test_items_reversed_reverses_text_and_expectation(letter: Letter) -> None:
    changed = layout.items_reversed(letter, _rng())
    assert changed.expected.items == letter.expected.items[::-1]
    assert [heading_phrase(changed, part) for part in items(changed)] == [
        item.treatment for item in letter.expected.items[::-1]
    ]
    assert sorted(changed.text.split()) == sorted(letter.text.split())


def test_rationale_rewording_rephrases_the_verdict_and_keeps_headings_and_fields(
    letter: Letter,
) -> None:
    changed = prose.rationale_reworded(letter, _rng())
    assert changed.text != letter.text
    assert re.search(
        r"medically necessary and appropriate|therefore (?:not )?supported as medically necessary",
        changed.text,
    )
    for before, after in zip(items(letter), items(changed), strict=True):
        for name in ("claims_administrator", "reviewer"):
            old, new = getattr(before, name), getattr(after, name)
            assert letter.text[old.start : old.end] == changed.text[new.start : new.end]


def test_joined_mtus_sources_are_split_into_sentences(letter: Letter) -> None:
    changed = citations.split_or_joined(letter, _rng())
    assert (
        "Transcutaneous electrotherapy. Decision based on MTUS Low Back Complaints 2004"
        in collapse(changed.text)
    )
    assert changed.expected == letter.expected


def test_fused_citations_join_a_second_decision_sentence_and_keep_the_expectation(
    letter: Letter,
) -> None:
    with pytest.raises(NotApplicable):
        citations.fused(letter, _rng())  # one "Decision based on" sentence per reviewer field
    one = "Section(s): Aquatic therapy, Physical medicine treatment."
    two = f"{one} Decision based on Non-MTUS Citation ODG Low Back, Aquatic therapy."
    cited = letter.with_text(letter.text.replace(one, two))
    changed = citations.fused(cited, _rng())
    assert "Physical medicine treatment; Non-MTUS Citation ODG" in collapse(changed.text)
    assert (
        collapse(changed.text).count("Decision based on")
        == collapse(cited.text).count("Decision based on") - 1
    )
    assert changed.expected == cited.expected


def test_url_pair_adds_two_citations(letter: Letter) -> None:
    changed = citations.url_pair(letter, _rng())
    added = [
        (before.reviewer_guidelines, after.reviewer_guidelines)
        for before, after in zip(letter.expected.items, changed.expected.items, strict=True)
        if before != after
    ]
    assert len(added) == 1
    before, after = added[0]
    assert after[: len(before)] == before and len(after) == len(before) + 2
    assert after[-2].startswith("Other Medical Treatment Guidelines http") and after[-1].startswith(
        "http"
    )
    assert after[-1] in changed.text


def test_extra_section_and_paragraph_add_prose_and_keep_the_letter(letter: Letter) -> None:
    section = layout.extra_section(letter, _rng())
    assert section.text.startswith(letter.text.rstrip())
    assert re.search(r"\n[A-Z ]{8,}\n[A-Z][a-z]", section.text[len(letter.text.rstrip()) :])
    paragraph = layout.extra_summary_paragraph(letter, _rng())
    added = paragraph.text.split()[len(letter.text.split()) :]  # nothing lost, words only added
    assert len(paragraph.text.split()) > len(letter.text.split()) and added
    assert paragraph.text.index("It adds no clinical findings.") < paragraph.text.index(
        "IMR ISSUES"
    )


def test_every_kind_is_seeded_and_repeatable(letter: Letter) -> None:
    for kind in KINDS:
        try:
            first = rewrite(letter, kind)
        except NotApplicable:
            continue
        assert rewrite(letter, kind) == first


def test_differences_name_fields_not_values(letter: Letter) -> None:
    want = letter.expected
    assert differences(want, want) == []
    first = want.items[0]
    assert first.partial is not None
    got = want.with_items(
        [
            first.with_changes(
                treatment=first.treatment + " is",
                partial=first.partial.__class__(
                    first.partial.original_request.lower(), first.partial.authorized, "x"
                ),
            ),
            *want.items[1:],
        ]
    )
    assert differences(want, got) == [
        "items[0].treatment",
        "items[0].partial_certification.remaining",
    ]
    assert differences(want, want.with_items(want.items[:2])) == ["item_count"]


def test_judge_tells_right_flagged_and_silent_apart(letter: Letter) -> None:
    result = determination_of(letter.text.encode())
    wrong = letter.expected.with_items(
        [letter.expected.items[0].with_changes(outcome="overturned"), *letter.expected.items[1:]]
    )
    assert judge_determination("c", "k", letter.expected, result).result == "right"
    assert judge_determination("c", "k", wrong, result).result == "silent"
    review = ValidationResult.from_reasons(
        [ValidationReason(code="x", message="m", severity="warning")]
    )
    flagged = result.model_copy(update={"validation": review})
    assert judge_determination("c", "k", wrong, flagged).result == "flagged"
    verdict = judge_determination("c", "k", letter.expected, flagged)
    assert (verdict.result, verdict.reasons) == ("right_flagged", ["x@None"])
    assert judge(letter.with_text("not a letter at all"), "k").result == "error"
