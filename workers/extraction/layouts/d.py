"""Layout D: the 2013 "Notice of Independent Medical Review Determination" letters.

The first page lists numbered decisions ("1) MAXIMUS Federal Services, Inc. has determined the
request for X is not medically necessary and appropriate."); there are no Upheld/Overturned
words, so the decision phrase gives the outcome. Dates come from the narrative ("An application
for Independent Medical Review was filed on ... disputing the Utilization Review Denial dated
...") with the header labels as fallback. Each item is detailed later in a numbered "Regarding
the request for X:" block with the guidelines each side relied upon and the rationale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal

from schemas.letter import Citation, ExtractionWarning, Item, Layout, LetterRecord, Outcome
from workers.extraction.document import Document
from workers.extraction.errors import UnknownLayoutError
from workers.extraction.fields import (
    DATE_PATTERN,
    Evidence,
    Span,
    collapse_ws,
    conclusion,
    join_lines,
    parse_date,
    sentence_outcome,
)
from workers.extraction.heading import read_heading
from workers.extraction.heading_checks import add_heading_evidence
from workers.extraction.layouts.crosscheck import checked_outcome, date_mismatch
from workers.extraction.layouts.front_matter import FrontMatter, read_front_matter
from workers.extraction.layouts.sections import (
    CLOSING_LINE,
    LINE_START,
    Section,
    find_sections,
    first_body,
    heading_pattern,
    prose_citations,
    subspan,
)

_NOTICE = re.compile(r"Notice\s+of\s+Independent\s+Medical\s+Review\s+Determination", re.I)
_DETERMINED = re.compile(
    LINE_START + r"(?:(?P<number>\d{1,2})\)\s+)?MAXIMUS\s+Federal\s+Services,?\s+Inc\.?\s+"
    r"has\s+determined\s+(?:that\s+)?the\s+(?:request\s+for|requested)\s+(?P<treatment>.{1,400}?)\s+"
    r"(?P<decision>(?:is|are|was|were)\s+(?:not\s*)?medically\s+necessary"
    r"(?:\s+and\s+appropriate)?)\s*\.",
    re.I | re.S | re.M,
)
_REGARDING = re.compile(
    LINE_START + r"(?:(?P<number>\d{1,2})\)\s+)?Regarding\s+the\s+(?:request\s+for|requested)\s+"
    r"(?P<treatment>[^:\f]{1,400}?)\s*:[ \t]*$",
    re.I | re.M,
)
_FILED = re.compile(
    r"application\s+for\s+Independent\s+Medical\s+Review\s+was\s+(?:filed|received)\s+on\s+"
    rf"(?P<date>{DATE_PATTERN})",
    re.I,
)
_UR_DENIAL = re.compile(
    rf"Utilization\s+Review\s+(?:Denial|Decision)\s+dated\s+(?P<date>{DATE_PATTERN})", re.I
)
_ASSIGNED = re.compile(
    r"Notice\s+of\s+Assignment\b[^.]{0,120}?\bprovided\s+to\s+the\s+above\s+parties\s+on\s+"
    rf"(?P<date>{DATE_PATTERN})",
    re.I,
)

# Dates the decision narrative states, preferred to the header's.
_NarrativeDate = Literal["application_received", "ur_denial_date", "date_assigned"]
_NARRATIVE_DATES: tuple[tuple[_NarrativeDate, str, re.Pattern[str]], ...] = (
    ("application_received", "Application Received", _FILED),
    ("ur_denial_date", "UR Denial Date", _UR_DENIAL),
    ("date_assigned", "Date Assigned", _ASSIGNED),
)

_DECISION_SECTION = "decision"
_QUALIFICATIONS = "qualifications"
_REVIEWER_SUMMARY = "reviewer summary"
_SUMMARY = "summary"
_CA_FIELD = "ca"
_REVIEWER_FIELD = "reviewer"
_RATIONALE = "rationale"
_ITEM = "item"
_CLOSING = "closing"
_HEADINGS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (_DECISION_SECTION, heading_pattern("INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE")),
    (_QUALIFICATIONS, heading_pattern("Medical Qualifications of the Expert Reviewer", colon=True)),
    (_REVIEWER_SUMMARY, heading_pattern("Expert Reviewer Case Summary", colon=True)),
    (_SUMMARY, heading_pattern("Case Summary", colon=True)),
    (
        _CA_FIELD,
        heading_pattern(
            "Medical Treatment Guideline(s) Relied Upon by the Claims Administrator", colon=True
        ),
    ),
    (
        _REVIEWER_FIELD,
        heading_pattern(
            "Medical Treatment Guideline(s) Relied Upon by the Expert Reviewer", colon=True
        ),
    ),
    (_RATIONALE, heading_pattern("Rationale for the Decision", colon=True)),
    (_ITEM, _REGARDING),
    (
        _CLOSING,
        CLOSING_LINE,
    ),
)

_SAME_AS_CLAIMS_ADMINISTRATOR = re.compile(
    r"guidelines?(?:\(s\))?\s+(?:used|cited|relied\s+upon)\s+by\s+the\s+Claims\s+Administrator"
    r"[^.]{0,40}?\b(?:relevant|appropriate|applicable)\b",
    re.I,
)


class LayoutDParser:
    """Parser for the 2013 notice letters."""

    layout: Final[Layout] = "D"

    def score(self, doc: Document) -> float:
        text = doc.text
        score = 0.5 if _NOTICE.search(text) else 0.0
        score += 0.2 if _DETERMINED.search(text) else 0.0
        score += 0.15 if _HEADINGS[0][1].search(text) else 0.0
        score += 0.15 if _REGARDING.search(text) else 0.0
        return score

    def parse(self, doc: Document) -> LetterRecord:
        sections = find_sections(doc, _HEADINGS)
        decisions = _by_number(_DETERMINED.finditer(doc.text))
        body = [s.heading.start for s in sections if s.name in (_DECISION_SECTION, _ITEM)]
        header_end = min([m.start() for m in decisions.values()] + body + [len(doc.text)])
        front = read_front_matter(
            doc,
            header_end=header_end,
            summary=first_body(sections, _SUMMARY, _REVIEWER_SUMMARY),
            reviewer_block=first_body(sections, _QUALIFICATIONS),
        )
        for name, label, narrative in _NARRATIVE_DATES:
            front.header[name] = _narrative_date(doc, name, label, narrative, front)
        return front.record("D", _items(doc, decisions, _detail_blocks(sections), front.warnings))


def _narrative_date(
    doc: Document,
    name: _NarrativeDate,
    label: str,
    narrative: re.Pattern[str],
    front: FrontMatter,
) -> date | None:
    """The date the decision narrative states for ``name``, else the header's; a header date
    that differs from the narrative's adds a warning."""
    match = narrative.search(doc.text)
    stated = parse_date(match.group("date")) if match else None
    labelled = front.header[name]
    if match is None or stated is None:
        return labelled
    front.evidence.add(name, Span(match.group("date"), match.start("date"), match.end("date")))
    if labelled is not None and labelled != stated:
        front.warnings.append(
            date_mismatch(
                name,
                label,
                labelled,
                stated,
                narrative_source="decision narrative",
                kept="narrative",
            )
        )
    return stated


