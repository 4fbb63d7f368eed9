"""Shared field helpers: dates, header labels, case summary, guidelines, outcomes."""

from __future__ import annotations

from datetime import date

import pytest

from workers.extraction.document import Document
from workers.extraction.fields import (
    Evidence,
    Span,
    age_and_sex,
    conclusion,
    find_dates,
    header_dates,
    injury_date_in,
    join_lines,
    labelled_date,
    labelled_line,
    parse_date,
    sentence_outcome,
    sentence_spans,
    split_guidelines,
    split_states,
    trimmed,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01/09/2017", date(2017, 1, 9)),
        ("1/9/17", date(2017, 1, 9)),
        ("1/2/2010", date(2010, 1, 2)),
        ("5/6/45", date(1945, 5, 6)),
        ("12/3/98", date(1998, 12, 3)),
        ("01/03/ 2017", date(2017, 1, 3)),
        ("10-11-16", date(2016, 10, 11)),
        ("10/11-16", None),
        ("11-7-2016", date(2016, 11, 7)),
        ("7/4/98", date(1998, 7, 4)),
        ("July 13, 2009", date(2009, 7, 13)),
        ("Jan. 9 2014", date(2014, 1, 9)),
        ("September 1st, 2016", date(2016, 9, 1)),
        ("13 July 2009", date(2009, 7, 13)),
    ],
)
def test_parse_date_forms(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["13/31/2016", "02/30/2017", "Smarch 3, 2016", "2016", ""])
def test_parse_date_rejects_impossible_or_other_text(text: str) -> None:
    assert parse_date(text) is None


def test_find_dates_returns_values_and_offsets() -> None:
    text = "injured on 10-11-2016. Seen 12/14/2016 and on July 3, 2015; ratio 4-7/10."
    found = find_dates(text, offset=100)
    assert [value for value, _ in found] == [
        date(2016, 10, 11),
        date(2016, 12, 14),
        date(2015, 7, 3),
    ]
    _, span = found[1]
    assert text[span.start - 100 : span.end - 100] == "12/14/2016"


def test_labelled_values_across_line_breaks() -> None:
    doc = Document(
        "Priority: Standard Application\nReceived:\n01/03/2017\nCertification(s)/Specialty: "
        "Family Practice\nNext",
        (0,),
    )
    found = labelled_date(doc, "Application Received")
    assert found is not None
    assert found[0] == date(2017, 1, 3)
    assert doc.text[found[1].start : found[1].end] == "01/03/2017"
    specialty = labelled_line(doc, "Certification(s)/Specialty")
    assert specialty is not None
    assert specialty.text == "Family Practice"
    assert labelled_date(doc, "Decision Date") is None


def test_label_alone_on_its_line_without_colon() -> None:
    doc = Document("Case Number\nCM15-0012345\nDate of Injury\n1/2/2010\nUR Denial Date\n", (0,))
    found = labelled_date(doc, "Date of Injury")
    assert found is not None
    assert found[0] == date(2010, 1, 2)
    assert labelled_date(doc, "UR Denial Date") is None
    assert labelled_date(Document("the date of injury\n1/2/2010", (0,)), "Date of Injury") is None


def test_label_must_start_a_word() -> None:
    doc = Document("Updated: 01/02/2014\nDated: 01/09/2014\n", (0,))
    found = labelled_date(doc, "Dated")
    assert found is not None
    assert found[0] == date(2014, 1, 9)
    assert labelled_date(Document("Updated: 01/02/2014\n", (0,)), "Dated") is None


def test_label_wrapped_around_its_value() -> None:
    doc = Document("Priority:   Standard     Application     01/03/2017\n      Received:\n", (0,))
    found = labelled_date(doc, "Application Received")
    assert found is not None
    assert found[0] == date(2017, 1, 3)


HEADER_LABELS = (
    ("date_assigned", "Date Assigned"),
    ("date_of_injury", "Date of Injury"),
    ("decision_date", "Decision Date"),
)


