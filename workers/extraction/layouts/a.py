"""Layout A: the 2014-2017 "HOW THE IMR FINAL DETERMINATION WAS MADE" letters.

Two variants share the body: "A-2016" has a two-column header with ``Decision Date``,
``Priority`` and ``Application Received`` and a labelled reviewer block; "A-2014" has an older
header (or none) and states the reviewer's certification and licence in prose.

Items are found by their field labels (``Claims Administrator guideline:``, ``MAXIMUS
guideline:``, ``Decision rationale:``); the heading of an item is the text just before its
first label, ending in ``: Upheld`` or ``: Overturned``, and may follow the previous item's
rationale without a blank line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from schemas.letter import (
    Citation,
    ExtractionWarning,
    Item,
    Layout,
    LetterRecord,
    Outcome,
    Patient,
    Priority,
    Reviewer,
)
from workers.extraction.document import Document
from workers.extraction.errors import UnknownLayoutError
from workers.extraction.fields import (
    Evidence,
    Span,
    age_and_sex,
    collapse_ws,
    conclusion,
    find_dates,
    header_dates,
    injury_date_in,
    join_lines,
    labelled_line,
    labelled_value,
    outcome_word,
    partial_certification,
    sentence_outcome,
    sentence_spans,
    split_guidelines,
    split_states,
    trimmed,
)

_HOW_MADE = re.compile(r"HOW\s+THE\s+IMR\s+FINAL\s+DETERMINATION\s+WAS\s+MADE")
_SUMMARY = re.compile(r"CLINICAL\s+CASE\s+SUMMARY")
_ISSUES = re.compile(r"IMR\s+ISSUES?,?\s+DECISIONS?,?\s+AND\s+RATIONALES?")
_SUMMARY_INTRO = re.compile(r"\s*[^:]{0,250}\bsummary\b[^:]{0,200}:", re.IGNORECASE)
_CA_FIELD = re.compile(r"Claims\s+Administrator\s+guidelines?\s*:", re.IGNORECASE)
_REVIEWER_FIELD = re.compile(r"MAXIMUS\s+guidelines?\s*:", re.IGNORECASE)
_RATIONALE_FIELD = re.compile(r"Decision\s+rationale\s*:", re.IGNORECASE)
_ISSUES_INTRO = re.compile(r"\s*[^:\n\f]{0,200}\b(?:below|following)\s*:")
_OUTCOME_AT_END = re.compile(r":\s*(Upheld|Overturned)\b[\s.]*\Z", re.IGNORECASE)
_BARE_OUTCOME_AT_END = re.compile(r"\s(Upheld|Overturned)\b[\s.]*\Z", re.IGNORECASE)
_ORIGINAL_REQUEST = re.compile(r"\b(?:was|were)\s+the\s+original\s+request\b", re.IGNORECASE)
_REMAINING = re.compile(r"remaining\s+IMR\s+eligible\s+portion", re.IGNORECASE)
_ENDS_IN_NECESSITY = re.compile(
    r"\b(?:necessary|appropriate|indicated|warranted|reasonable|necessity)\W*\Z", re.IGNORECASE
)
_SENTENCE_TERMINATED = re.compile(r"[.!?][\"')\]]*\s*\Z")
# An all-capitals heading line after the last rationale starts closing matter, not rationale.
_TRAILER_HEADING = re.compile(
    r"(?<=[\n\f])[ ]*[A-Z][A-Z,'()/&-]*(?:[ ]+[A-Z,'()/&-]+)+[ ]*:?(?=\n|\f|\Z)"
)
_NEXT_LINE = re.compile(r"[ ]*[\n\f][ ]*([^\n\f]*[^\s])")
_TRAILING_IS = re.compile(r"\s+(?:is|are)\Z")
_CASE_NUMBER = r"[A-Z]{2}\d{2}-\d{5,8}"
_PRIORITY = r"Standard|Expedited"
_PROSE_CREDENTIALS = re.compile(
    r"\bexpert\s+reviewer\s+is\s+(?P<specialty>[^.]+?),?\s+and\s+(?:is\s+)?licensed\s+to\s+"
    r"practice\s+in\s+(?P<states>[^.]+?)\s*\.",
    re.IGNORECASE,
)
_CERTIFIED_IN = re.compile(
    r"^(?:an?\s+)?(?:(?:Board[\s-]+)?Certified|Licensed)\s+(?:in|as)\s+(?:an?\s+)?", re.IGNORECASE
)
_SUBSPECIALTY = re.compile(
    r",?\s+(?:and\s+)?has\s+(?:a\s+)?sub-?specialt(?:y|ies)\s+in\s+", re.IGNORECASE
)
_UR_CONTEXT = re.compile(
    r"utilization\s+review|\bUR\b|prior\s+(?:review|determination|denial)|non-?certif|denied",
    re.IGNORECASE,
)
_REVIEWER_LABELS = re.compile(
    r"Certification\(s\)/Specialty\s*:|State\(s\)\s+of\s+Licensure\s*:", re.IGNORECASE
)
_2016_HEADER_LABELS = re.compile(r"Decision\s+Date\s*:|Application\s+Received\s*:", re.IGNORECASE)
_HEADER_DATES = (
    ("date_assigned", "Date Assigned"),
    ("date_of_injury", "Date of Injury"),
    ("decision_date", "Decision Date"),
    ("decision_date", "Date of Decision"),
    ("ur_denial_date", "UR Denial Date"),
    ("ur_denial_date", "Date of UR Decision"),
    ("ur_denial_date", "UR Decision Date"),
    ("application_received", "Application Received"),
)


@dataclass(frozen=True, slots=True)
class _Sections:
    header_end: int
    how_made: re.Match[str] | None
    summary: re.Match[str] | None
    issues: re.Match[str]


class LayoutAParser:
    """Parser for one variant of layout A; both variants share all parsing code."""

    def __init__(self, layout: Layout) -> None:
        self._layout: Layout = layout

    @property
    def layout(self) -> Layout:
        return self._layout

    def score(self, doc: Document) -> float:
        """1.0 for a letter of this variant with all A markers; lower for the other variant."""
        text = doc.text
        if not _ISSUES.search(text):
            return 0.0
        score = 0.5
        score += 0.2 if _RATIONALE_FIELD.search(text) else 0.0
        score += 0.15 if _CA_FIELD.search(text) else 0.0
        score += 0.15 if _REVIEWER_FIELD.search(text) else 0.0
        return score if _variant(doc) == self._layout else score * 0.8

    def parse(self, doc: Document) -> LetterRecord:
        sections = _sections(doc)
        if sections is None:
            raise UnknownLayoutError("no 'IMR ISSUES, DECISIONS AND RATIONALES' section")
        evidence = Evidence(doc)
        warnings: list[ExtractionWarning] = []
        header = _read_header(doc, sections.header_end, evidence)
        patient, opening = _read_summary(doc, sections, evidence)
        injury = injury_date_in(opening) if opening else None
        if header.get("date_of_injury") is None and injury is not None:
            header["date_of_injury"] = injury[0]
            evidence.add("date_of_injury", injury[1], 0.8)
        elif injury is not None and opening is not None:
            # A cumulative-trauma period gives several dates; any of them may be the header's.
            stated = {value for value, _ in find_dates(opening.text)}
            if header.get("date_of_injury") not in stated:
                warnings.append(_disagreement("date_of_injury", "Date of Injury", injury[0]))
        ur_dates = _narrative_ur_dates(doc, sections)
        header_ur = header.get("ur_denial_date")
        if header_ur is not None and ur_dates and header_ur not in ur_dates:
            warnings.append(_disagreement("ur_denial_date", "UR Denial Date", ur_dates[0]))
        items = _read_items(doc, sections.issues.end(), warnings)
        if not items:
            raise UnknownLayoutError("no decision items found")
        case_number = _header_value(doc, "Case Number", _CASE_NUMBER, sections, evidence)
        priority = _header_value(doc, "Priority", _PRIORITY, sections, evidence)
        return LetterRecord(
            layout=self._layout,
            pages=doc.pages,
            case_number=case_number.text if case_number else None,
            priority=_priority(priority),
            patient=patient,
            reviewer=_read_reviewer(doc, sections, evidence),
            items=items,
            provenance=evidence.provenance,
            confidence=evidence.confidence,
            warnings=warnings,
            **header,
        )


def _variant(doc: Document) -> Layout:
    """A-2016 when the reviewer block is labelled; A-2014 when the reviewer is described in
    prose; without either, by the header labels."""
    issues = _ISSUES.search(doc.text)
    end = issues.start() if issues else len(doc.text)
    if _REVIEWER_LABELS.search(doc.text, 0, end):
        return "A-2016"
    if _PROSE_CREDENTIALS.search(doc.text, 0, end):
        return "A-2014"
    return "A-2016" if _2016_HEADER_LABELS.search(doc.text, 0, end) else "A-2014"


def _sections(doc: Document) -> _Sections | None:
    text = doc.text
    issues = _ISSUES.search(text)
    if issues is None:
        return None
    how = _HOW_MADE.search(text, 0, issues.start())
    summary = _SUMMARY.search(text, 0, issues.start())
    header_end = how.start() if how else (summary.start() if summary else issues.start())
    return _Sections(header_end, how, summary, issues)


def _header_value(
    doc: Document, label: str, value: str, sections: _Sections, evidence: Evidence
) -> Span | None:
    """A labelled header value; when extraction separated labels from values, the only value of
    that form in the header (confidence 0.7)."""
    name = "_".join(label.lower().split())
    found = labelled_value(doc, label, value, end=sections.header_end)
    if found is not None:
        evidence.add(name, found)
        return found
    candidates = list(re.finditer(rf"\b(?:{value})\b", doc.text[: sections.header_end]))
    if len(candidates) != 1:
        return None
    found = Span(candidates[0].group(), candidates[0].start(), candidates[0].end())
    evidence.add(name, found, 0.7)
    return found


def _priority(span: Span | None) -> Priority | None:
    if span is None:
        return None
    return "Expedited" if span.text.lower() == "expedited" else "Standard"


def _disagreement(field: str, label: str, narrative: date) -> ExtractionWarning:
    return ExtractionWarning(
        code="header_narrative_mismatch",
        field=field,
        message=f"header {label} differs from the case summary ({narrative.isoformat()}); "
        "header value kept",
    )


# --------------------------------------------------------------------------------------------
# Header, reviewer, case summary


def _read_header(doc: Document, end: int, evidence: Evidence) -> dict[str, date | None]:
    found = header_dates(doc, _HEADER_DATES, end=end)
    for name, (_, span, confidence) in found.items():
        evidence.add(name, span, confidence)
    return {name: found[name][0] if name in found else None for name, _ in _HEADER_DATES}


def _read_reviewer(doc: Document, sections: _Sections, evidence: Evidence) -> Reviewer:
    start = sections.how_made.end() if sections.how_made else 0
    end = sections.summary.start() if sections.summary else sections.issues.start()
    states = labelled_line(doc, "State(s) of Licensure", start=start, end=end)
    specialty = labelled_line(doc, "Certification(s)/Specialty", start=start, end=end)
    if states is not None:
        states = _with_continuation(doc, states, end)
    if specialty is not None:
        specialty = _with_continuation(doc, specialty, end)
    if states is None and specialty is None:
        prose = _PROSE_CREDENTIALS.search(doc.text, start, end)
        if prose is None:
            return Reviewer()
        specialty = Span(prose.group("specialty"), prose.start("specialty"), prose.end("specialty"))
        states = Span(prose.group("states"), prose.start("states"), prose.end("states"))
        evidence.add("reviewer.specialty", specialty, 0.9)
        evidence.add("reviewer.license_states", states, 0.9)
        specialty = Span(_prose_specialty(specialty.text), specialty.start, specialty.end)
    else:
        evidence.add("reviewer.specialty", specialty)
        evidence.add("reviewer.license_states", states)
    return Reviewer(
        specialty=collapse_ws(specialty.text) if specialty else None,
        license_states=split_states(states.text) if states else [],
    )


def _prose_specialty(text: str) -> str:
    """ "Board Certified in Anesthesiology, has a subspecialty in Pain Medicine" ->
    "Anesthesiology, Pain Medicine"."""
    return _SUBSPECIALTY.sub(", ", _CERTIFIED_IN.sub("", collapse_ws(text)))


def _with_continuation(doc: Document, value: Span, end: int) -> Span:
    """Extend a header value by the next line when it wraps: that line is short, has no label
    and is not a heading."""
    following = _NEXT_LINE.match(doc.text, value.end, end)
    if following is None:
        return value
    line = following.group(1)
    if ":" in line or line.isupper() or len(line) > 60:
        return value
    return Span(doc.text[value.start : following.end(1)], value.start, following.end(1))


def _summary_span(doc: Document, sections: _Sections) -> Span | None:
    if sections.summary is None:
        return None
    start, end = sections.summary.end(), sections.issues.start()
    intro = _SUMMARY_INTRO.match(doc.text, start, end)
    if intro is not None:
        start = intro.end()
    return Span(doc.text[start:end], start, end)


def _read_summary(
    doc: Document, sections: _Sections, evidence: Evidence
) -> tuple[Patient, Span | None]:
    """The patient from the case summary's opening, and that opening (its first two sentences),
    which also states the date of injury."""
    summary = _summary_span(doc, sections)
    if summary is None:
        return Patient(), None
    sentences = sentence_spans(summary.text, summary.start)[:2]
    if not sentences:
        return Patient(), None
    found = age_and_sex(sentences[0])
    confidence = 1.0
    if found is None and len(sentences) > 1:
        found, confidence = age_and_sex(sentences[1]), 0.7
    patient = Patient()
    if found is not None:
        patient = Patient(age=found.age, sex=found.sex)
        evidence.add("patient.age", found.span, confidence)
        evidence.add("patient.sex", found.span, confidence)
    opening = Span(
        doc.text[sentences[0].start : sentences[-1].end], sentences[0].start, sentences[-1].end
    )
    return patient, opening


def _narrative_ur_dates(doc: Document, sections: _Sections) -> list[date]:
    """Dates the case summary gives for the utilization review decision."""
    summary = _summary_span(doc, sections)
    if summary is None:
        return []
    dates: list[date] = []
    for sentence in sentence_spans(summary.text, summary.start):
        context = _UR_CONTEXT.search(sentence.text)
        if context is None:
            continue
        for value, span in find_dates(sentence.text, sentence.start):
            if abs(span.start - (sentence.start + context.start())) <= 60:
                dates.append(value)
    return dates


# --------------------------------------------------------------------------------------------
# Items


_FIELD_KINDS = (
    ("claims_administrator_guidelines", _CA_FIELD),
    ("reviewer_guidelines", _REVIEWER_FIELD),
    ("rationale", _RATIONALE_FIELD),
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


def _read_items(doc: Document, start: int, warnings: list[ExtractionWarning]) -> list[Item]:
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
    headings: list[tuple[Span, re.Match[str] | None]] = []
    for index, fields in enumerate(positions):
        region_start = positions[index - 1].end if index else cursor
        headings.append(_heading(doc, region_start, fields.start))
    item_ends = [heading.start for heading, _ in headings[1:]]
    item_ends.append(_closing_matter_start(text, positions[-1].end))
    return [
        _item(doc, number, fields, heading, outcome, item_end, warnings)
        for number, (fields, (heading, outcome), item_end) in enumerate(
            zip(positions, headings, item_ends, strict=True), start=1
        )
    ]


def _closing_matter_start(text: str, start: int) -> int:
    """Where closing matter after the last rationale begins: an all-capitals heading line that
    follows a finished sentence. The end of the text when there is none."""
    for trailer in _TRAILER_HEADING.finditer(text, start):
        if _SENTENCE_TERMINATED.search(text[start : trailer.start()].rstrip()):
            return trailer.start()
    return len(text)


def _lines_before(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``(line_start, line_end)`` of every line in ``text[start:end]``, last line first."""
    lines: list[tuple[int, int]] = []
    line_end = end
    while line_end > start:
        line_start = max(text.rfind("\n", start, line_end), text.rfind("\f", start, line_end))
        line_start = start if line_start < start else line_start + 1
        lines.append((line_start, line_end))
        line_end = line_start - 1
    return lines


