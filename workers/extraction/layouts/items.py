"""Items read by their field labels, as layouts A and B print them.

Each item is a heading ending in ``: Upheld`` or ``: Overturned`` followed by the fields
``Claims Administrator guideline:``, ``MAXIMUS guideline:`` and ``Decision rationale:``. The
labels are found first and grouped into items; the heading of an item is the text just before
its first label and may follow the previous item's rationale without a blank line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.letter import Citation, ExtractionWarning, Item
from workers.extraction.document import Document
from workers.extraction.fields import (
    Evidence,
    Span,
    conclusion,
    join_lines,
    outcome_word,
    sentence_outcome,
    sentence_spans,
    split_guidelines,
    trimmed,
)
from workers.extraction.heading import PARTIAL_LANGUAGE, opens_with_original_request, read_heading
from workers.extraction.heading_checks import add_heading_evidence
from workers.extraction.layouts.crosscheck import checked_outcome
from workers.extraction.layouts.sections import CLOSING_LINE

CA_FIELD = re.compile(r"Claims\s+Administrator\s+guidelines?(?:\(s\))?\s*:", re.IGNORECASE)
REVIEWER_FIELD = re.compile(r"MAXIMUS\s+guidelines?(?:\(s\))?\s*:", re.IGNORECASE)
RATIONALE_FIELD = re.compile(r"Decision\s+rationale\s*:", re.IGNORECASE)
_ISSUES_INTRO = re.compile(r"\s*[^:\n\f]{0,200}\b(?:below|following)\s*:")
_OUTCOME_AT_END = re.compile(r":\s*(Upheld|Overturned)\b[\s.]*\Z", re.IGNORECASE)
_BARE_OUTCOME_AT_END = re.compile(r"\s(Upheld|Overturned)\b[\s.]*\Z", re.IGNORECASE)
_ENDS_IN_VERDICT = re.compile(
    r"\b(?:necessary|appropriate|indicated|warranted|reasonable|necessity|supported|recommended|"
    r"certified|established)\W*\Z",
    re.IGNORECASE,
)
# A line shorter than this share of the longest line nearby ends its paragraph, when lines
# that long (in characters) show the text is wrapped at a fixed width.
_SHORT_LINE = 0.6
_MIN_FULL_LINE = 50
_SENTENCE_TERMINATED = re.compile(r"[.!?][\"')\]]*\s*\Z")
# An all-capitals heading line after the last rationale starts closing matter, not rationale.
_TRAILER_HEADING = re.compile(
    r"(?<=[\n\f])[ ]*[A-Z][A-Z,'()/&-]*(?:[ ]+[A-Z,'()/&-]+)+[ ]*:?(?=\n|\f|\Z)"
)
# A line that ends with one of these words (or marks) leaves its phrase open: the next line
# continues it, however short the line is.
_OPEN_ENDING = re.compile(
    r"(?:\b(?:of|the|a|an|and|or|for|to|with|in|on|at|by|per|from|into|x|times|including)"
    r"|[,:&/(+-])\Z",
    re.IGNORECASE,
)
# A line that starts with one of these marks continues a phrase: no heading opens with it.
_CANNOT_OPEN = re.compile(r"[#(),;:&/\]%]")
# How surely a heading's first line was found, by the evidence that ended the text before it.
_START_FOUND_BY_BREAK = 1.0
_START_FOUND_BY_SHAPE = 0.9
# How far back (characters) a partial certification's opening sentence is looked for.
_PARTIAL_REACH = 1500

_FIELD_KINDS = (
    ("claims_administrator_guidelines", CA_FIELD),
    ("reviewer_guidelines", REVIEWER_FIELD),
    ("rationale", RATIONALE_FIELD),
)


@dataclass(frozen=True, slots=True)
class _Fields:
    """The field labels of one item in letter order (any of the three may be missing)."""

    marks: tuple[tuple[str, re.Match[str]], ...]

    @property
    def start(self) -> int:
        return self.marks[0][1].start()

    @property
    def end(self) -> int:
        return self.marks[-1][1].end()

    def span(self, doc: Document, kind: str, item_end: int) -> Span | None:
        """The text of field ``kind``: from its label to the next label or ``item_end``."""
        for index, (name, mark) in enumerate(self.marks):
            if name == kind:
                stop = self.marks[index + 1][1].start() if index + 1 < len(self.marks) else item_end
                return trimmed(doc, mark.end(), stop)
        return None


def _field_positions(doc: Document, start: int) -> list[_Fields]:
    """Group field labels into items: a label that does not follow the previous one in the
    order CA guideline, MAXIMUS guideline, rationale starts a new item."""
    marks = sorted(
        (
            (order, name, mark)
            for order, (name, pattern) in enumerate(_FIELD_KINDS)
            for mark in pattern.finditer(doc.text, start)
        ),
        key=lambda found: found[2].start(),
    )
    groups: list[list[tuple[str, re.Match[str]]]] = []
    last_order = len(_FIELD_KINDS)
    for order, name, mark in marks:
        if order <= last_order:
            groups.append([])
        groups[-1].append((name, mark))
        last_order = order
    return [_Fields(tuple(group)) for group in groups]


def read_items(doc: Document, start: int, warnings: list[ExtractionWarning]) -> list[Item]:
    """Every item after ``start`` (the end of the issues heading), in letter order.

    Problems that do not stop parsing are appended to ``warnings``; an item with no outcome
    in its heading or rationale raises UnknownLayoutError.
    """
    text = doc.text
    intro = _ISSUES_INTRO.match(text, start)
    cursor = intro.end() if intro and intro.end() - start < 300 else start
    positions = _field_positions(doc, cursor)
    if not positions:
        return []
    headings: list[_Heading] = []
    for index, fields in enumerate(positions):
        region_start = positions[index - 1].end if index else cursor
        headings.append(_heading(doc, region_start, fields.start))
    item_ends = [heading.span.start for heading in headings[1:]]
    item_ends.append(_closing_matter_start(text, positions[-1].end))
    return [
        _item(doc, number, fields, heading, item_end, warnings)
        for number, (fields, heading, item_end) in enumerate(
            zip(positions, headings, item_ends, strict=True), start=1
        )
    ]


def _closing_matter_start(text: str, start: int) -> int:
    """Where closing matter after the last rationale begins: an all-capitals heading line or a
    closing line ("cc:", "Sincerely", ...) that follows a finished sentence. The end of the text
    when there is none."""
    marks = sorted(
        [match.start() for match in _TRAILER_HEADING.finditer(text, start)]
        + [match.start() for match in CLOSING_LINE.finditer(text, start)]
    )
    for mark in marks:
        if _SENTENCE_TERMINATED.search(text[start:mark].rstrip()):
            return mark
    return len(text)


def _lines_before(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``(line_start, line_end)`` of every line in ``text[start:end]``, last line first. A page
    break next to a line break is one break, not a blank line."""
    lines: list[tuple[int, int]] = []
    line_end = end
    while line_end > start:
        line_start = max(text.rfind("\n", start, line_end), text.rfind("\f", start, line_end))
        line_start = start if line_start < start else line_start + 1
        empty = line_start == line_end
        page_edge = "\f" in text[max(line_start - 1, 0) : line_end + 1]
        if not (empty and page_edge):
            lines.append((line_start, line_end))
        line_end = line_start - 1
    return lines


