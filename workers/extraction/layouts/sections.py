"""Section reading shared by the B, C and D layout parsers.

Those layouts are read by their section headings: :func:`find_sections` cuts a document into
named sections; :func:`prose_citations` reads guideline fields stated in prose.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from workers.extraction.document import Document
from workers.extraction.fields import (
    Span,
    join_lines,
    label_pattern,
    sentence_spans,
    split_guidelines,
    trimmed,
)

LINE_START = r"(?:^|(?<=\f))[ \t]*"
"""Regex source for the start of a line, including the first line of a page (compile with M)."""

CLOSING_LINE = re.compile(
    LINE_START + r"(?:cc:|Sincerely\b|Enclosures?\b|/[a-z]{1,4}[ \t]*$)", re.M
)
"""A line that starts a letter's closing matter: copies, signature, enclosures, typist."""


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


def first_body(sections: Sequence[Section], *names: str) -> Span | None:
    """The body of the first section named ``names[0]``, else ``names[1]`` ..., else ``None``."""
    for name in names:
        section = first_section(sections, name)
        if section is not None:
            return section.body
    return None


def subspan(span: Span, start: int, end: int) -> Span:
    """The part ``[start, end)`` of ``span.text`` as a span of the document."""
    return Span(span.text[start:end], span.start + start, span.start + end)


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