def _heading(
    doc: Document, region_start: int, region_end: int
) -> tuple[Span, re.Match[str] | None]:
    """Locate the item heading that ends just before ``region_end``.

    The heading's last line holds the outcome word (or is followed by it on its own line).
    Earlier lines belong to the heading until a blank line or a line that ends a sentence
    (the previous rationale), except that a partial-certification heading is followed back to
    its "... was the original request" sentence.
    """
    text = doc.text
    outcome = _OUTCOME_AT_END.search(text, region_start, region_end)
    if outcome is None:
        outcome = _BARE_OUTCOME_AT_END.search(text, region_start, region_end)
    heading_end = outcome.start() if outcome else region_end
    while heading_end > region_start and text[heading_end - 1].isspace():
        heading_end -= 1
    lines = _lines_before(text, region_start, heading_end)
    heading_start = lines[0][0] if lines else heading_end
    for index, (line_start, _) in enumerate(lines[:-1]):
        heading_start = line_start
        candidate = text[line_start:heading_end]
        partial_incomplete = _REMAINING.search(candidate) and not _ORIGINAL_REQUEST.search(
            candidate
        )
        before = lines[index + 1 : index + 3]
        if not partial_incomplete and _ends_paragraph(text, before):
            break
    else:
        heading_start = lines[-1][0] if lines else heading_end
    while heading_start < heading_end and text[heading_start].isspace():
        heading_start += 1
    return Span(text[heading_start:heading_end], heading_start, heading_end), outcome