# --------------------------------------------------------------------------------------------
# Items


@dataclass(slots=True)
class _Detail:
    """One numbered "Regarding the request for ..." block and its field sections."""

    treatment: Span
    fields: dict[str, Section] = field(default_factory=dict)


def _by_number(matches: Iterable[re.Match[str]]) -> dict[int, re.Match[str]]:
    """Decisions by their stated number, or in order when unnumbered.

    The letter repeats its decision list in the decision section; the first statement of each
    decision is kept.
    """
    found: dict[int, re.Match[str]] = {}
    seen: set[str] = set()
    for match in matches:
        treatment = collapse_ws(match.group("treatment")).lower()
        if match.group("number"):
            found.setdefault(int(match.group("number")), match)
        elif treatment not in seen:
            found.setdefault(len(found) + 1, match)
        seen.add(treatment)
    return found


def _detail_blocks(sections: list[Section]) -> dict[int, _Detail]:
    blocks: dict[int, _Detail] = {}
    current: _Detail | None = None
    for section in sections:
        heading = section.heading
        regarding = _REGARDING.match(heading.text) if section.name == _ITEM else None
        if regarding is not None:
            number = int(regarding.group("number") or len(blocks) + 1)
            treatment = subspan(heading, regarding.start("treatment"), regarding.end("treatment"))
            current = blocks.setdefault(number, _Detail(treatment))
        elif section.name in (_CA_FIELD, _REVIEWER_FIELD, _RATIONALE) and current is not None:
            current.fields.setdefault(section.name, section)
        elif section.name != _CLOSING:
            current = None
    return blocks


