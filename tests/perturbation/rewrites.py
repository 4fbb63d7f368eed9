"""Meaning-preserving rewrites of a gold letter, each with the expectation it implies.

Every rewrite takes a :class:`Letter` and returns the rewritten letter (text and expected
values), or ``None`` when the letter has nothing the rewrite applies to. Rewrites are pure and
deterministic; they model what other printings, exports and reviewers do to the same letter:
other partial-certification phrasings, line wraps and page breaks inside headings, citations
and header lines, other spellings of the outcome, blank lines, item order, reworded prose,
split or URL citations and extra sections.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise

from tests.perturbation.letters import ExpectedItem, Letter, Partial, heading_spans

Rewrite = Callable[[Letter], Letter | None]

_FIELD_LABEL = re.compile(
    r"(?:Claims\s+Administrator\s+guideline|MAXIMUS\s+guideline|Decision\s+rationale)\s*:"
)
_CITATION_FIELD = re.compile(
    r"(?:Claims\s+Administrator|MAXIMUS)\s+guideline\s*:(?P<body>.*?)(?=\s*(?:MAXIMUS\s+"
    r"guideline|Decision\s+rationale)\s*:)",
    re.DOTALL,
)
_ISSUES = re.compile(r"IMR\s+ISSUES,\s+DECISIONS\s+AND\s+RATIONALES")
_HEADER_PAIR = re.compile(r"(?m)^(Date Assigned: \S+) (Date of Injury:)|^(Decision Date: \S+) (UR)")
_CLOSING = re.compile(r"(?m)^[ \t\f]*(?:Sincerely|cc:|Enclosures?\b)|\f[ \t]*(?:Sincerely|cc:)")
_SPECIALTY = re.compile(
    r"(Certification\(s\)/Specialty:\s*)([^\n]+(?:\n(?![A-Z ]+\n)[^\n:]{1,60})?)"
)
_QUANTITY = re.compile(r"#\s?(\d+)\b")


def _headings(letter: Letter) -> list[re.Match[str]]:
    spans = heading_spans(letter)
    if spans is None:
        raise ValueError(f"{letter.name}: a gold heading is not in the text")
    return spans


def _replace_headings(
    letter: Letter,
    new: Callable[[int, re.Match[str], ExpectedItem], tuple[str, ExpectedItem] | None],
) -> Letter | None:
    """Replace each heading (text and outcome word) for which ``new`` gives one."""
    text, items, changed = letter.text, list(letter.items), False
    for index, match in reversed(list(enumerate(_headings(letter)))):
        found = new(index, match, items[index])
        if found is None:
            continue
        heading, items[index] = found
        text = text[: match.start()] + heading + text[match.end() :]
        changed = True
    return letter.with_text(text, tuple(items)) if changed else None


def _wrapped(words: list[str], cut: int, joint: str, outcome: str) -> str:
    return " ".join(words[:cut]) + joint + " ".join(words[cut:]) + ": " + outcome


def _heading_words(match: re.Match[str]) -> list[str]:
    return match.group(0)[: match.start(1) - match.start()].rstrip().rstrip(":").split()


# -- partial certifications ------------------------------------------------------------------


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


Phrasing = Callable[[Partial], tuple[str, Partial]]
"""A partial certification's heading in other words, and the parts that heading states."""


def _rephrase_partials(letter: Letter, phrasing: Phrasing) -> Letter | None:
    """Every partial-certification heading of ``letter`` written as ``phrasing`` says."""

    def new(_: int, match: re.Match[str], item: ExpectedItem) -> tuple[str, ExpectedItem] | None:
        if item.partial is None:
            return None
        treatment, parts = phrasing(item.partial)
        expected = replace(item, treatment=treatment, partial=parts)
        return _wrap_long(treatment) + " is: " + match.group(1), expected

    return _replace_headings(letter, new)


def partial_leaving_original(letter: Letter) -> Letter | None:
    """The second MAXIMUS phrasing: UR's authorized part, "leaving the original request IMR
    eligible", then "The original request, X is": IMR reviewed the whole original request."""

    def phrasing(part: Partial) -> tuple[str, Partial]:
        authorized, restated = _lower_first(part.authorized), _lower_first(part.original)
        treatment = (
            f"{part.original} was the original request. The Claims Administrator authorized "
            f"{authorized}, leaving the original request IMR eligible. The original request, "
            f"{restated}"
        )
        return treatment, Partial(part.original, authorized, restated)

    return _rephrase_partials(letter, phrasing)


def partial_modified_to(letter: Letter) -> Letter | None:
    """ "X was modified to Y by the Claims Administrator. The remaining portion is for Z"."""
    return _rephrase_partials(
        letter,
        lambda part: (
            f"{part.original} was the original request. {part.original} was modified to "
            f"{part.authorized} by the Claims Administrator. The remaining portion is for "
            f"{part.remaining}",
            part,
        ),
    )