@dataclass(frozen=True, slots=True)
class _Heading:
    span: Span
    outcome: re.Match[str] | None
    start_confidence: float
    """How surely the heading's start was found (see ``_START_FOUND_BY_*``)."""


def _heading(doc: Document, region_start: int, region_end: int) -> _Heading:
    """Locate the item heading that ends just before ``region_end``.

    The heading's last line holds the outcome word (or is followed by it on its own line).
    Earlier lines belong to the heading until a line that ends a paragraph (the previous
    rationale; see :func:`_ends_paragraph`). A heading that speaks of a partial certification
    but does not open with its original request is followed back to that sentence, across
    sentence ends, line and page breaks.
    """
    text = doc.text
    outcome = _OUTCOME_AT_END.search(text, region_start, region_end)
    if outcome is None:
        outcome = _BARE_OUTCOME_AT_END.search(text, region_start, region_end)
    heading_end = outcome.start() if outcome else region_end
    while heading_end > region_start and text[heading_end - 1].isspace():
        heading_end -= 1
    heading_start, confidence = _paragraph_start(text, region_start, heading_end)
    opening = _partial_opening(text, region_start, heading_start, heading_end)
    if opening is not None:
        heading_start, confidence = opening, _START_FOUND_BY_BREAK
    while heading_start < heading_end and text[heading_start].isspace():
        heading_start += 1
    span = Span(text[heading_start:heading_end], heading_start, heading_end)
    return _Heading(span, outcome, confidence)