def test_header_dates_next_to_their_labels() -> None:
    doc = Document("Date Assigned: 01/09/2017 Date of Injury: 10/11/2016\nDecision Date:", (0,))
    found = header_dates(doc, HEADER_LABELS)
    assert {name: (value, confidence) for name, (value, _, confidence) in found.items()} == {
        "date_assigned": (date(2017, 1, 9), 1.0),
        "date_of_injury": (date(2016, 10, 11), 1.0),
    }


def test_header_dates_alternative_labels() -> None:
    doc = Document("Date of UR Decision: 11/26/2013", (0,))
    labels = (("ur_denial_date", "UR Denial Date"), ("ur_denial_date", "Date of UR Decision"))
    found = header_dates(doc, labels)
    assert found["ur_denial_date"][0] == date(2013, 11, 26)


def test_header_dates_printed_after_all_labels_are_paired_in_order() -> None:
    doc = Document(
        "Date Assigned:\nDate of Injury:\nDecision Date:\n01/09/2017\n10/11/2016\n01/31/2017", (0,)
    )
    found = header_dates(doc, HEADER_LABELS)
    assert {name: (value, confidence) for name, (value, _, confidence) in found.items()} == {
        "date_assigned": (date(2017, 1, 9), 0.7),
        "date_of_injury": (date(2016, 10, 11), 0.7),
        "decision_date": (date(2017, 1, 31), 0.7),
    }


def test_header_dates_are_not_paired_when_counts_differ() -> None:
    doc = Document("Date Assigned:\nDate of Injury:\n01/09/2017", (0,))
    found = header_dates(doc, HEADER_LABELS)
    assert {name: (value, confidence) for name, (value, _, confidence) in found.items()} == {
        "date_of_injury": (date(2017, 1, 9), 0.5)
    }


@pytest.mark.parametrize(
    ("sentence", "age", "sex"),
    [
        ("The injured worker is a 57 year old female who sustained", 57, "female"),
        ("This case involves a now 46-year-old male with a history", 46, "male"),
        ("The applicant is a 45-year-old female who has filed a claim", 45, "female"),
        ("The injured worker is a(n) 59 year old female, who sustained", 59, "female"),
        ("The injured worker was a 29 year old male, who sustained", 29, "male"),
        ("This is a 55 y/o right-hand dominant female who", 55, "female"),
        ("Mr. X is a 63-year-old retired gentleman with", 63, "male"),
    ],
)
def test_age_and_sex(sentence: str, age: int, sex: str) -> None:
    found = age_and_sex(Span(sentence, 10, 10 + len(sentence)))
    assert found is not None
    assert (found.age, found.sex) == (age, sex)
    assert found.span.start >= 10


def test_age_and_sex_absent() -> None:
    assert age_and_sex(Span("Medical records were reviewed.", 0, 30)) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("who sustained an industrial injury on 10-11-2016. He is", date(2016, 10, 11)),
        ("associated with an industrial injury date of July 13, 2009.", date(2009, 7, 13)),
        ("with a reported date of injury of 10-18-2016.", date(2016, 10, 18)),
        ("with a history of an occupational claim from 10/12/2016.", date(2016, 10, 12)),
        ("is 40 and was seen on 12/01/2016.", None),
    ],
)
def test_injury_date_in(text: str, expected: date | None) -> None:
    found = injury_date_in(Span(text, 0, len(text)))
    assert (found[0] if found else None) == expected


def test_sentence_spans_skip_abbreviations_and_keep_offsets() -> None:
    text = "Per Dr. Smith, see pg. 64 of ACOEM. Therefore, the request is not medically necessary."
    spans = sentence_spans(text, offset=5)
    assert [s.text for s in spans] == [
        "Per Dr. Smith, see pg. 64 of ACOEM.",
        "Therefore, the request is not medically necessary.",
    ]
    assert spans[1].start == text.index("Therefore") + 5