def partial_certified_by_utilization_review(letter: Letter) -> Letter | None:
    """ "Y was certified by utilization review" and "Z remains IMR eligible"."""
    return _rephrase_partials(
        letter,
        lambda part: (
            f"{part.original} was the original request. {part.authorized} was certified by "
            f"utilization review. {part.remaining} remains IMR eligible",
            part,
        ),
    )


def partial_with_modification(letter: Letter) -> Letter | None:
    """ "Y was certified with modification by the Claims Administrator"."""
    return _rephrase_partials(
        letter,
        lambda part: (
            f"{part.original} was the original request. {part.authorized} was certified with "
            f"modification by the Claims Administrator. The remaining IMR eligible portion of "
            f"the original request, {part.remaining}",
            part,
        ),
    )


def partial_active_modification(letter: Letter) -> Letter | None:
    """ "The Claims Administrator certified the request with modification to y"."""
    return _rephrase_partials(
        letter,
        lambda part: (
            f"{part.original} was the original request. The Claims Administrator certified the "
            f"request with modification to {_lower_first(part.authorized)}. The remaining IMR "
            f"eligible portion of the original request, {part.remaining}",
            Partial(part.original, _lower_first(part.authorized), part.remaining),
        ),
    )


def partial_modified_without_original(letter: Letter) -> Letter | None:
    """ "X was modified to Y by the Claims Administrator" as the only word of the request."""
    return _rephrase_partials(
        letter,
        lambda part: (
            f"{part.original} was modified to {part.authorized} by the Claims Administrator. "
            f"The remaining IMR eligible portion of the original request, {part.remaining}",
            part,
        ),
    )


