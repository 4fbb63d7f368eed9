"""The case summary's opening: patient age and sex, and the injury date checked against the
header."""

from __future__ import annotations

from datetime import date

from schemas.letter import ExtractionWarning, Patient
from workers.extraction.document import Document
from workers.extraction.fields import Evidence, Span
from workers.extraction.layouts.header import Header
from workers.extraction.layouts.summary import read_patient


def _header(injury: date | None) -> Header:
    return Header(
        case_number=None,
        priority=None,
        date_assigned=None,
        date_of_injury=injury,
        decision_date=None,
        ur_denial_date=None,
        application_received=None,
    )


def _read(text: str, header: Header) -> tuple[Evidence, list[ExtractionWarning], Patient]:
    doc = Document(text, (0,))
    evidence = Evidence(doc)
    warnings: list[ExtractionWarning] = []
    patient = read_patient(Span(text, 0, len(text)), evidence, header, warnings)
    return evidence, warnings, patient


def test_introduction_is_skipped_and_injury_date_fills_a_missing_header() -> None:
    text = (
        "The expert reviewer developed the following clinical case summary based on a review "
        "of the case file: The injured worker is a 61 year old male who sustained an industrial "
        "injury on 1/2/2010. He has neck pain."
    )
    header = _header(None)
    evidence, warnings, patient = _read(text, header)
    assert (patient.age, patient.sex) == (61, "male")
    assert evidence.confidence["patient.age"] == 1.0
    assert header["date_of_injury"] == date(2010, 1, 2)
    assert evidence.confidence["date_of_injury"] == 0.8
    assert warnings == []


def test_age_in_a_later_sentence_has_lower_confidence() -> None:
    text = "Records were reviewed. The claim was accepted. The patient is a 45-year-old female."
    evidence, _, patient = _read(text, _header(None))
    assert (patient.age, patient.sex) == (45, "female")
    assert evidence.confidence["patient.age"] == 0.7


def test_injury_date_differing_from_the_header_is_a_warning() -> None:
    text = "The patient is a 50 year old woman with an industrial injury on 03/04/2012."
    header = _header(date(2012, 4, 3))
    _, warnings, _ = _read(text, header)
    assert header["date_of_injury"] == date(2012, 4, 3)
    assert [(w.code, w.field) for w in warnings] == [
        ("header_narrative_mismatch", "date_of_injury")
    ]
