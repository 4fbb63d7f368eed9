"""Layout C: "MEDICAL PROFESSIONAL REVIEW" reports.

The report is read by its upper-case section headings (``ISSUE AT DISPUTE:``, ``CASE SUMMARY:``,
``DOCUMENTS REVIEWED FOR DETERMINATION:``, ``MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY
PROFESSIONAL REVIEWER AND WHY:``, ``RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS
[NOT] MEDICALLY NECESSARY:``, ``MEDICAL REVIEWER QUALIFICATIONS:``). The rationale heading states
the outcome; every rationale is one item, paired in order with the issues at dispute (one per
section, or a numbered list in one section). Only the reviewer's guidelines are stated.
"""

from __future__ import annotations

import re
from typing import Final

from schemas.letter import Citation, ExtractionWarning, Item, Layout, LetterRecord, Outcome
from workers.extraction.document import Document
from workers.extraction.errors import UnknownLayoutError
from workers.extraction.fields import (
    Evidence,
    Span,
    conclusion,
    join_lines,
    sentence_outcome,
)
from workers.extraction.heading import read_heading
from workers.extraction.heading_checks import add_heading_evidence
from workers.extraction.layouts.crosscheck import checked_outcome
from workers.extraction.layouts.front_matter import read_front_matter
from workers.extraction.layouts.sections import (
    LINE_START,
    Section,
    find_sections,
    first_body,
    heading_pattern,
    prose_citations,
    subspan,
)

_TITLE = re.compile(r"MEDICAL\s+PROFESSIONAL\s+REVIEW")
_ISSUE = "issue"
_SUMMARY = "summary"
_DOCUMENTS = "documents"
_GUIDELINES = "guidelines"
_RATIONALE = "rationale"
_QUALIFICATIONS = "qualifications"
_RATIONALE_HEADING = re.compile(
    LINE_START + r"RATIONALE\s+FOR\s+WHY\s+THE\s+REQUESTED\s+TREATMENT\s*/\s*SERVICE\s+"
    r"(?P<verdict>(?:IS\s*/\s*WAS|IS|WAS)\s+(?:NOT\s+)?MEDICALLY\s+NECESSARY)\s*:",
    re.M,
)
_HEADINGS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (_ISSUE, re.compile(LINE_START + r"ISSUES?(?:\(S\))?\s+(?:AT|IN)\s+DISPUTE\s*:", re.M)),
    (_SUMMARY, heading_pattern("CASE SUMMARY", colon=True)),
    (_DOCUMENTS, heading_pattern("DOCUMENTS REVIEWED FOR DETERMINATION", colon=True)),
    (
        _GUIDELINES,
        heading_pattern(
            "MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY PROFESSIONAL REVIEWER AND WHY",
            colon=True,
        ),
    ),
    (_RATIONALE, _RATIONALE_HEADING),
    (_QUALIFICATIONS, heading_pattern("MEDICAL REVIEWER QUALIFICATIONS", colon=True)),
)
_NUMBERED = re.compile(r"(?m)^[ \t]*\d{1,2}[.)][ \t]+")


class LayoutCParser:
    """Parser for the medical professional review reports."""

    layout: Final[Layout] = "C"

    def score(self, doc: Document) -> float:
        text = doc.text
        found = {name for name, pattern in _HEADINGS if pattern.search(text)}
        if _ISSUE not in found or _RATIONALE not in found:
            return 0.0
        score = 0.5 + 0.1 * len(found - {_ISSUE, _RATIONALE})
        return min(1.0, score + (0.1 if _TITLE.search(text) else 0.0))

    def parse(self, doc: Document) -> LetterRecord:
        sections = find_sections(doc, _HEADINGS)
        if not sections:
            raise UnknownLayoutError("no medical professional review sections")
        front = read_front_matter(
            doc,
            header_end=sections[0].heading.start,
            summary=first_body(sections, _SUMMARY),
            reviewer_block=first_body(sections, _QUALIFICATIONS),
        )
        return front.record("C", _items(doc, sections, front.warnings))


def _issues(sections: list[Section]) -> list[Span]:
    """Every issue at dispute: one per issue section, or each entry of a numbered list."""
    issues: list[Span] = []
    for section in sections:
        if section.name != _ISSUE:
            continue
        body = section.body
        marks = list(_NUMBERED.finditer(body.text))
        if not marks:
            issues.append(body)
            continue
        for index, mark in enumerate(marks):
            end = marks[index + 1].start() if index + 1 < len(marks) else len(body.text)
            entry = subspan(body, mark.end(), end)
            issues.append(subspan(entry, 0, len(entry.text.rstrip())))
    return issues


def _items(doc: Document, sections: list[Section], warnings: list[ExtractionWarning]) -> list[Item]:
    issues = _issues(sections)
    rationales = [section for section in sections if section.name == _RATIONALE]
    if not rationales:
        raise UnknownLayoutError("no rationale section")
    if len(issues) != len(rationales):
        raise UnknownLayoutError(
            f"{len(issues)} issue(s) at dispute but {len(rationales)} rationale section(s)"
        )
    items: list[Item] = []
    for number, (issue, rationale) in enumerate(zip(issues, rationales, strict=True), start=1):
        guidelines = [
            section
            for section in sections
            if section.name == _GUIDELINES and section.heading.start < rationale.heading.start
        ]
        items.append(
            _item(doc, number, issue, rationale, guidelines[-1] if guidelines else None, warnings)
        )
    return items


def _item(
    doc: Document,
    number: int,
    issue: Span,
    rationale: Section,
    guidelines: Section | None,
    warnings: list[ExtractionWarning],
) -> Item:
    evidence = Evidence(doc)
    heading = read_heading(issue.text)
    text = join_lines(rationale.body.text)
    add_heading_evidence(evidence, issue, heading, text)
    evidence.add("rationale", rationale.body)
    outcome = _outcome(number, rationale, conclusion(text), evidence, warnings)
    reviewer: list[Citation] = []
    if guidelines is not None:
        reviewer = [Citation(raw=raw) for raw in prose_citations(guidelines.body.text)]
        evidence.add("reviewer_guidelines", guidelines.body, 0.9)
    return Item(
        treatment=heading.treatment,
        outcome=outcome,
        partial_certification=heading.partial,
        reviewer_guidelines=reviewer,
        rationale=text,
        provenance=evidence.provenance,
        confidence=evidence.confidence,
    )


def _outcome(
    number: int,
    rationale: Section,
    said: tuple[Outcome, Span] | None,
    evidence: Evidence,
    warnings: list[ExtractionWarning],
) -> Outcome:
    """The outcome the rationale heading states; the rationale's conclusion is the cross-check."""
    heading = rationale.heading
    verdict = _RATIONALE_HEADING.match(heading.text)
    stated = sentence_outcome(verdict.group("verdict")) if verdict else None
    outcome, agrees = checked_outcome(
        number, stated, said, warnings, source="rationale heading", missing_code=None
    )
    if verdict is not None:
        where = subspan(heading, verdict.start("verdict"), verdict.end("verdict"))
        evidence.add("outcome", where, 1.0 if agrees else 0.5)
    return outcome


PARSER = LayoutCParser()
