"""Field helpers shared by every layout parser.

All helpers are pure functions over strings or a :class:`Document`. Functions that locate text
return :class:`Span` objects whose offsets index ``Document.text``, so a parser can turn them into
provenance with :class:`Evidence`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from schemas.letter import Outcome, Provenance, Sex
from workers.extraction.document import Document

# --------------------------------------------------------------------------------------------
# Located text and provenance


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of document text and its ``[start, end)`` offsets in ``Document.text``."""

    text: str
    start: int
    end: int


@dataclass(slots=True)
class Evidence:
    """Collects per-field provenance and confidence while a parser fills a record.

    ``add(name, span, confidence)`` records where ``name`` was read; the two dicts go straight
    into ``LetterRecord``/``Item`` (``provenance=ev.provenance, confidence=ev.confidence``).
    """

    doc: Document
    provenance: dict[str, Provenance] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, span: Span | None, confidence: float = 1.0) -> None:
        """Record ``span`` as the source of field ``name``; ``None`` records nothing."""
        if span is None:
            return
        self.provenance[name] = self.doc.provenance(span.start, span.end)
        self.confidence[name] = round(confidence, 3)


def trimmed(doc: Document, start: int, end: int) -> Span:
    """``doc.text[start:end]`` without leading and trailing whitespace, as a span."""
    return _trimmed(doc.text[start:end], 0, end - start, start)


# --------------------------------------------------------------------------------------------
# Whitespace and sentences

_WS = re.compile(r"\s+")
# A hyphen that ends a line inside a word or URL ("Non-" / "MTUS", "Regulations-and-" / "Guidance").
_HYPHEN_BREAK = re.compile(r"(?<=[^\s-])-[ ]*\n\s*(?=\w)")


def collapse_ws(text: str) -> str:
    """Collapse every run of whitespace (including line breaks and form feeds) to one space."""
    return _WS.sub(" ", text).strip()


def join_lines(text: str) -> str:
    """Rejoin hyphens broken across lines (the hyphen is kept), then collapse whitespace."""
    return collapse_ws(_HYPHEN_BREAK.sub("-", text))


_ABBREVIATIONS = frozenset(
    {"dr", "mr", "mrs", "ms", "vs", "no", "nos", "pg", "pp", "p", "fig", "al", "approx", "etc"}
    | {"e.g", "i.e", "ed", "eds", "inc", "co", "corp", "st", "jr", "sr", "u.s"}
    | {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
)
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9])")
_CLAUSE_END = re.compile(r"[.!?][\"')\]]*(?=\s+[\"'(\[#]?[A-Za-z0-9])")


def sentence_spans(text: str, offset: int = 0, *, any_case: bool = False) -> list[Span]:
    """Split ``text`` into sentences (``offset`` is added to the returned offsets).

    A sentence ends at ``.``, ``!`` or ``?`` (plus closing quotes or brackets) followed by
    whitespace and a capital letter or digit (with ``any_case``, any letter: headings quote
    requests that start in lower case), unless the word before is a common abbreviation.
    """
    spans: list[Span] = []
    start = 0
    for match in (_CLAUSE_END if any_case else _SENTENCE_END).finditer(text):
        word = text[max(start, match.start() - 8) : match.start()].split()
        if word and word[-1].lower().lstrip("(") in _ABBREVIATIONS:
            continue
        end = match.end()
        spans.append(_trimmed(text, start, end, offset))
        start = end
    if text[start:].strip():
        spans.append(_trimmed(text, start, len(text), offset))
    return [span for span in spans if span.text]