def partial_from_ordinary(letter: Letter) -> Letter | None:
    """An ordinary item with a "#N" quantity becomes a partial certification of half of it."""

    def new(_: int, match: re.Match[str], item: ExpectedItem) -> tuple[str, ExpectedItem] | None:
        quantity = _QUANTITY.search(item.treatment)
        if item.partial is not None or quantity is None or int(quantity.group(1)) < 2:
            return None
        total = int(quantity.group(1))
        authorized = _with_quantity(item.treatment, quantity, total // 2)
        remaining = _with_quantity(item.treatment, quantity, total - total // 2)
        treatment = (
            f"{item.treatment} was the original request. {authorized} was authorized by the "
            f"Claims Administrator. The remaining IMR eligible portion of the original request, "
            f"{remaining}"
        )
        expected = replace(
            item, treatment=treatment, partial=Partial(item.treatment, authorized, remaining)
        )
        return _wrap_long(treatment) + " is: " + match.group(1), expected

    return _replace_headings(letter, new)


def _with_quantity(text: str, quantity: re.Match[str], value: int) -> str:
    return text[: quantity.start(1)] + str(value) + text[quantity.end(1) :]


def _wrap_long(text: str, width: int = 90, most: int | None = None) -> str:
    """Break ``text`` into lines of at most ``width`` characters, as a printed letter does;
    with ``most``, the last of that many lines takes the rest."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        full = most is not None and len(lines) == most - 1
        if line and len(line) + 1 + len(word) > width and not full:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])


# -- line and page breaks --------------------------------------------------------------------


def heading_last_word_wrapped(letter: Letter) -> Letter | None:
    """Every heading wrapped so that its last line holds one word."""
    return _rewrap_headings(letter, lambda words: len(words) - 1, "\n")


def heading_first_word_alone(letter: Letter) -> Letter | None:
    """Every heading's first word alone on its line."""
    return _rewrap_headings(letter, lambda _: 1, "\n")


def heading_wrapped_narrow(letter: Letter) -> Letter | None:
    """Every heading wrapped at 30 characters, over several lines."""

    def new(_: int, match: re.Match[str], item: ExpectedItem) -> tuple[str, ExpectedItem]:
        heading = " ".join(_heading_words(match))
        return _wrap_long(heading, 30) + ": " + match.group(1), item

    return _replace_headings(letter, new)


def heading_page_break(letter: Letter) -> Letter | None:
    """A page break in the middle of every heading, with a page number line on the new page."""
    return _rewrap_headings(letter, lambda words: len(words) // 2, "\n\fPage 2 of 4\n")


def _rewrap_headings(letter: Letter, cut: Callable[[list[str]], int], joint: str) -> Letter | None:
    def new(_: int, match: re.Match[str], item: ExpectedItem) -> tuple[str, ExpectedItem] | None:
        words = _heading_words(match)
        where = cut(words)
        if not 0 < where < len(words):
            return None
        return _wrapped(words, where, joint, match.group(1)), item

    return _replace_headings(letter, new)


def citations_rewrapped(letter: Letter) -> Letter | None:
    """Every guideline field re-wrapped at 60 characters."""
    text = _CITATION_FIELD.sub(
        lambda m: m.group(0)[: m.start("body") - m.start()] + _wrap_long(m.group("body"), 60),
        letter.text,
    )
    return letter.with_text(text) if text != letter.text else None


def header_lines_split(letter: Letter) -> Letter | None:
    """The two-column header printed one label per line, and the reviewer's specialty wrapped
    over as many lines as it has words of three or more (at most four lines)."""
    text = _HEADER_PAIR.sub(
        lambda m: f"{m.group(1)}\n{m.group(2)}" if m.group(1) else f"{m.group(3)}\n{m.group(4)}",
        letter.text,
    )
    text = _SPECIALTY.sub(lambda m: m.group(1) + _wrap_long(m.group(2), 20, 4), text, count=1)
    return letter.with_text(text) if text != letter.text else None


# -- outcome, blank lines, order ---------------------------------------------------------------

_OUTCOME_SPELLINGS: tuple[Callable[[str], str], ...] = (
    lambda word: ": " + word.upper(),
    lambda word: " : " + word,
    lambda word: ": " + word + ".",
    lambda word: ":\n" + word,
)


def outcome_spelled_otherwise(letter: Letter) -> Letter | None:
    """The outcome in capitals, after a spaced colon, with a full stop or on its own line."""

    def new(index: int, match: re.Match[str], item: ExpectedItem) -> tuple[str, ExpectedItem]:
        heading = match.group(0)[: match.start(1) - match.start()].rstrip().rstrip(":").rstrip()
        spelling = _OUTCOME_SPELLINGS[index % len(_OUTCOME_SPELLINGS)]
        return heading + spelling(match.group(1)), item

    return _replace_headings(letter, new)


def blank_lines_added(letter: Letter) -> Letter | None:
    """A blank line before every heading and every field label."""
    text = letter.text
    for match in reversed([*_headings(letter), *_FIELD_LABEL.finditer(letter.text)]):
        text = text[: match.start()] + "\n" + text[match.start() :]
    return letter.with_text(text)


def double_spaced(letter: Letter) -> Letter | None:
    """A blank line after every line, as some text exports print letters."""
    return letter.with_text(letter.text.replace("\n", "\n\n"))


def blank_lines_removed(letter: Letter) -> Letter | None:
    """The blank lines of :func:`blank_lines_added` taken out again, and every line break
    before a field label too: labels run on after the text before them."""
    added = blank_lines_added(letter)
    assert added is not None
    text = re.sub(r"\n[ \t]*\n+", "\n", added.text)
    text = re.sub(r"\n(?=(?:Claims\s+Administrator|MAXIMUS)\s+guideline\s*:)", " ", text)
    return letter.with_text(text)


def items_reversed(letter: Letter) -> Letter | None:
    """The items printed in reverse order (the last one keeps the closing matter after it)."""
    headings = _headings(letter)
    if len(headings) < 2:
        return None
    starts = [match.start() for match in headings]
    closing = _CLOSING.search(letter.text, starts[-1])
    end = closing.start() if closing else len(letter.text)
    blocks = [letter.text[a:b] for a, b in pairwise([*starts, end])]
    blocks[-1] = blocks[-1] if blocks[-1].endswith("\n") else blocks[-1] + "\n"
    text = letter.text[: starts[0]] + "".join(reversed(blocks)) + letter.text[end:]
    return letter.with_text(text, tuple(reversed(letter.items)))


# -- prose -------------------------------------------------------------------------------------

_VERDICTS = (
    (r"(?:this|the) request is not medically necessary", "medical necessity for this request has "
     "not been established"),
    (r"(?:this|the) request is medically necessary", "this request is medically necessary and "
     "appropriate"),
)  # fmt: skip


def verdict_rephrased(letter: Letter) -> Letter | None:
    """Generic closing verdicts in other words ("medical necessity ... has not been
    established")."""
    text = letter.text
    for pattern, wording in _VERDICTS:
        text = _in_rationales(text, pattern, wording)
    return letter.with_text(text) if text != letter.text else None


def running_headers_added(letter: Letter) -> Letter | None:
    """Every page after the first opens with the case number and a page count."""
    if "\f" not in letter.text:
        return None
    pages = letter.text.split("\f")
    count = len(pages)
    case = dict(letter.header)["case_number"]
    text = pages[0] + "".join(
        f"\fCase Number: {case}\nPage {number} of {count}\n{page}"
        for number, page in enumerate(pages[1:], start=2)
    )
    return letter.with_text(text)


_SYNONYMS = (
    (r"\bThe patient\b", "The injured worker"),
    (r"\bthe patient\b", "the injured worker"),
    (r"\bdocumentation\b", "records"),
    (r"\bGiven the above\b", "In view of the above"),
    (r"\bTherefore\b", "Accordingly"),
    (r"\bnot medically necessary\b", "not medically necessary or appropriate"),
)


def rationale_reworded(letter: Letter) -> Letter | None:
    """Rationales reworded: other words for the patient, the records and the connectives, and a
    longer verdict ("not medically necessary or appropriate")."""
    text = letter.text
    for pattern, wording in _SYNONYMS:
        text = _in_rationales(text, pattern, wording)
    return letter.with_text(text) if text != letter.text else None


def _in_rationales(text: str, pattern: str, wording: str) -> str:
    issues = _ISSUES.search(text)
    start = issues.end() if issues else 0
    return text[:start] + re.sub(pattern, wording, text[start:])


def summary_paragraph_added(letter: Letter) -> Letter | None:
    """An extra paragraph at the end of the case summary."""
    issues = _ISSUES.search(letter.text)
    if issues is None:
        return None
    extra = (
        "The file also holds progress notes from several follow-up visits. They describe no new\n"
        "injury and no change in the work restrictions.\n"
    )
    at = issues.start()
    return letter.with_text(letter.text[:at] + extra + letter.text[at:])


def closing_section_added(letter: Letter) -> Letter | None:
    """An all-capitals section with prose after the last item."""
    extra = (
        "\nEFFECT OF THE DECISION\nThis determination is final and binding on the parties unless "
        "an appeal is filed with\nthe Workers' Compensation Appeals Board within 30 days.\n"
    )
    return letter.with_text(letter.text.rstrip("\n") + "\n" + extra)


# -- citations ---------------------------------------------------------------------------------

_URLS = (
    "https://www.ncbi.nlm.nih.gov/pubmed/25438745",
    "https://www.ncbi.nlm.nih.gov/pubmed/26225847",
)


def citation_urls_added(letter: Letter) -> Letter | None:
    """Every reviewer field gains a Non-MTUS citation of two URLs in one clause."""
    marks = list(re.finditer(r"\s*Decision\s+rationale\s*:", letter.text))
    if len(marks) != len(letter.items):
        return None
    sentence = f" Decision based on Non-MTUS Citation {_URLS[0]} and {_URLS[1]}.\n"
    text = letter.text
    for mark in reversed(marks):
        text = text[: mark.start()] + sentence + text[mark.start() :]
    items = tuple(replace(item, reviewer=(*item.reviewer, *_URLS)) for item in letter.items)
    return letter.with_text(text, items)


def mtus_sources_split(letter: Letter) -> Letter | None:
    """MTUS sentences joining sources with ", and <Source> <year>" split into one sentence each."""
    text = re.sub(
        r"(Section\(s\):[^.]*?),\s+and\s+(?=[A-Z][\w ,]*?\s(?:19|20)\d{2},)",
        r"\1. Decision based on MTUS ",
        letter.text,
    )
    return letter.with_text(text) if text != letter.text else None


def citations_run_together(letter: Letter) -> Letter | None:
    """Not meaning-preserving: the second "Decision based on" of a reviewer field dropped, so
    two sources run together in one citation. The expectation stays as the letter meant it:
    the result must differ from it and be flagged."""
    fields = [
        field for field in _CITATION_FIELD.finditer(letter.text)
        if field.group(0).startswith("MAXIMUS")
        and len(re.findall(r"Decision\s+based\s+on", field.group("body"))) > 1
    ]  # fmt: skip
    if not fields:
        return None
    text = letter.text
    for field in reversed(fields):
        body = field.group("body")
        joined = re.sub(r"\.\s+Decision\s+based\s+on\s+", "; ", body, count=1)
        text = text[: field.start("body")] + joined + text[field.end("body") :]
    return letter.with_text(text)


REWRITES: dict[str, Rewrite] = {
    rewrite.__name__: rewrite
    for rewrite in (
        partial_leaving_original,
        partial_modified_to,
        partial_certified_by_utilization_review,
        partial_with_modification,
        partial_active_modification,
        partial_modified_without_original,
        partial_from_ordinary,
        heading_last_word_wrapped,
        heading_wrapped_narrow,
        heading_first_word_alone,
        heading_page_break,
        citations_rewrapped,
        header_lines_split,
        outcome_spelled_otherwise,
        blank_lines_added,
        blank_lines_removed,
        double_spaced,
        items_reversed,
        rationale_reworded,
        verdict_rephrased,
        running_headers_added,
        summary_paragraph_added,
        closing_section_added,
        citation_urls_added,
        mtus_sources_split,
        citations_run_together,
    )
}
"""Every rewrite by name, the order the reports list them in."""
