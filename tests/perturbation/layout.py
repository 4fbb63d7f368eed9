"""Rewrites of a letter's layout: blank lines, item order, header line wraps, extra sections."""

from __future__ import annotations

import random
import re

from tests.perturbation.anatomy import Span, fill, items, replace_spans, words_pattern
from tests.perturbation.letter import Letter, NotApplicable

# Where one block of a letter starts: a field label or an all-capitals section title.
_BLOCK_START = re.compile(
    r"^(?:Claims Administrator guideline:|MAXIMUS guideline:|Decision rationale:"
    r"|The Expert Reviewer has|State\(s\) of Licensure:|[A-Z][A-Z ,]{8,}$)",
    re.MULTILINE,
)


def blank_lines_added(letter: Letter, rng: random.Random) -> Letter:
    """One or two blank lines before every section title, field label and item heading (the
    text layer of the corpus letters has none)."""
    starts = {found.start() for found in _BLOCK_START.finditer(letter.text)}
    starts |= {part.heading.start for part in items(letter)}
    edits = [(Span(at, at), "\n" * rng.randint(2, 3)) for at in starts if at > 0]
    text = replace_spans(letter.text, edits)
    return letter.with_text(re.sub(r"\n+(?=\n\n\n)", "", text))


def blank_lines_doubled(letter: Letter, rng: random.Random) -> Letter:
    """A blank line after every line, as some text exports write them."""
    return letter.with_text(letter.text.replace("\n", "\n\n"))


def items_reversed(letter: Letter, rng: random.Random) -> Letter:
    """The item blocks (heading to rationale) in reverse order."""
    parts = items(letter)
    if len(parts) < 2:
        raise NotApplicable("a single item")
    blocks = [letter.text[part.block.start : part.block.end].rstrip() + "\n" for part in parts]
    whole = Span(parts[0].block.start, parts[-1].block.end)
    text = replace_spans(letter.text, [(whole, "".join(reversed(blocks)))])
    return letter.with_text(text, letter.expected.with_items(letter.expected.items[::-1]))


_HEADER_PAIR = re.compile(r"^((?:Date Assigned|Decision Date):\s+\S+)[ \t]+(?=\S)", re.MULTILINE)
_SPECIALTY_LABEL = r"Certification\(s\)/Specialty:"
_LICENSURE = re.compile(r"^(State\(s\) of Licensure:[^\n]*?,) ?(?=\S)", re.MULTILINE)


def header_wrapped(letter: Letter, rng: random.Random) -> Letter:
    """The two-column header lines printed one label per line, the reviewer's specialty
    re-wrapped at a random width (over two to about four lines), and the licence states
    wrapped after the first comma."""
    text = _HEADER_PAIR.sub(lambda found: found.group(1) + "\n", letter.text)
    specialty = str(letter.expected.header.get("reviewer_specialty") or "")
    words = specialty.split()
    found = re.search(rf"{_SPECIALTY_LABEL}\s*{words_pattern(specialty)}", text)
    if len(words) >= 2 and found is not None:
        # Two to about four lines, as a long specialty list wraps in a printed letter.
        wrapped = fill(specialty, rng.randint(max(12, len(specialty) // 3), len(specialty) - 1))
        label = "Certification(s)/Specialty:"
        text = replace_spans(text, [(Span(found.start(), found.end()), f"{label} {wrapped}")])
    text = _LICENSURE.sub(lambda found: found.group(1) + "\n", text, count=1)
    if text == letter.text:
        raise NotApplicable("no header line to wrap")
    return letter.with_text(text)


def running_headers(letter: Letter, rng: random.Random) -> Letter:
    """Every page after the first opens with the case number and "Page k of n", as printed
    letters repeat them."""
    pages = letter.text.split("\f")
    if len(pages) < 2:
        raise NotApplicable("a single page")
    header = f"Case Number: {letter.expected.header['case_number']}"
    text = pages[0] + "".join(
        f"\f{header}\nPage {number} of {len(pages)}\n{page}"
        for number, page in enumerate(pages[1:], start=2)
    )
    return letter.with_text(text)


_GUIDELINE_LABEL = re.compile(r"\n(?=(?:Claims Administrator|MAXIMUS) guideline:)")


def labels_run_on(letter: Letter, rng: random.Random) -> Letter:
    """The line break before every guideline label taken out, so each label runs on after the
    text before it (the heading's outcome, the previous field's last citation)."""
    return letter.with_text(_GUIDELINE_LABEL.sub(" ", letter.text))


_EXTRA_SECTIONS = (
    "APPEAL RIGHTS\nThis determination is final and binding on the parties. A party may appeal "
    "it to the\nWorkers' Compensation Appeals Board on the limited grounds the Labor Code "
    "allows.\n",
    "ADDITIONAL INFORMATION\nQuestions about this letter may be sent to the address shown on "
    "its first page. Please\ninclude the case number with any correspondence.\n",
)


def extra_section(letter: Letter, rng: random.Random) -> Letter:
    """An all-capitals section with two sentences of prose after the last item."""
    return letter.with_text(letter.text.rstrip() + "\n" + rng.choice(_EXTRA_SECTIONS))


_EXTRA_PARAGRAPH = (
    "The file also holds correspondence between the claims administrator and the treating\n"
    "provider about scheduling. It adds no clinical findings.\n"
)
_ISSUES_TITLE = re.compile(r"(?:^|(?<=\f))IMR ISSUES, DECISIONS AND RATIONALES$", re.MULTILINE)


def extra_summary_paragraph(letter: Letter, rng: random.Random) -> Letter:
    """A paragraph of prose at the end of the clinical case summary."""
    found = _ISSUES_TITLE.search(letter.text)
    if found is None:
        raise NotApplicable("no issues section title")
    return letter.with_text(
        replace_spans(letter.text, [(Span(found.start(), found.start()), _EXTRA_PARAGRAPH)])
    )