def test_join_lines_rejoins_broken_hyphens_only() -> None:
    assert join_lines("Non-\nMTUS Citation and Regulations-and-\n Guidance") == (
        "Non-MTUS Citation and Regulations-and-Guidance"
    )
    assert join_lines("ODG Preface -\nPhysical") == "ODG Preface - Physical"


class TestSplitGuidelines:
    def test_drops_label_non_mtus_label_and_full_stop(self) -> None:
        text = (
            "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids. "
            "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Pain."
        )
        assert split_guidelines(text) == [
            "MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids",
            "Official Disability Guidelines (ODG) Pain",
        ]

    def test_did_not_cite_gives_nothing(self) -> None:
        text = "The Claims Administrator did not cite any medical evidence for its decision."
        assert split_guidelines(text) == []

    def test_outside_of_mtus_sentence_is_dropped(self) -> None:
        text = (
            "The Expert Reviewer based their decision on recommendation(s) outside \nof the MTUS "
            "Guidelines. Decision based on Non-MTUS Citation ODG Knee, MRI."
        )
        assert split_guidelines(text) == ["ODG Knee, MRI"]

    def test_mtus_sources_joined_with_and_are_split_and_prefixed(self) -> None:
        text = (
            "Decision based on MTUS General Approaches 2004, Section(s): Initial Approaches to "
            "Treatment, and Neck and Upper Back Complaints \n2004, Section(s): Summary."
        )
        assert split_guidelines(text) == [
            "MTUS General Approaches 2004, Section(s): Initial Approaches to Treatment",
            "MTUS Neck and Upper Back Complaints 2004, Section(s): Summary",
        ]

    def test_forearm_wrist_and_hand_title_is_not_split(self) -> None:
        text = (
            "Decision based on MTUS Shoulder Complaints 2004, Section(s): Initial Care, Follow-up "
            "Visits, and Forearm, Wrist, and Hand Complaints 2004, Section(s): Physical Methods, "
            "and Low Back Complaints 2004, Section(s): Initial Care, Physical Methods."
        )
        assert split_guidelines(text) == [
            "MTUS Shoulder Complaints 2004, Section(s): Initial Care, Follow-up Visits",
            "MTUS Forearm, Wrist, and Hand Complaints 2004, Section(s): Physical Methods",
            "MTUS Low Back Complaints 2004, Section(s): Initial Care, Physical Methods",
        ]

    def test_section_lists_ending_in_and_are_not_split(self) -> None:
        text = "Decision based on MTUS Knee Complaints 2004, Section(s): Summary, and Algorithms."
        assert split_guidelines(text) == [
            "MTUS Knee Complaints 2004, Section(s): Summary, and Algorithms"
        ]

    def test_other_medical_treatment_guidelines_becomes_second_entry(self) -> None:
        text = (
            "Decision based on Non-\nMTUS Citation ODG Low Back, Epidural Steroid Injection (ESI) "
            "and Other Medical Treatment Guidelines www.mdguidelines.com."
        )
        assert split_guidelines(text) == [
            "ODG Low Back, Epidural Steroid Injection (ESI)",
            "Other Medical Treatment Guidelines www.mdguidelines.com",
        ]

    def test_non_mtus_clause_with_commas_and_inner_stops_stays_whole(self) -> None:
        text = (
            "Decision based on Non-MTUS Citation ODG Low Back, Physical Therapy. Official "
            "Disability Guidelines (ODG) Physical Therapy Guidelines, and UpToDate."
        )
        assert split_guidelines(text) == [
            "ODG Low Back, Physical Therapy. Official Disability Guidelines (ODG) Physical "
            "Therapy Guidelines, and UpToDate"
        ]

    def test_url_broken_at_hyphen_is_rejoined(self) -> None:
        text = (
            "Decision based on Non-MTUS Citation Other Medical Treatment Guidelines "
            "https://www.cms.gov/Regulations-and-\nGuidance/Transmittals/R148CIM.pdf."
        )
        assert split_guidelines(text) == [
            "Other Medical Treatment Guidelines "
            "https://www.cms.gov/Regulations-and-Guidance/Transmittals/R148CIM.pdf"
        ]

    def test_2014_page_citation(self) -> None:
        text = (
            "Decision based on MTUS Chronic Pain Treatment Guidelines Physical \n"
            "Medicine Page(s): 98-99.  "
        )
        assert split_guidelines(text) == [
            "MTUS Chronic Pain Treatment Guidelines Physical Medicine Page(s): 98-99"
        ]