def _paragraph_start(text: str, region_start: int, heading_end: int) -> tuple[int, float]:
    """Where the paragraph that ends at ``heading_end`` starts, and how surely."""
    lines = _lines_before(text, region_start, heading_end)
    width = max((end - start for start, end in lines), default=0)
    for index, line in enumerate(lines[:-1]):
        ends = _ends_paragraph(text, line, lines[index + 1 : index + 3], width)
        if ends is not None:
            return line[0], ends
    return (lines[-1][0] if lines else heading_end), _START_FOUND_BY_BREAK


def _partial_opening(text: str, region_start: int, start: int, end: int) -> int | None:
    """The start of the original-request sentence of a partial-certification heading that
    ``text[start:end]`` continues, or ``None`` when it is not such a continuation."""
    heading = text[start:end]
    if not PARTIAL_LANGUAGE.search(heading) or opens_with_original_request(heading):
        return None
    window = max(region_start, start - _PARTIAL_REACH)
    for sentence in reversed(sentence_spans(text[window:start], window)):
        if opens_with_original_request(text[sentence.start : end]):
            return sentence.start
    return None


def _continues(text: str, before: list[tuple[int, int]]) -> bool:
    """Whether the nearest line ``before`` a candidate continues a paragraph begun earlier
    (rather than opening one: a short first line of the heading itself)."""
    if len(before) < 2:
        return False
    start, end = before[1]
    earlier = text[start:end].strip()
    return bool(earlier) and not _SENTENCE_TERMINATED.search(earlier)


def _ends_paragraph(
    text: str, line: tuple[int, int], before: list[tuple[int, int]], width: int
) -> float | None:
    """Whether the lines ``before`` a candidate heading ``line`` (nearest first) end a
    paragraph, and how surely: the nearest is blank or ends a sentence (sure); it is much
    shorter than the full lines around it (``width`` characters) and continues an unfinished
    line, or the two together end in a verdict (a rationale whose full stop is missing). A
    line that leaves its phrase open, or a candidate that starts in lower case or with a mark
    no heading opens with ("#27", "(4)"), continues the paragraph instead. ``None`` when the
    paragraph goes on."""
    start, end = before[0]
    nearest = text[start:end].strip()
    if not nearest or _SENTENCE_TERMINATED.search(nearest):
        return _START_FOUND_BY_BREAK
    candidate = text[line[0] : line[1]].strip()
    if _OPEN_ENDING.search(nearest) or candidate[:1].islower() or _CANNOT_OPEN.match(candidate):
        return None
    if width >= _MIN_FULL_LINE and end - start < width * _SHORT_LINE and _continues(text, before):
        return _START_FOUND_BY_SHAPE
    tail = text[before[-1][0] : end]
    sentences = sentence_spans(tail)
    verdict = (
        bool(sentences)
        and _ENDS_IN_VERDICT.search(tail) is not None
        and sentence_outcome(sentences[-1].text) is not None
    )
    return _START_FOUND_BY_SHAPE if verdict else None


def _item(
    doc: Document,
    number: int,
    fields: _Fields,
    heading: _Heading,
    item_end: int,
    warnings: list[ExtractionWarning],
) -> Item:
    evidence = Evidence(doc)
    outcome_match = heading.outcome
    ca_span = fields.span(doc, "claims_administrator_guidelines", item_end)
    reviewer_span = fields.span(doc, "reviewer_guidelines", item_end)
    rationale_span = fields.span(doc, "rationale", item_end)
    rationale = join_lines(rationale_span.text) if rationale_span else ""
    read = read_heading(heading.span.text)
    add_heading_evidence(evidence, heading.span, read, rationale, located=heading.start_confidence)
    said = conclusion(rationale)
    stated = outcome_word(outcome_match.group(1)) if outcome_match else None
    outcome, agrees = checked_outcome(
        number, stated, said, warnings, source="heading", missing_code="outcome_not_in_heading"
    )
    if outcome_match is not None:
        span = Span(outcome_match.group(1), outcome_match.start(1), outcome_match.end(1))
        evidence.add("outcome", span, 1.0 if agrees else 0.5)
    elif rationale_span is not None:
        evidence.add("outcome", rationale_span, 0.6)
    evidence.add("claims_administrator_guidelines", ca_span)
    evidence.add("reviewer_guidelines", reviewer_span)
    evidence.add("rationale", rationale_span)
    return Item(
        treatment=read.treatment,
        outcome=outcome,
        partial_certification=read.partial,
        claims_administrator_guidelines=_citations(ca_span),
        reviewer_guidelines=_citations(reviewer_span),
        rationale=rationale,
        provenance=evidence.provenance,
        confidence=evidence.confidence,
    )


def _citations(span: Span | None) -> list[Citation]:
    return [Citation(raw=raw) for raw in split_guidelines(span.text)] if span else []
