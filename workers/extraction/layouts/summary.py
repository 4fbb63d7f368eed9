"""The case summary's opening: the patient's age and sex and the date of injury it states."""

from __future__ import annotations

import re

from schemas.letter import ExtractionWarning, Patient
from workers.extraction.fields import (
    Evidence,
    Span,
    age_and_sex,
    find_dates,
    injury_date_in,
    sentence_spans,
)
from workers.extraction.layouts.crosscheck import date_mismatch
from workers.extraction.layouts.header import Header

# "The expert reviewer developed the following clinical case summary based on ... records:"
_INTRO = re.compile(r"\s*[^:]{0,250}\bsummary\b[^:]{0,200}:", re.IGNORECASE)
# Age and sex are looked for in this many sentences; later ones may speak of someone else.
_OPENING_SENTENCES = 4


def read_patient(
    summary: Span | None, evidence: Evidence, header: Header, warnings: list[ExtractionWarning]
) -> Patient:
    """Age and sex from the first sentence of ``summary`` (after its "... summary ...:"
    introduction) that states them: confidence 1.0 in the first sentence, 0.7 later.

    The opening (the first two sentences, or up to the one with age and sex) also states the
    date of injury: it fills ``header`` when the header has none (confidence 0.8), and a header
    date the opening does not mention adds ``header_narrative_mismatch``. A cumulative-trauma
    period states several dates, any of which may be the header's.
    """
    if summary is None:
        return Patient()
    intro = _INTRO.match(summary.text)
    skip = intro.end() if intro else 0
    sentences = sentence_spans(summary.text[skip:], summary.start + skip)[:_OPENING_SENTENCES]
    if not sentences:
        return Patient()
    patient = Patient()
    last = 1
    for index, sentence in enumerate(sentences):
        found = age_and_sex(sentence)
        if found is not None:
            confidence = 1.0 if index == 0 else 0.7
            evidence.add("patient.age", found.span, confidence)
            evidence.add("patient.sex", found.span, confidence)
            patient = Patient(age=found.age, sex=found.sex)
            last = max(last, index)
            break
    start, end = sentences[0].start, sentences[min(last, len(sentences) - 1)].end
    opening = Span(summary.text[start - summary.start : end - summary.start], start, end)
    _check_injury_date(opening, evidence, header, warnings)
    return patient


def _check_injury_date(
    opening: Span, evidence: Evidence, header: Header, warnings: list[ExtractionWarning]
) -> None:
    injury = injury_date_in(opening)
    if injury is None:
        return
    stated = header["date_of_injury"]
    if stated is None:
        header["date_of_injury"] = injury[0]
        evidence.add("date_of_injury", injury[1], 0.8)
    elif stated not in {value for value, _ in find_dates(opening.text)}:
        warnings.append(
            date_mismatch(
                "date_of_injury",
                "Date of Injury",
                stated,
                injury[0],
                narrative_source="case summary",
                kept="header",
            )
        )
