"""The decision heading of one disputed item, read as language rather than as one template.

A heading names the treatment IMR decided. When utilization review (UR) authorized part of the
request, the heading is a partial certification and says three things, in whatever words and
order the letter uses:

- the **original request** ("X was the original request", "The original request was for X",
  "X was originally requested", "Original request: X");
- the part UR **authorized** ("Y was authorized by the Claims Administrator", "The Claims
  Administrator authorized Y", "X was modified to Y", "Y was certified with modification",
  "Partial certification was given for Y");
- the portion IMR **reviewed** ("The remaining IMR eligible portion of the original request, Z",
  "Z remains IMR eligible", "..., leaving Z eligible for IMR"); "leaving the original request IMR
  eligible" followed by "The original request, X" means IMR reviewed the whole original request.

When the reviewed portion is not spelled out it is derived: the original request with its one
differing number reduced by the authorized number ("#90" minus "#63" leaves "#27"), else the
whole original request, and :attr:`PartialCertification.remaining_derived` says so.

:func:`read_heading` is the one reader of headings: the item readers, enrichment (through the
record's ``partial_certification``) and validation's second reading all rely on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from schemas.letter import PartialCertification
from workers.extraction.fields import join_lines, sentence_spans

_I = re.IGNORECASE
_ACTOR = (
    r"(?:the\s+)?(?:claims\s+administrator|utilization\s+review(?:er)?|UR(?:\s+reviewer)?|"
    r"(?:claims\s+)?adjuster|carrier|insurer)"
)
_GRANTED = r"(?:partially\s+)?(?:authori[sz]ed|certified|approved|modified|allowed)"
_REQUEST = r"(?:the\s+)?(?:original(?:ly)?\s+)?(?:request(?:ed)?|requests)(?:\s+items?)?"
_ELIGIBLE = (
    r"(?:(?:as\s+)?IMR[\s-]+eligible|eligible\s+for\s+(?:IMR|independent\s+medical\s+review)"
    r"|(?:in|under)\s+dispute|for\s+IMR)"
)
_LEAVING = re.compile(rf",?\s+leaving\s+(?P<left>.+?)\s+{_ELIGIBLE}\s*$", _I)
_ORIGINAL_ITSELF = re.compile(r"^(?:the\s+)?(?:whole\s+|entire\s+)?original\s+request$", _I)
_REMAINDER_ITSELF = re.compile(
    r"^(?:the\s+)?(?:remaining\s+(?:portion|part|balance)|remainder|rest|balance)"
    r"(?:\s+of\s+the\s+(?:original\s+)?request)?$",
    _I,
)

# One clause of a partial-certification heading each; the named group holds the part.
_ORIGINAL_FORMS: Final = (
    re.compile(
        r"^(?P<part>.+?)\s+(?:was|were|is|are)\s+(?:the\s+original\s+(?:request(?:ed)?|requests)"
        r"(?:\s+items?)?|originally\s+requested)$",
        _I,
    ),
    re.compile(r"^(?:the\s+)?original\s+request\s+(?:was|is)\s+(?:for\s+)?(?P<part>.+)$", _I),
)
_ORIGINAL_LABEL: Final = re.compile(r"^(?:the\s+)?original\s+request\s*[:,-]\s*(?P<part>.+)$", _I)
_AUTHORIZED_FORMS: Final = (
    # "X was modified to Y by the Claims Administrator": Y is what UR allowed.
    re.compile(
        rf"^(?P<subject>.+?)\s+(?:was|were|has\s+been|have\s+been)\s+{_GRANTED}"
        rf"(?:\s+with\s+modifications?)?\s+(?:to|as)\s+(?P<part>.+?)(?:\s+by\s+{_ACTOR})?$",
        _I,
    ),
    re.compile(
        rf"^(?P<part>.+?)\s+(?:was|were|has\s+been|have\s+been)\s+{_GRANTED}"
        rf"(?:\s+with\s+modifications?)?(?:\s+by\s+{_ACTOR})?$",
        _I,
    ),
    # "The Claims Administrator authorized Y", "... modified the request to Y", "... certified
    # the request with modification to Y".
    re.compile(
        rf"^{_ACTOR}\s+(?:has\s+|had\s+)?{_GRANTED}(?:\s+{_REQUEST})?"
        rf"(?:\s+with\s+modifications?)?(?:\s+(?:to|for|as))?\s+(?P<part>.+)$",
        _I,
    ),
    re.compile(
        r"^(?:a\s+)?(?:partial|modified)\s+(?:certification|authori[sz]ation|approval)\s+"
        r"(?:was\s+(?:given|issued|made|rendered)\s+)?(?:for|of)\s+(?P<part>.+)$",
        _I,
    ),
    re.compile(
        r"^(?:authori[sz]ed|certified|approved)(?:\s+(?:portion|part))?\s*:\s*(?P<part>.+)$", _I
    ),
)
_REVIEWED_FORMS: Final = (
    re.compile(
        r"^(?:the\s+)?(?:(?:remaining|disputed|outstanding)(?:\s+IMR[\s-]+eligible)?|"
        r"IMR[\s-]+eligible)\s+(?:portion|part|balance|request)"
        r"(?:\s+of\s+the\s+(?:original\s+)?request)?(?:\s+(?:is|was))?(?:\s+for)?\s*[,:-]?\s*"
        r"(?P<part>.+)$",
        _I,
    ),
    re.compile(
        r"^(?:the\s+)?(?:remainder|balance)(?:\s+of\s+the\s+(?:original\s+)?request)?"
        r"(?:\s+(?:is|was))?(?:\s+for)?\s*[,:-]?\s*(?P<part>.+)$",
        _I,
    ),
    re.compile(rf"^(?P<part>.+?)\s+(?:remains?|is|was|are|were)\s+{_ELIGIBLE}$", _I),
)

PARTIAL_LANGUAGE: Final = re.compile(
    rf"\boriginal(?:ly)?\s+request|\b{_GRANTED}(?:\s+with\s+modifications?)?\s+by\s+{_ACTOR}"
    rf"|{_ACTOR}\s+(?:has\s+|had\s+)?{_GRANTED}\b|\bIMR[\s-]+eligible\b|\bremaining\s+portion\b"
    r"|\bwith\s+modifications?\b|\b(?:partial|modified)\s+certification\b",
    _I,
)
"""Words only a partial-certification heading uses."""

_NAMES_THE_REQUEST = re.compile(r"^(?:the\s+)?(?:original\s+)?request\b", _I)
_TRAILING_VERB = re.compile(r"\s*(?:\b(?:is|are)\s*)?:?\s*\Z", _I)
_NUMBER_WORDS: Final = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "eighteen": 18, "twenty": 20, "twenty-four": 24, "thirty": 30,
}  # fmt: skip
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[A-Za-z]+(?:-[A-Za-z]+)*|\S")


@dataclass(frozen=True, slots=True)
class Heading:
    """One decision heading as read by :func:`read_heading`."""

    treatment: str
    """The heading as written, whitespace collapsed (a partial certification keeps all its
    sentences, without the trailing "is")."""
    partial: PartialCertification | None
    speaks_of_partial: bool
    """The heading uses partial-certification words, whether or not its parts were read."""
    unread_sentences: int
    """Sentences of a partial-certification heading that belong to none of its three parts."""
    reviewed_guessed: bool = False
    """The letter neither names the reviewed portion nor gives numbers to derive it from, so
    the whole original request stands in for it."""


def read_heading(text: str) -> Heading:
    """Read a heading (the text before ": Upheld"/": Overturned", line breaks allowed)."""
    treatment = _TRAILING_VERB.sub("", join_lines(text))
    speaks = PARTIAL_LANGUAGE.search(treatment) is not None
    if not speaks:
        return Heading(treatment, None, False, 0)
    parts = _clauses(treatment)
    partial = _partial(parts)
    if partial is not None and any(
        PARTIAL_LANGUAGE.search(part) or _NAMES_THE_REQUEST.match(part)
        for part in (partial.original_request, partial.authorized, partial.remaining)
    ):
        parts.unread += 1  # a part that still speaks of the request was not read apart
    guessed = (
        partial is not None
        and partial.remaining_derived
        and parts.left is None
        and partial.remaining == partial.original_request
    )
    return Heading(treatment, partial, True, parts.unread, guessed)


def opens_with_original_request(text: str) -> bool:
    """Whether ``text`` starts with the original-request clause of a partial certification."""
    sentences = sentence_spans(join_lines(text), any_case=True)
    return bool(sentences) and _match_any(_ORIGINAL_FORMS, _clause(sentences[0].text)) is not None


@dataclass(slots=True)
class _Clauses:
    original: str | None = None
    authorized: str | None = None
    reviewed: str | None = None
    left: str | None = None
    """What a "leaving ... IMR eligible" clause names."""
    unread: int = 0


def _clauses(heading: str) -> _Clauses:
    found = _Clauses()
    for sentence in sentence_spans(heading, any_case=True):
        _assign(found, _clause(sentence.text))
    return found


def _clause(text: str) -> str:
    return _TRAILING_VERB.sub("", text.strip().rstrip(".").strip())


def _assign(found: _Clauses, clause: str) -> None:
    if not clause:
        return
    leaving = _LEAVING.search(clause)
    if leaving is not None:
        found.left = leaving.group("left")
        clause = clause[: leaving.start()].rstrip(" ,")
    original = _match_any(_ORIGINAL_FORMS, clause)
    if original is not None and found.original is None:
        found.original = original
        return
    label = _ORIGINAL_LABEL.match(clause)
    if label is not None:
        # "The original request, X": the request itself, or (after it was stated) what IMR
        # reviewed when the letter says the original request stayed eligible.
        if found.original is None:
            found.original = label.group("part")
        else:
            found.reviewed = label.group("part")
        return
    reviewed = _match_any(_REVIEWED_FORMS, clause)
    if reviewed is not None and found.reviewed is None:
        found.reviewed = reviewed
        return
    authorized = _match_any(_AUTHORIZED_FORMS, clause)
    if authorized is not None and found.authorized is None:
        found.authorized = authorized
        modified = _AUTHORIZED_FORMS[0].match(clause)
        if modified is not None and found.original is None:
            found.original = modified.group("subject")  # "X was modified to Y": X was requested
        return
    found.unread += 1


def _match_any(forms: tuple[re.Pattern[str], ...], clause: str) -> str | None:
    for form in forms:
        match = form.match(clause)
        if match is not None:
            part = match.group("part").strip(" ,:-")
            if part and not _ORIGINAL_ITSELF.match(part):
                return part
    return None


def _partial(found: _Clauses) -> PartialCertification | None:
    if found.original is None or found.authorized is None:
        return None
    reviewed = found.reviewed
    if reviewed is None and found.left is not None:
        if _ORIGINAL_ITSELF.match(found.left):
            reviewed = found.original
            return _certification(found.original, found.authorized, reviewed, derived=True)
        if not _REMAINDER_ITSELF.match(found.left):
            reviewed = found.left
    if reviewed is not None:
        return _certification(found.original, found.authorized, reviewed, derived=False)
    return _certification(
        found.original,
        found.authorized,
        remainder(found.original, found.authorized) or found.original,
        derived=True,
    )


def _certification(
    original: str, authorized: str, remaining: str, *, derived: bool
) -> PartialCertification:
    return PartialCertification(
        original_request=original,
        authorized=authorized,
        remaining=remaining,
        remaining_derived=derived,
    )


def reviews_whole_request(partial: PartialCertification) -> bool:
    """Whether IMR reviewed the whole original request rather than what UR left of it."""
    return _words(partial.remaining) == _words(partial.original_request)


def _words(text: str) -> list[str]:
    return [token.lower() for token in _TOKEN.findall(text)]


def remainder(original: str, authorized: str) -> str | None:
    """The original request less the authorized part, when the two differ in exactly one
    number and the original's is larger ("Norco #90" and "Norco #60" give "Norco #30");
    ``None`` otherwise."""
    first, second = _TOKEN.findall(original), _TOKEN.findall(authorized)
    if len(first) != len(second):
        return None
    differing = [
        index
        for index, (a, b) in enumerate(zip(first, second, strict=True))
        if a.lower() != b.lower()
    ]
    if len(differing) != 1:
        return None
    index = differing[0]
    total, part = _number(first[index]), _number(second[index])
    if total is None or part is None or part >= total:
        return None
    left = total - part
    match = list(_TOKEN.finditer(original))[index]
    written = str(int(left)) if left == int(left) else str(left)
    return original[: match.start()] + written + original[match.end() :]


def _number(token: str) -> float | None:
    if token[0].isdigit():
        return float(token)
    value = _NUMBER_WORDS.get(token.lower())
    return None if value is None else float(value)