def _ends_paragraph(text: str, before: list[tuple[int, int]]) -> bool:
    """Whether the lines ``before`` a candidate heading line (nearest first) end a paragraph:
    the nearest is blank or ends a sentence, or the two together end in a necessity conclusion
    (a rationale whose full stop is missing)."""
    nearest = text[before[0][0] : before[0][1]].strip()
    if not nearest or _SENTENCE_TERMINATED.search(nearest):
        return True
    tail = text[before[-1][0] : before[0][1]]
    sentences = sentence_spans(tail)
    return (
        bool(sentences)
        and _ENDS_IN_NECESSITY.search(tail) is not None
        and sentence_outcome(sentences[-1].text) is not None
    )


def _item(
    doc: Document,
    number: int,
    fields: _Fields,
    heading: Span,
    outcome_match: re.Match[str] | None,
    item_end: int,
    warnings: list[ExtractionWarning],
) -> Item:
    evidence = Evidence(doc)
    treatment = collapse_ws(heading.text)
    partial = partial_certification(treatment)
    if partial is not None:
        treatment = _TRAILING_IS.sub("", treatment)
        evidence.add("partial_certification", heading)
    evidence.add("treatment", heading, 1.0 if treatment else 0.0)
    ca_span = fields.span(doc, "claims_administrator_guidelines", item_end)
    reviewer_span = fields.span(doc, "reviewer_guidelines", item_end)
    rationale_span = fields.span(doc, "rationale", item_end)
    rationale = join_lines(rationale_span.text) if rationale_span else ""
    said = conclusion(rationale)
    outcome = _outcome(number, outcome_match, said, warnings)
    if outcome_match is not None:
        span = Span(outcome_match.group(1), outcome_match.start(1), outcome_match.end(1))
        agrees = said is None or said[0] == outcome
        evidence.add("outcome", span, 1.0 if agrees else 0.5)
    elif rationale_span is not None:
        evidence.add("outcome", rationale_span, 0.6)
    evidence.add("claims_administrator_guidelines", ca_span)
    evidence.add("reviewer_guidelines", reviewer_span)
    evidence.add("rationale", rationale_span)
    return Item(
        treatment=treatment,
        outcome=outcome,
        partial_certification=partial,
        claims_administrator_guidelines=_citations(ca_span),
        reviewer_guidelines=_citations(reviewer_span),
        rationale=rationale,
        provenance=evidence.provenance,
        confidence=evidence.confidence,
    )


def _citations(span: Span | None) -> list[Citation]:
    return [Citation(raw=raw) for raw in split_guidelines(span.text)] if span else []


def _outcome(
    number: int,
    heading_match: re.Match[str] | None,
    said: tuple[Outcome, Span] | None,
    warnings: list[ExtractionWarning],
) -> Outcome:
    """The heading's outcome word; the rationale's conclusion only when the word is missing."""
    field = f"items[{number - 1}].outcome"
    stated = outcome_word(heading_match.group(1)) if heading_match else None
    if stated is None:
        if said is None:
            raise UnknownLayoutError(f"item {number} states no outcome")
        warnings.append(
            ExtractionWarning(
                code="outcome_not_in_heading",
                field=field,
                message="no Upheld/Overturned after the heading; outcome read from the rationale",
            )
        )
        return said[0]
    if said is not None and said[0] != stated:
        warnings.append(
            ExtractionWarning(
                code="outcome_rationale_mismatch",
                field=field,
                message=f"heading says {stated}, the rationale concludes {said[0]}",
            )
        )
    return stated


PARSER_2016 = LayoutAParser("A-2016")
PARSER_2014 = LayoutAParser("A-2014")