def _items(
    doc: Document,
    decisions: dict[int, re.Match[str]],
    details: dict[int, _Detail],
    warnings: list[ExtractionWarning],
) -> list[Item]:
    numbers = sorted(set(decisions) | set(details))
    if not numbers:
        raise UnknownLayoutError("no numbered decisions found")
    return [
        _item(doc, number, decisions.get(number), details.get(number), warnings)
        for number in numbers
    ]


def _item(
    doc: Document,
    number: int,
    decision: re.Match[str] | None,
    detail: _Detail | None,
    warnings: list[ExtractionWarning],
) -> Item:
    evidence = Evidence(doc)
    fields = detail.fields if detail else {}
    rationale_section = fields.get(_RATIONALE)
    rationale = join_lines(rationale_section.body.text) if rationale_section else ""
    evidence.add("rationale", rationale_section.body if rationale_section else None)
    said = conclusion(rationale)
    treatment_span = _treatment_span(decision, detail)
    heading = read_heading(treatment_span.text)
    add_heading_evidence(evidence, treatment_span, heading, rationale, in_sentence=True)
    outcome = _outcome(number, decision, said, evidence, warnings)
    claims_administrator = _relied_upon(fields.get(_CA_FIELD), evidence, "claims_administrator")
    reviewer = _relied_upon(fields.get(_REVIEWER_FIELD), evidence, "reviewer")
    reviewer_field = fields.get(_REVIEWER_FIELD)
    if (
        not reviewer
        and reviewer_field is not None
        and _SAME_AS_CLAIMS_ADMINISTRATOR.search(collapse_ws(reviewer_field.body.text))
    ):
        reviewer = list(claims_administrator)
        evidence.add("reviewer_guidelines", reviewer_field.body, 0.8)
    return Item(
        treatment=heading.treatment,
        outcome=outcome,
        partial_certification=heading.partial,
        claims_administrator_guidelines=claims_administrator,
        reviewer_guidelines=reviewer,
        rationale=rationale,
        provenance=evidence.provenance,
        confidence=evidence.confidence,
    )


def _treatment_span(decision: re.Match[str] | None, detail: _Detail | None) -> Span:
    """The treatment as the decision list names it, else as its detail block does."""
    if decision is not None:
        return Span(
            decision.group("treatment"), decision.start("treatment"), decision.end("treatment")
        )
    if detail is None:
        raise UnknownLayoutError("an item has neither a decision nor a detail block")
    return detail.treatment


def _outcome(
    number: int,
    decision: re.Match[str] | None,
    said: tuple[Outcome, Span] | None,
    evidence: Evidence,
    warnings: list[ExtractionWarning],
) -> Outcome:
    """The outcome the numbered decision states, else the rationale's conclusion."""
    stated = sentence_outcome(decision.group("decision")) if decision else None
    outcome, agrees = checked_outcome(
        number,
        stated,
        said,
        warnings,
        source="decision list",
        missing_code="outcome_not_in_decision_list",
    )
    if decision is not None and stated is not None:
        span = Span(
            decision.group("decision"), decision.start("decision"), decision.end("decision")
        )
        evidence.add("outcome", span, 1.0 if agrees else 0.5)
    return outcome


def _relied_upon(section: Section | None, evidence: Evidence, side: str) -> list[Citation]:
    """Citations from the prose of one "Guideline(s) Relied Upon by ..." field."""
    if section is None:
        return []
    cited = [Citation(raw=raw) for raw in prose_citations(section.body.text)]
    if cited:
        evidence.add(f"{side}_guidelines", section.body)
    return cited


PARSER = LayoutDParser()