def _trimmed(text: str, start: int, end: int, offset: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(text[start:end], start + offset, end + offset)


# --------------------------------------------------------------------------------------------
# Dates

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_NAME = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_NUMERIC_DATE = (
    r"(?:\d{1,2}\s*/\s*\d{1,2}\s*/\s*|\d{1,2}\s*-\s*\d{1,2}\s*-\s*)(?:\d{4}|\d{2})(?![\d/-])"
)
_MONTH_FIRST = _MONTH_NAME + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
_DAY_FIRST = r"\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTH_NAME + r",?\s+\d{4}"
DATE_PATTERN = rf"(?:{_NUMERIC_DATE}|{_MONTH_FIRST}|{_DAY_FIRST})"
"""Regex source for one date in any form :func:`parse_date` understands."""

_DATE = re.compile(rf"(?<![\w/-]){DATE_PATTERN}", re.IGNORECASE)
_NUMERIC_PARTS = re.compile(r"(\d{1,2})\s*([/-])\s*(\d{1,2})\s*\2\s*(\d{2}|\d{4})")
_WORD_PARTS = re.compile(r"[a-z]+|\d+", re.IGNORECASE)


def parse_date(text: str) -> date | None:
    """Parse one date: ``MM/DD/YYYY``, ``M/D/YY``, ``MM/DD/ YYYY``, ``M-D-YY``, ``July 13, 2009``,
    ``Jan. 9 2014`` or ``13 July 2009``. Returns ``None`` for anything else or impossible dates.
    A two-digit year is in this century unless that would put it after the current year.
    """
    text = text.strip()
    numeric = _NUMERIC_PARTS.fullmatch(text)
    try:
        if numeric:
            month, day, year = (int(numeric.group(n)) for n in (1, 3, 4))
            if len(numeric.group(4)) == 2:
                # A letter speaks of the past: a two-digit year is the latest one not ahead.
                year += 2000 if year <= date.today().year % 100 else 1900
            return date(year, month, day)
        parts = [p.lower() for p in _WORD_PARTS.findall(text) if p.lower() not in _ORDINALS]
        if len(parts) != 3:
            return None
        if parts[0] in _MONTHS:
            return date(int(parts[2]), _MONTHS[parts[0]], int(parts[1]))
        if parts[1] in _MONTHS:
            return date(int(parts[2]), _MONTHS[parts[1]], int(parts[0]))
    except ValueError:
        return None
    return None


_ORDINALS = frozenset({"st", "nd", "rd", "th"})


def find_dates(text: str, offset: int = 0) -> list[tuple[date, Span]]:
    """Every parseable date in ``text`` with its span (``offset`` added to the offsets)."""
    found: list[tuple[date, Span]] = []
    for match in _DATE.finditer(text):
        value = parse_date(match.group())
        if value is not None:
            found.append((value, Span(match.group(), match.start() + offset, match.end() + offset)))
    return found


# --------------------------------------------------------------------------------------------
# Header "Label: value" lookup


def label_pattern(label: str) -> str:
    """Regex source for a header label whose words may be split by spaces or line breaks; the
    label starts a word ("Dated:" is not found in "Updated:")."""
    return r"(?<!\w)" + r"\s+".join(re.escape(word) for word in label.split()) + r"\s*:"


def labelled_value(
    doc: Document, label: str, value: str = DATE_PATTERN, *, start: int = 0, end: int | None = None
) -> Span | None:
    """Find ``label:`` followed (across spaces or line breaks) by text matching ``value``.

    A two-word label wrapped around its value ("Application  01/03/2017" / "Received:") is
    found too, and so is a label alone on its line without a colon, with the value on the next
    line. ``value`` is a regex source; the returned span covers only the value. The search is
    limited to ``doc.text[start:end]`` and is case-insensitive.
    """
    stop = len(doc.text) if end is None else end
    match = re.compile(label_pattern(label) + r"\s*(" + value + r")", re.IGNORECASE).search(
        doc.text, start, stop
    )
    words = label.split()
    if match is None and len(words) > 1:
        # Column layouts can print a wrapped label's first word, the value, then the rest.
        interleaved = (
            r"(?<!\w)"
            + re.escape(words[0])
            + r"[ ]+("
            + value
            + r")\s+"
            + label_pattern(" ".join(words[1:]))
        )
        match = re.compile(interleaved, re.IGNORECASE).search(doc.text, start, stop)
    if match is None:
        # A table printed one cell per line may drop the colon: the label alone on its line.
        alone = r"(?:^|(?<=[\n\f]))[ ]*" + label_pattern(label).removesuffix(r"\s*:")
        alone += r"[ ]*\n[ ]*(" + value + r")"
        match = re.compile(alone, re.IGNORECASE | re.MULTILINE).search(doc.text, start, stop)
    if match is None:
        return None
    return Span(match.group(1), match.start(1), match.end(1))


def labelled_line(
    doc: Document, label: str, *, start: int = 0, end: int | None = None
) -> Span | None:
    """The rest of the line after ``label:`` (trailing spaces trimmed), or ``None``."""
    return labelled_value(doc, label, r"[^\n\f]*\S", start=start, end=end)


def labelled_date(
    doc: Document, label: str, *, start: int = 0, end: int | None = None
) -> tuple[date, Span] | None:
    """A labelled header date, parsed; ``None`` when absent or unparseable."""
    span = labelled_value(doc, label, start=start, end=end)
    if span is None:
        return None
    value = parse_date(span.text)
    return None if value is None else (value, span)


def header_dates(
    doc: Document, labels: Sequence[tuple[str, str]], *, start: int = 0, end: int | None = None
) -> dict[str, tuple[date, Span, float]]:
    """Header dates by field name: ``labels`` pairs field names with label text; a name may be
    listed with several labels, the first one found wins.

    A date right after its label has confidence 1.0. When text extraction printed labels first
    and values after them, some labels have no adjacent date; those labels and every label whose
    date lies after them are then paired in order with the dates following the first of them
    (confidence 0.7) if the counts agree, else their dates are kept with confidence 0.5.
    """
    stop = len(doc.text) if end is None else end
    marks: list[tuple[int, str]] = []
    found: dict[str, tuple[date, Span, float]] = {}
    for name, label in labels:
        if name in found:
            continue
        hit = labelled_date(doc, label, start=start, end=stop)
        if hit is not None:
            found[name] = (hit[0], hit[1], 1.0)
        mark = re.compile(label_pattern(label), re.IGNORECASE).search(doc.text, start, stop)
        if mark is not None:
            marks.append((mark.end(), name))
        elif hit is not None:
            marks.append((hit[1].start, name))
    orphans = sorted(position for position, name in marks if name not in found)
    if not orphans:
        return found
    block = sorted(
        (position, name)
        for position, name in marks
        if name not in found or found[name][1].start > orphans[-1]
    )
    in_block = {name for _, name in block}
    claimed = {span.start for name, (_, span, _) in found.items() if name not in in_block}
    free = [
        (value, span)
        for value, span in find_dates(doc.text[orphans[0] : stop], orphans[0])
        if span.start not in claimed
    ]
    if len(free) == len(block):
        for (_, name), (value, span) in zip(block, free, strict=True):
            found[name] = (value, span, 0.7)
    else:
        for _, name in block:
            if name in found:
                found[name] = (found[name][0], found[name][1], 0.5)
    return found


# --------------------------------------------------------------------------------------------
# Case summary: patient age and sex, date of injury

_AGE_SEX = re.compile(
    r"\b(?P<age>\d{1,3})[\s-]*(?:years?[\s-]*old|y/?o\b|y\.o\.)[\s,]+"
    r"(?:[\w-]+\s+){0,3}?(?P<sex>female|male|woman|man|gentleman|lady|girl|boy)\b",
    re.IGNORECASE,
)
_SEX_WORDS: dict[str, Sex] = {
    "female": "female",
    "woman": "female",
    "lady": "female",
    "girl": "female",
    "male": "male",
    "man": "male",
    "gentleman": "male",
    "boy": "male",
}


@dataclass(frozen=True, slots=True)
class AgeSex:
    age: int | None
    sex: Sex | None
    span: Span


def age_and_sex(sentence: Span) -> AgeSex | None:
    """Age and sex from a case-summary sentence ("a 57 year old female", "a now 46-year-old male").

    Returns ``None`` when the sentence states neither.
    """
    match = _AGE_SEX.search(sentence.text)
    if match is None:
        return None
    age = int(match.group("age"))
    return AgeSex(
        age=age if age <= 120 else None,
        sex=_SEX_WORDS[match.group("sex").lower()],
        span=Span(match.group(), sentence.start + match.start(), sentence.start + match.end()),
    )


_INJURY_CONTEXT = re.compile(
    r"\b(?:injur(?:y|ies|ed)|claim)\b[^.;]{0,60}?(?=" + DATE_PATTERN + ")", re.IGNORECASE
)


def injury_date_in(text: Span) -> tuple[date, Span] | None:
    """The first date stated as a date of injury or claim in ``text``.

    Matches "industrial injury on 10-11-2016", "date of injury of October 1, 2016",
    "industrial injury date of July 13, 2009", "occupational claim from 10/12/2016".
    """
    for context in _INJURY_CONTEXT.finditer(text.text):
        dates = find_dates(text.text[context.end() :], text.start + context.end())
        if dates and dates[0][1].start == text.start + context.end():
            return dates[0]
    return None


# --------------------------------------------------------------------------------------------
# Guideline fields

_DECISION_BASED_ON = re.compile(r"\bDecision\s+based\s+on\s+", re.IGNORECASE)
_NON_MTUS_LABEL = re.compile(r"^Non-?\s?MTUS\s+Citation:?\s*", re.IGNORECASE)
_OTHER_GUIDELINES = re.compile(r"\s+and\s+(?=Other Medical Treatment Guidelines\b)")
_SOURCE_JOIN = re.compile(r",\s+and\s+")
# Between two web addresses cited in one clause: "<url> and <url>", "<url>, <url>".
_URL_JOIN = re.compile(
    r"(?<=\S)(?<![,;])\s*(?:,|;|\band\b|,\s*and\b)\s*(?=(?:https?://|www\.)\S)", re.IGNORECASE
)
_ENDS_IN_URL = re.compile(r"(?:https?://|www\.)\S+\Z", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_TITLE_WORD = r"[A-Z][\w&/'()-]*(?:\s+(?:[A-Za-z&][\w&/'()-]*))*?"
# "<Title> <year>" after ", and ": a plain title, or an Oxford list title such as
# "Forearm, Wrist, and Hand Complaints".
_SOURCE_START = re.compile(
    rf"(?:{_TITLE_WORD}|{_TITLE_WORD}(?:,\s+{_TITLE_WORD})+,\s+and\s+{_TITLE_WORD})"
    r"\s+(?:19|20)\d{2}\b(?=[,.;:\s]|$)"
)
_BOILERPLATE = re.compile(
    r"did\s+not\s+cite\s+any|outside\s+of\s+the\s+MTUS|based\s+their\s+decision\s+on",
    re.IGNORECASE,
)


def split_guidelines(field_text: str) -> list[str]:
    """Split a guideline field into one citation string per cited source.

    Each ``Decision based on ...`` sentence gives one entry without the words "Decision based on",
    the "Non-MTUS Citation" label and its trailing full stop. Line breaks are joined (hyphens
    broken across lines are rejoined). An MTUS sentence joining sources with
    ``, and <Source> <year>`` becomes one ``MTUS ...`` entry per source (Oxford-list titles such
    as "Forearm, Wrist, and Hand Complaints" stay whole). A non-MTUS clause
    ``... and Other Medical Treatment Guidelines <ref>`` becomes two entries, and so does a
    clause citing two web addresses. "Did not cite" and
    "outside of the MTUS" sentences give nothing. A field without any "Decision based on" but
    with some other text gives that text as one entry.
    """
    text = join_lines(field_text)
    pieces = _DECISION_BASED_ON.split(text)
    head, sentences = pieces[0], pieces[1:]
    if not sentences:
        head = _strip_stop(head)
        return [head] if head and not _BOILERPLATE.search(head) else []
    entries: list[str] = []
    for sentence in sentences:
        sentence = _strip_stop(sentence)
        if not sentence:
            continue
        label = _NON_MTUS_LABEL.match(sentence)
        if label:
            for clause in _OTHER_GUIDELINES.split(sentence[label.end() :]):
                entries.extend(split_urls(clause))
        elif sentence.upper().startswith("MTUS "):
            entries.extend("MTUS " + source for source in split_mtus_sources(sentence[5:]))
        else:
            entries.append(sentence)
    return [entry for entry in entries if entry]


def split_urls(text: str) -> list[str]:
    """Split a clause that cites several web addresses ("<url> and <url>") into one entry per
    address; text before the first address stays with it."""
    parts: list[str] = []
    start = 0
    for join in _URL_JOIN.finditer(text):
        if _ENDS_IN_URL.search(text, start, join.start()):
            parts.append(text[start : join.start()])
            start = join.end()
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def split_mtus_sources(text: str) -> list[str]:
    """Split "A 2004, Section(s): x, and B 2016, Section(s): y" into its sources."""
    sources: list[str] = []
    start = 0
    for join in _SOURCE_JOIN.finditer(text):
        if join.start() < start:
            continue
        if _YEAR.search(text, start, join.start()) and _SOURCE_START.match(text, join.end()):
            sources.append(text[start : join.start()])
            start = join.end()
    sources.append(text[start:])
    return [source.strip() for source in sources if source.strip()]


def _strip_stop(text: str) -> str:
    text = text.strip()
    return text[:-1].rstrip() if text.endswith(".") else text


# --------------------------------------------------------------------------------------------
# Outcomes

_OUTCOME_WORDS: dict[str, Outcome] = {"upheld": "upheld", "overturned": "overturned"}
_NEGATION = r"\b(?:not|cannot|never|no\s+longer)\b"
_VERDICT = r"(?:necessary|warranted|indicated|supported|appropriate|recommended|certified)"
_NOT_NECESSARY = re.compile(
    rf"{_NEGATION}[^.;,]{{0,80}}?\bmedically\s+(?:necessary|appropriate|indicated|reasonable|warranted)"
    rf"|{_NEGATION}[^.;]{{0,40}}?\ba\s+medical\s+necessity\b"
    rf"|\bmedical(?:ly)?\s+necessity\b[^.;]{{0,60}}?{_NEGATION}[^.;]{{0,30}}?"
    r"\b(?:established|demonstrated|supported|met|shown)\b"
    rf"|\brequests?\b[^.;]{{0,80}}?\b(?:is|are|was|were|be)\s+not\s+{_VERDICT}\b"
    r"|\b(?:does|do|did)\s+not\s+meet\s+(?:the\s+)?medical\s+necessity\b"
    r"|\b(?:medically\s+)?unnecessary\b",
    re.IGNORECASE,
)
_NECESSARY = re.compile(
    r"\bmedically\s+(?:necessary|appropriate|indicated|reasonable|warranted)\b"
    r"|\b(?:is|are|was|were)\s+a\s+medical\s+necessity\b"
    r"|\bmedical\s+necessity\b[^.;]{0,60}?\b(?:is|has\s+been)\s+(?:established|demonstrated)\b"
    rf"|\brequests?\b[^.;]{{0,80}}?\b(?:is|are|was|were|be)\s+{_VERDICT}\b",
    re.IGNORECASE,
)


# Words of a medical-necessity verdict; the text layer sometimes runs them together
# ("notmedically", "isnot", "medicallynecessary").
_VERDICT_WORD = (
    r"(?:is|are|was|were|be|cannot|not|medically|necessary|appropriate|indicated|reasonable|"
    r"warranted|supported|recommended|certified|established)"
)
_JOINED_WORDS = re.compile(rf"\b{_VERDICT_WORD}{{2,}}\b", re.IGNORECASE)
_VERDICT_WORDS = re.compile(_VERDICT_WORD, re.IGNORECASE)


def unjoin_words(text: str) -> str:
    """Put back the spaces a text layer lost between the words of a verdict
    ("isnotmedically necessary" -> "is not medically necessary")."""
    return _JOINED_WORDS.sub(lambda match: " ".join(_VERDICT_WORDS.findall(match.group())), text)


def outcome_word(text: str) -> Outcome | None:
    """``"upheld"``/``"overturned"`` for the words Upheld/Overturned (any case), else ``None``."""
    return _OUTCOME_WORDS.get(text.strip().lower())


def sentence_outcome(sentence: str) -> Outcome | None:
    """The medical-necessity conclusion a sentence states, if any.

    "not medically necessary", "not medically appropriate", "not indicated as medically
    necessary", "not a medical necessity" -> ``"upheld"``; "is medically necessary",
    "medically necessary and appropriate" -> ``"overturned"``; a sentence that does not speak
    of medical necessity -> ``None``. Words run together by the text layer ("notmedically
    necessary") are read as separate words.
    """
    text = unjoin_words(collapse_ws(sentence))
    if _NOT_NECESSARY.search(text):
        return "upheld"
    return "overturned" if _NECESSARY.search(text) else None


def conclusion(text: str) -> tuple[Outcome, Span] | None:
    """The last sentence of ``text`` that states a medical-necessity conclusion, and its outcome.

    Sentences are scanned from the end, so a closing advisory (e.g. on opioid tapering) after
    the decision sentence is skipped. Span offsets are relative to ``text``.
    """
    for sentence in reversed(sentence_spans(text)):
        outcome = sentence_outcome(sentence.text)
        if outcome is not None:
            return outcome, sentence
    return None


# --------------------------------------------------------------------------------------------
# Reviewer


def split_states(text: str) -> list[str]:
    """ "Texas,New York, California" or "California and Texas" -> a list of trimmed names."""
    parts = re.split(r"\s*(?:,|;|\band\b|&)\s*", collapse_ws(text).rstrip("."))
    return [part.strip() for part in parts if part.strip()]