@pytest.mark.parametrize(
    ("sentence", "outcome"),
    [
        ("Therefore, the request is not medically necessary.", "upheld"),
        ("The request is determined to not be medically necessary.", "upheld"),
        ("the request is not medically appropriate.", "upheld"),
        ("The request is not indicated as medically necessary.", "upheld"),
        ("The request is not a medical necessity.", "upheld"),
        ("The MRI cannot be considered medically necessary per the guidelines.", "upheld"),
        (
            "the MRI is not supported by the provided records as being medically necessary.",
            "upheld",
        ),
        ("As such the request is not necessary.", "upheld"),
        ("Therefore, this request for right knee MRI is medically necessary.", "overturned"),
        ("The request is medically necessary and appropriate.", "overturned"),
        ("Therefore, the request is notmedically necessary.", "upheld"),
        ("The request isnotmedically necessary and appropriate.", "upheld"),
        ("The request is medicallynecessary.", "overturned"),
        (
            "Although the patient has not returned to work, the request is medically necessary.",
            "overturned",
        ),
        ("The medical necessity of the request has been established.", "overturned"),
        ("The request does not meet medical necessity guidelines.", "upheld"),
        ("The requested Diclofenac ER 100mg #60 is not seen as medically necessary.", "upheld"),
        ("Medical necessity for the request has not been established.", "upheld"),
        ("It does not satisfy guidelines and does not appear medically necessary.", "upheld"),
        ("The request does appear to be medically necessary.", "overturned"),
        ("This decision addresses the medical necessity of the request.", None),
        ("This medical necessity decision should not be interpreted as a recommendation.", None),
        ("The patient has pain rated 7/10.", None),
    ],
)
def test_sentence_outcome(sentence: str, outcome: str | None) -> None:
    assert sentence_outcome(sentence) == outcome


def test_conclusion_skips_closing_advisory() -> None:
    text = (
        "Given the above, the request for Synapryn is not medically necessary. This medical "
        "necessity decision should not be interpreted as a recommendation to stop opioids. "
        "The physician is advised to consult the guidelines on weaning."
    )
    found = conclusion(text)
    assert found is not None
    assert found[0] == "upheld"
    assert found[1].text.startswith("Given the above")


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        (
            "Guidelines do not support it when medically necessary goals are absent. In this\n"
            "case, the request is\nmedically necessary.",
            "overturned",
        ),
        (
            "Norco is not medically necessary. This decision addresses the medical necessity of "
            "opioids as they have been prescribed to this patient.",
            "upheld",
        ),
        ("Guidelines recommend a short course only.", None),
        ("", None),
    ],
)
def test_conclusion_is_the_last_sentence_that_states_one(text: str, outcome: str | None) -> None:
    found = conclusion(text)
    assert (None if found is None else found[0]) == outcome


def test_trimmed_span_keeps_document_offsets() -> None:
    doc = Document("label:  value \n", (0,))
    assert trimmed(doc, 6, len(doc.text)) == Span("value", 8, 13)


def test_split_states() -> None:
    assert split_states("Texas,New York, California") == ["Texas", "New York", "California"]
    assert split_states("California and Nevada.") == ["California", "Nevada"]


def test_evidence_records_page_and_confidence() -> None:
    doc = Document("page one\fpage two", (0, 9))
    evidence = Evidence(doc)
    evidence.add("field", Span("two", 14, 17), 0.75)
    evidence.add("missing", None)
    assert evidence.provenance["field"].page == 2
    assert evidence.confidence == {"field": 0.75}
