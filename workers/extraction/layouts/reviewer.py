"""The expert reviewer's credentials: labelled (2016-17 letters) or stated in prose."""

from __future__ import annotations

import re

from schemas.letter import Reviewer
from workers.extraction.document import Document
from workers.extraction.fields import Evidence, Span, collapse_ws, labelled_line, split_states

# A clause about the reviewer ends at the next clause ("..., has ...", "and is ...") or sentence.
_CLAUSE_END = r"(?=,?\s+(?:and\s+)?(?:has|is|was|with|who|holds)\b|\s*[.;]|\s*\Z)"
_CERTIFIED = re.compile(
    r"\b(?:Board[\s-]+)?Certified\s+(?:by\s+the\s+[^.;]{3,80}?\s+)?(?:in|as)\s+(?:an?\s+)?"
    rf"(?P<value>[^.;]+?){_CLAUSE_END}",
    re.IGNORECASE,
)
_LICENSED_IN = re.compile(
    rf"\bLicensed\s+(?:in|as)\s+(?:an?\s+)?(?P<value>[^.;]+?){_CLAUSE_END}", re.IGNORECASE
)
# "The expert reviewer is a Doctor of Chiropractic and is licensed ..."
_REVIEWER_IS_A = re.compile(
    rf"\breviewer\s+is\s+an?\s+(?P<value>[A-Z][^.;]+?){_CLAUSE_END}", re.IGNORECASE
)
_SUBSPECIALTY = re.compile(
    rf"\bsub-?\s?specialt(?:y|ies)\s+(?:in\s+)?(?P<value>[^.;]+?){_CLAUSE_END}", re.IGNORECASE
)
_LICENSED_TO_PRACTICE = re.compile(
    r"\blicensed\s+to\s+practice(?:\s+medicine)?\s+in\s+(?:the\s+states?\s+of\s+)?"
    r"(?P<value>[^.;]+?)(?=\s*[.;]|\s*\Z|,?\s+(?:and\s+)?(?:has|is|was|with|who)\b)",
    re.IGNORECASE,
)
_NEXT_LINE = re.compile(r"[ ]*[\n\f][ ]*([^\n\f]*[^\s])")


def states_credentials_in_prose(text: str) -> bool:
    """Whether ``text`` says in prose where the reviewer is licensed to practice."""
    return _LICENSED_TO_PRACTICE.search(text) is not None


def read_reviewer(doc: Document, block: Span | None, evidence: Evidence) -> Reviewer:
    """Reviewer credentials from ``block``.

    The labels ``Certification(s)/Specialty:`` and ``State(s) of Licensure:`` (a value may wrap
    onto up to three more lines) give confidence 1.0. Otherwise prose gives 0.9: "Board Certified in
    Anesthesiology, has a subspecialty in Pain Medicine and is licensed to practice in California
    and Texas" -> "Anesthesiology, Pain Medicine", ["California", "Texas"].
    """
    if block is None:
        return Reviewer()
    specialty = labelled_line(doc, "Certification(s)/Specialty", start=block.start, end=block.end)
    states = labelled_line(doc, "State(s) of Licensure", start=block.start, end=block.end)
    if specialty is None and states is None:
        return _prose_reviewer(block, evidence)
    if specialty is not None:
        specialty = _with_continuation(doc, specialty, block.end)
    if states is not None:
        states = _with_continuation(doc, states, block.end)
    evidence.add("reviewer.specialty", specialty)
    evidence.add("reviewer.license_states", states)
    return Reviewer(
        specialty=collapse_ws(specialty.text) if specialty else None,
        license_states=split_states(states.text) if states else [],
    )


def _prose_reviewer(block: Span, evidence: Evidence) -> Reviewer:
    text = block.text
    main = _CERTIFIED.search(text) or _LICENSED_IN.search(text) or _REVIEWER_IS_A.search(text)
    specialty: str | None = None
    if main is not None:
        sub = _SUBSPECIALTY.search(text, main.end(), main.end() + 300)
        parts = [main] if sub is None else [main, sub]
        specialty = ", ".join(collapse_ws(part.group("value")) for part in parts)
        start, end = main.start("value"), parts[-1].end("value")
        evidence.add("reviewer.specialty", _part(block, start, end), 0.9)
    licensed = _LICENSED_TO_PRACTICE.search(text)
    states: list[str] = []
    if licensed is not None:
        states = split_states(licensed.group("value"))
        where = _part(block, licensed.start("value"), licensed.end("value"))
        evidence.add("reviewer.license_states", where, 0.9)
    return Reviewer(specialty=specialty, license_states=states)


def _part(block: Span, start: int, end: int) -> Span:
    return Span(block.text[start:end], block.start + start, block.start + end)


_MAX_WRAPPED_LINES = 3


def _with_continuation(doc: Document, value: Span, end: int) -> Span:
    """Extend a labelled value by the lines it wraps onto (at most three): each short, with no
    label, and not a heading."""
    stop = value.end
    for _ in range(_MAX_WRAPPED_LINES):
        following = _NEXT_LINE.match(doc.text, stop, end)
        if following is None:
            break
        line = following.group(1)
        if ":" in line or line.isupper() or len(line) > 60:
            break
        stop = following.end(1)
    return Span(doc.text[value.start : stop], value.start, stop)
