"""Reading helpers shared by the B, C and D layout parsers.

Those layouts are read by their section headings: :func:`find_sections` cuts a document into
named sections, and the other helpers read the header, the case summary and the reviewer's
credentials (labelled or in prose) from a section with provenance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from schemas.letter import Patient, Priority, Reviewer
from workers.extraction.document import Document
from workers.extraction.fields import (
    Evidence,
    Span,
    age_and_sex,
    collapse_ws,
    injury_date_in,
    join_lines,
    label_pattern,
    labelled_date,
    labelled_line,
    labelled_value,
    sentence_spans,
    split_guidelines,
    split_states,
    trimmed,
)
from workers.extraction.layouts.a import _read_header as read_header_dates

CASE_NUMBER = r"CM\d{2}-\d{5,8}"
"""Regex source for an IMR case number (``CM13-0023518``)."""

LINE_START = r"(?:^|(?<=\f))[ \t]*"
"""Regex source for the start of a line, including the first line of a page (compile with M)."""


def heading_pattern(title: str, *, colon: bool = False) -> re.Pattern[str]:
    """A section heading on its own line whose words may wrap onto the next line."""
    words = label_pattern(title) if colon else label_pattern(title).removesuffix(r"\s*:")
    return re.compile(LINE_START + words, re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Section:
    """A named section: its heading and the text up to the next heading of the same set."""

    name: str
    heading: Span
    body: Span


def find_sections(doc: Document, headings: Sequence[tuple[str, re.Pattern[str]]]) -> list[Section]:
    """Every occurrence of the given headings, in document order.

    A section's body runs from its heading to the next heading of any of the given names (or
    the end of the document) with surrounding whitespace trimmed.
    """
    marks: list[tuple[int, int, str]] = []
    for name, pattern in headings:
        marks.extend((m.start(), m.end(), name) for m in pattern.finditer(doc.text))
    marks.sort()
    sections: list[Section] = []
    for index, (head_start, head_end, name) in enumerate(marks):
        body_end = marks[index + 1][0] if index + 1 < len(marks) else len(doc.text)
        sections.append(
            Section(
                name=name,
                heading=Span(doc.text[head_start:head_end], head_start, head_end),
                body=trimmed(doc, head_end, body_end),
            )
        )
    return sections


def first_section(sections: Sequence[Section], name: str) -> Section | None:
    return next((section for section in sections if section.name == name), None)


def subspan(span: Span, start: int, end: int) -> Span:
    """The part ``[start, end)`` of ``span.text`` as a span of the document."""
    return Span(span.text[start:end], span.start + start, span.start + end)


# --------------------------------------------------------------------------------------------
# Header


def first_labelled_date(
    doc: Document, labels: Sequence[str], *, start: int = 0, end: int | None = None
) -> tuple[date, Span] | None:
    """The date after the first of ``labels`` present in ``doc.text[start:end]``."""
    for label in labels:
        found = labelled_date(doc, label, start=start, end=end)
        if found is not None:
            return found
    return None


def standard_header_dates(doc: Document, evidence: Evidence, *, end: int) -> dict[str, date | None]:
    """The MAXIMUS header dates (as layout A reads them); ``Dated:`` stands in for a missing
    ``Decision Date:``."""
    dates = read_header_dates(doc, end, evidence)
    if dates["decision_date"] is None:
        dated = labelled_date(doc, "Dated", end=end)
        if dated is not None:
            dates["decision_date"] = dated[0]
            evidence.add("decision_date", dated[1])
    return dates


def case_number(doc: Document, evidence: Evidence, *, end: int | None = None) -> str | None:
    """The labelled case number, else the first case number anywhere before ``end``."""
    found = labelled_value(doc, "Case Number", CASE_NUMBER, end=end)
    confidence = 1.0
    if found is None:
        match = re.compile(rf"\b{CASE_NUMBER}\b").search(
            doc.text, 0, len(doc.text) if end is None else end
        )
        found = Span(match.group(), match.start(), match.end()) if match else None
        confidence = 0.7
    evidence.add("case_number", found, confidence)
    return found.text if found else None


def priority(doc: Document, evidence: Evidence, *, end: int | None = None) -> Priority | None:
    found = labelled_value(doc, "Priority", "Standard|Expedited", end=end)
    evidence.add("priority", found)
    if found is None:
        return None
    return "Expedited" if found.text.lower() == "expedited" else "Standard"


# --------------------------------------------------------------------------------------------
# Case summary


def read_patient(
    summary: Span | None, evidence: Evidence, dates: dict[str, date | None]
) -> Patient:
    """Age and sex from the first summary sentence that states them.

    A sentence after the second one gets a lower confidence: it may speak of someone else. When
    ``dates`` has no ``date_of_injury``, the injury date that sentence states fills it.
    """
    if summary is None:
        return Patient()
    sentences = sentence_spans(summary.text, summary.start)
    for index, sentence in enumerate(sentences[:4]):
        found = age_and_sex(sentence)
        if found is None:
            continue
        confidence = 1.0 if index < 2 else 0.7
        evidence.add("patient.age", found.span, confidence)
        evidence.add("patient.sex", found.span, confidence)
        injury = injury_date_in(sentence)
        if dates.get("date_of_injury") is None and injury is not None:
            dates["date_of_injury"] = injury[0]
            evidence.add("date_of_injury", injury[1], 0.8)
        return Patient(age=found.age, sex=found.sex)
    return Patient()


# --------------------------------------------------------------------------------------------
# Reviewer credentials

_BOARD_CERTIFIED = re.compile(
    r"\b(?:Board[\s-]+)?Certified\s+(?:by\s+the\s+[^.]{3,80}?\s+)?in\s+"
    r"(?P<specialty>[^.;]+?)(?=,?\s+(?:and\s+)?(?:has|is|with|who|holds)\b|\s*[.;])",
    re.IGNORECASE,
)
_LICENSED = re.compile(
    r"\blicensed\s+to\s+practice(?:\s+medicine)?\s+in\s+(?:the\s+states?\s+of\s+)?"
    r"(?P<states>[^.;]+?)(?=\s*[.;]|,?\s+(?:and\s+)?(?:has|is|with|who)\b)",
    re.IGNORECASE,
)


def read_reviewer(doc: Document, block: Span | None, evidence: Evidence) -> Reviewer:
    """Reviewer credentials from ``block``: the labels ``Certification(s)/Specialty:`` and
    ``State(s) of Licensure:``, else prose ("Board Certified in X ... licensed to practice in
    California and Nevada"). Prose values get confidence 0.9.
    """
    if block is None:
        return Reviewer()
    end = block.end
    specialty = labelled_line(doc, "Certification(s)/Specialty", start=block.start, end=end)
    states = labelled_line(doc, "State(s) of Licensure", start=block.start, end=end)
    confidence = 1.0
    if specialty is None and states is None:
        confidence = 0.9
        board = _BOARD_CERTIFIED.search(block.text)
        licensed = _LICENSED.search(block.text)
        if board is not None:
            specialty = subspan(block, board.start("specialty"), board.end("specialty"))
        if licensed is not None:
            states = subspan(block, licensed.start("states"), licensed.end("states"))
    evidence.add("reviewer.specialty", specialty, confidence)
    evidence.add("reviewer.license_states", states, confidence)
    return Reviewer(
        specialty=collapse_ws(specialty.text) if specialty else None,
        license_states=split_states(states.text) if states else [],
    )


# --------------------------------------------------------------------------------------------
# Guidelines stated in prose

# "The Claims Administrator based its decision on the X, which is part of the MTUS." /
# "The Expert Reviewer relied on the X, which is a medical treatment guideline ..."
_RELIED = re.compile(
    r"\b(?:based\s+(?:his/her|his|her|its|their)\s+decision\s+on|relied\s+(?:up)?on|"
    r"(?:cited|referenced)(?!\s+by\b))\s+"
    r"(?:the\s+)?(?P<cited>.+)",
    re.IGNORECASE | re.DOTALL,
)
_MTUS_MEMBERSHIP = re.compile(
    r",?\s+(?:which|that)\s+(?:is|are)\s+(?:a\s+|an\s+)?(?:part\s+of|not\s+part\s+of|"
    r"medical\s+treatment\s+guidelines?|evidence-based)\b.*\Z",
    re.IGNORECASE | re.DOTALL,
)
_AND_THE = re.compile(r",?\s+and\s+the\s+(?=[A-Z])")
_NOTHING_CITED = re.compile(r"did\s+not\s+(?:cite|provide|reference)", re.IGNORECASE)
_DECISION_BASED_ON = re.compile(r"\bDecision\s+based\s+on\b", re.IGNORECASE)
# Words that make a sentence an explanation rather than a bare citation.
_PROSE_WORDS = re.compile(
    r"\b(?:is|are|was|were|be|been|because|since|therefore|address(?:es)?|used|relied|"
    r"appl(?:y|ies|icable)|recommends?|supports?|presumed|states?|cited?|found|notes?|"
    r"did|does|do|not|this|these)\b",
    re.IGNORECASE,
)


def prose_citations(text: str) -> list[str]:
    """Guideline citations from a free-text guideline field.

    ``Decision based on ...`` fields go to :func:`split_guidelines`. Otherwise each sentence
    that says a party "based its decision on" / "relied upon" a source gives that source, with
    the "..., which is part of the MTUS" clause dropped and "X, and the Y" split; a sentence that
    is a bare title (no verb) is a citation as written; explanations and "did not cite"
    sentences give nothing.
    """
    if _DECISION_BASED_ON.search(text):
        return split_guidelines(text)
    found: list[str] = []
    for sentence in sentence_spans(join_lines(text)):
        if _NOTHING_CITED.search(sentence.text):
            continue
        relied = _RELIED.search(sentence.text)
        if relied is not None:
            cited = relied.group("cited")
        elif _PROSE_WORDS.search(sentence.text):
            continue
        else:
            cited = sentence.text
        for part in _AND_THE.split(cited):
            source = _MTUS_MEMBERSHIP.sub("", part).strip().rstrip(" .")
            if source:
                found.append(source)
    return found
