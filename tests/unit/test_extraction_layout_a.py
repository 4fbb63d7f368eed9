"""Layout A parsing: header variants, items and the letter quirks seen in real letters."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from schemas.letter import LetterRecord
from workers.extraction import (
    ExtractionError,
    NotALetterError,
    UnknownLayoutError,
    extract,
    extract_document,
)
from workers.extraction.text_layer import document_from_pages

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "letters"
SEED = REPO.parent / "shared" / "seed" / "imr-letter-seed.txt"

HEADER_2016 = """Case Number: CM17-0001234
Date Assigned: 01/09/2017 Date of Injury: 10/11/2016
Decision Date: 01/31/2017 UR Denial Date: 12/27/2016
Priority: Standard Application
Received:
01/03/2017
HOW THE IMR FINAL DETERMINATION WAS MADE
MAXIMUS Federal Services sent the complete case file to an expert reviewer.
The Expert Reviewer has the following credentials:
State(s) of Licensure: Texas,New York, California
Certification(s)/Specialty: Preventive Medicine, Occupational Medicine, Public Health &
General Preventive Medicine
CLINICAL CASE SUMMARY
The expert reviewer developed the following clinical case summary based on a review of the
case file, including all medical records:
The injured worker is a 41 year old male who sustained an industrial injury on 10-11-2016. He is
being treated for low back strain. Utilization review dated 12-27-2016 denied the request.
IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:"""

CA_MTUS = (
    "Claims Administrator guideline: Decision based on MTUS Low Back Complaints 2004, \n"
    "Section(s): Special Studies."
)
MAXIMUS_ODG = (
    "MAXIMUS guideline: The Expert Reviewer based their decision on recommendation(s) outside \n"
    "of the MTUS Guidelines. Decision based on Non-\nMTUS Citation ODG Low Back, MRI."
)
NOT_NECESSARY = "Decision rationale: Red flags are absent. The request is not medically\nnecessary."
NECESSARY = "Decision rationale: Red flags are present. The request is medically necessary."


def _letter(*pages: str) -> LetterRecord:
    return extract_document(document_from_pages(list(pages)))


def _body(*parts: str) -> str:
    return HEADER_2016 + "\n" + "\n".join(parts)


class TestHeader2016:
    def test_header_reviewer_and_patient(self) -> None:
        record = _letter(
            _body("MRI of the lumbar spine: Upheld", CA_MTUS, MAXIMUS_ODG, NOT_NECESSARY)
        )
        assert record.layout == "A-2016"
        assert record.case_number == "CM17-0001234"
        assert record.date_assigned == date(2017, 1, 9)
        assert record.date_of_injury == date(2016, 10, 11)
        assert record.decision_date == date(2017, 1, 31)
        assert record.ur_denial_date == date(2016, 12, 27)
        assert record.application_received == date(2017, 1, 3)
        assert record.priority == "Standard"
        assert record.patient.age == 41
        assert record.patient.sex == "male"
        assert record.reviewer.license_states == ["Texas", "New York", "California"]
        assert record.reviewer.specialty == (
            "Preventive Medicine, Occupational Medicine, Public Health & General Preventive "
            "Medicine"
        )
        assert record.warnings == []

    def test_wrapped_licence_list(self) -> None:
        body = _body("MRI: Upheld", CA_MTUS, MAXIMUS_ODG, NOT_NECESSARY).replace(
            "Texas,New York, California\n", "Texas,New York,\nCalifornia, Nevada\n"
        )
        assert _letter(body).reviewer.license_states == [
            "Texas",
            "New York",
            "California",
            "Nevada",
        ]

    def test_provenance_points_at_the_value(self) -> None:
        record = _letter(
            _body("MRI of the lumbar spine: Upheld", CA_MTUS, MAXIMUS_ODG, NOT_NECESSARY)
        )
        text = HEADER_2016
        where = record.provenance["application_received"]
        assert text[where.start : where.end] == "01/03/2017"
        assert where.page == 1
        item = record.items[0]
        body = _body("MRI of the lumbar spine: Upheld", CA_MTUS, MAXIMUS_ODG, NOT_NECESSARY)
        assert body[item.provenance["treatment"].start : item.provenance["treatment"].end] == (
            "MRI of the lumbar spine"
        )
        assert body[item.provenance["outcome"].start : item.provenance["outcome"].end] == "Upheld"

    def test_header_printed_as_labels_then_values(self) -> None:
        scrambled = (
            "Case Number:\nDate Assigned:\nDecision Date:\nPriority:\n\nCM17-0001234\n01/09/2017\n"
            "01/31/2017\nStandard\n\nDate of Injury:\nUR Denial Date:\nApplication\nReceived:\n\n"
            "10/11/2016\n12/27/2016\n01/03/2017\n"
        )
        body = _body("MRI: Upheld", CA_MTUS, MAXIMUS_ODG, NOT_NECESSARY)
        record = _letter(scrambled + body[body.index("HOW THE IMR") :])
        assert record.case_number == "CM17-0001234"
        assert record.priority == "Standard"
        assert (record.date_assigned, record.decision_date) == (date(2017, 1, 9), date(2017, 1, 31))
        assert (record.date_of_injury, record.ur_denial_date) == (
            date(2016, 10, 11),
            date(2016, 12, 27),
        )
        assert record.application_received == date(2017, 1, 3)
        assert record.confidence["date_assigned"] < 1.0

    def test_narrative_disagreeing_with_header_is_a_warning_and_header_wins(self) -> None:
        body = _body("MRI: Upheld", CA_MTUS, MAXIMUS_ODG, NOT_NECESSARY)
        body = body.replace("industrial injury on 10-11-2016", "industrial injury on 10-01-2016")
        body = body.replace("dated 12-27-2016 denied", "dated 12-22-2016 denied")
        record = _letter(body)
        assert record.date_of_injury == date(2016, 10, 11)
        assert record.ur_denial_date == date(2016, 12, 27)
        assert {(w.code, w.field) for w in record.warnings} == {
            ("header_narrative_mismatch", "date_of_injury"),
            ("header_narrative_mismatch", "ur_denial_date"),
        }

    def test_cumulative_trauma_period_ending_on_header_date_is_no_disagreement(self) -> None:
        body = _body("MRI: Upheld", CA_MTUS, MAXIMUS_ODG, NOT_NECESSARY).replace(
            "industrial injury on 10-11-2016",
            "cumulative industrial injury from 01-01-2010 through 10-11-2016",
        )
        assert _letter(body).warnings == []


class TestItems:
    def test_items_in_order_with_outcomes_citations_and_rationale(self) -> None:
        record = _letter(
            _body(
                "MRI of the lumbar spine: Upheld",
                CA_MTUS,
                MAXIMUS_ODG,
                NOT_NECESSARY,
                "Physical therapy, 6 sessions: Overturned",
                "Claims Administrator guideline: The Claims Administrator did not cite any "
                "medical\nevidence for its decision.",
                "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016, "
                "Section(s): Physical medicine treatment.",
                NECESSARY,
            )
        )
        first, second = record.items
        assert (first.treatment, first.outcome) == ("MRI of the lumbar spine", "upheld")
        assert [c.raw for c in first.claims_administrator_guidelines] == [
            "MTUS Low Back Complaints 2004, Section(s): Special Studies"
        ]
        assert [c.raw for c in first.reviewer_guidelines] == ["ODG Low Back, MRI"]
        assert first.rationale == "Red flags are absent. The request is not medically necessary."
        assert (second.treatment, second.outcome) == ("Physical therapy, 6 sessions", "overturned")
        assert second.claims_administrator_guidelines == []
        assert second.rationale.endswith("The request is medically necessary.")

    def test_wrapped_outcome_and_inner_colon(self) -> None:
        record = _letter(
            _body(
                "Voltaren gel 4 times a day, #60 grams with 1 refill, DOS: 11/11/2016:\nUpheld",
                CA_MTUS,
                MAXIMUS_ODG,
                NOT_NECESSARY,
                "Lidoderm patch, #1 box with 1 refill, DOS:\n11/11/2016: Upheld",
                CA_MTUS,
                MAXIMUS_ODG,
                NOT_NECESSARY,
            )
        )
        assert [item.treatment for item in record.items] == [
            "Voltaren gel 4 times a day, #60 grams with 1 refill, DOS: 11/11/2016",
            "Lidoderm patch, #1 box with 1 refill, DOS: 11/11/2016",
        ]

    def test_outcome_word_glued_to_next_field_and_heading_glued_to_intro(self) -> None:
        body = _body(
            "MRI of the left shoulder: Upheld", CA_MTUS, MAXIMUS_ODG, NOT_NECESSARY
        ).replace("set forth below:\nMRI", "set forth below:MRI")
        body += (
            "\nConsult with hip replacement specialist to evaluate for a total hip arthroplasty:"
        )
        body += "\nOverturned" + CA_MTUS + "\n" + MAXIMUS_ODG + "\n" + NECESSARY
        record = _letter(body)
        assert [(i.treatment, i.outcome) for i in record.items] == [
            ("MRI of the left shoulder", "upheld"),
            (
                "Consult with hip replacement specialist to evaluate for a total hip arthroplasty",
                "overturned",
            ),
        ]

    def test_outcome_word_without_colon(self) -> None:
        record = _letter(
            _body("MRI of the lumbar spine Upheld", CA_MTUS, MAXIMUS_ODG, NOT_NECESSARY)
        )
        assert (record.items[0].treatment, record.items[0].outcome) == (
            "MRI of the lumbar spine",
            "upheld",
        )

    def test_partial_certification_across_a_page_break(self) -> None:
        page_one = _body(
            "MRI: Upheld",
            CA_MTUS,
            MAXIMUS_ODG,
            NOT_NECESSARY,
            "Physical therapy to the lumbar spine 2 times a week for 3 weeks (6) was the original\n"
            "request. Physical therapy to the lumbar spine 2 times a week for 1 week (2) was "
            "authorized",
        )
        page_two = "\n".join(
            (
                "by the Claims Administrator. The remaining IMR eligible portion of the original\n"
                "request, Physical therapy to the lumbar spine 2 times a week for 2 weeks (4) is: "
                "Upheld",
                CA_MTUS,
                MAXIMUS_ODG,
                NOT_NECESSARY,
            )
        )
        record = _letter(page_one, page_two)
        item = record.items[1]
        assert item.treatment == (
            "Physical therapy to the lumbar spine 2 times a week for 3 weeks (6) was the original "
            "request. Physical therapy to the lumbar spine 2 times a week for 1 week (2) was "
            "authorized by the Claims Administrator. The remaining IMR eligible portion of the "
            "original request, Physical therapy to the lumbar spine 2 times a week for 2 weeks (4)"
        )
        assert item.partial_certification is not None
        assert item.partial_certification.remaining == (
            "Physical therapy to the lumbar spine 2 times a week for 2 weeks (4)"
        )
        assert item.provenance["treatment"].page == 1
        assert item.provenance["outcome"].page == 2

    @pytest.mark.parametrize(
        ("rationale", "heading", "ending"),
        [
            (
                NOT_NECESSARY.rstrip("."),
                "Lidoderm patch, #1 box with 1 refill, DOS:\n11/11/2016",
                "is not medically necessary",
            ),
            (
                "Decision rationale: Red flags are absent and the criteria of the guideline for "
                "the\nrequested imaging are not met on this record, so the request is\ndenied",
                "Lidoderm patch 5% #30",
                "so the request is denied",
            ),
            (
                "Decision rationale: Red flags are absent and the criteria of the guideline for "
                "the\nrequested imaging are not met, therefore the request for the MRI is not "
                "supported",
                "Lidoderm patch 5% #30",
                "the request for the MRI is not supported",
            ),
        ],
        ids=["necessity", "short-last-line", "verdict"],
    )
    def test_rationale_without_final_full_stop_before_next_heading(
        self, rationale: str, heading: str, ending: str
    ) -> None:
        first = ("MRI of the lumbar spine: Upheld", CA_MTUS, MAXIMUS_ODG, rationale)
        second = (heading + ": Upheld", CA_MTUS, MAXIMUS_ODG, NOT_NECESSARY)
        record = _letter(_body(*first, *second))
        one, two = record.items
        assert one.treatment == "MRI of the lumbar spine"
        assert one.rationale.endswith(ending)
        assert two.treatment == " ".join(heading.split())

    def test_plural_section_and_field_labels(self) -> None:
        body = _body(
            "MRI of the lumbar spine: Upheld",
            CA_MTUS.replace("guideline:", "Guideline(s):"),
            MAXIMUS_ODG.replace("guideline:", "Guideline(s):"),
            NOT_NECESSARY,
        ).replace(
            "IMR ISSUES, DECISIONS AND RATIONALES", "IMR ISSUE(S), DECISION(S) AND RATIONALE(S)"
        )
        item = _letter(body).items[0]
        assert item.treatment == "MRI of the lumbar spine"
        assert [c.raw for c in item.claims_administrator_guidelines] == [
            "MTUS Low Back Complaints 2004, Section(s): Special Studies"
        ]
        assert [c.raw for c in item.reviewer_guidelines] == ["ODG Low Back, MRI"]

    def test_item_without_claims_administrator_field(self) -> None:
        record = _letter(
            _body(
                "MRI of the lumbar spine: Upheld",
                MAXIMUS_ODG,
                NOT_NECESSARY,
                "Physical therapy, 6 sessions: Overturned",
                CA_MTUS,
                MAXIMUS_ODG,
                NECESSARY,
            )
        )
        first, second = record.items
        assert first.treatment == "MRI of the lumbar spine"
        assert first.claims_administrator_guidelines == []
        assert [c.raw for c in first.reviewer_guidelines] == ["ODG Low Back, MRI"]
        assert (second.treatment, second.outcome) == ("Physical therapy, 6 sessions", "overturned")

    def test_closing_matter_after_the_last_rationale_is_not_rationale(self) -> None:
        record = _letter(
            _body("MRI: Upheld", CA_MTUS, MAXIMUS_ODG, NOT_NECESSARY, "APPEAL RIGHTS", "You may...")
        )
        assert record.items[0].rationale.endswith("The request is not medically necessary.")

    def test_copies_and_signature_after_the_last_rationale_are_not_rationale(self) -> None:
        record = _letter(
            _body(
                "MRI: Upheld",
                CA_MTUS,
                MAXIMUS_ODG,
                NOT_NECESSARY,
                "cc: Department of Industrial Relations",
                "Claims Administrator",
            )
        )
        assert record.items[0].rationale.endswith("The request is not medically necessary.")

    def test_capitals_line_inside_the_last_rationale_is_kept(self) -> None:
        rationale = (
            "Decision rationale: The guideline titled\nCHRONIC PAIN MEDICAL TREATMENT GUIDELINES\n"
            "does not support it. The request is not medically necessary."
        )
        record = _letter(_body("MRI: Upheld", CA_MTUS, MAXIMUS_ODG, rationale))
        assert record.items[0].rationale.endswith("The request is not medically necessary.")

    def test_item_without_any_outcome_is_not_guessed(self) -> None:
        rationale = "Decision rationale: The records were reviewed."
        with pytest.raises(UnknownLayoutError):
            _letter(_body("MRI of the lumbar spine", CA_MTUS, MAXIMUS_ODG, rationale))

    def test_rationale_contradicting_heading_keeps_heading_and_warns(self) -> None:
        record = _letter(
            _body("MRI of the lumbar spine: Overturned", CA_MTUS, MAXIMUS_ODG, NOT_NECESSARY)
        )
        assert record.items[0].outcome == "overturned"
        assert [(w.code, w.field) for w in record.warnings] == [
            ("outcome_rationale_mismatch", "items[0].outcome")
        ]
        assert record.items[0].confidence["outcome"] < 1.0

    def test_rationale_ending_in_an_advisory_agrees_with_heading(self) -> None:
        rationale = (
            "Decision rationale: Given the above, the request is not medically necessary. This "
            "medical necessity decision should not be interpreted as a recommendation to stop "
            "opioids abruptly."
        )
        record = _letter(_body("Norco 10/325mg #60: Upheld", CA_MTUS, MAXIMUS_ODG, rationale))
        assert record.warnings == []


class TestVariants:
    def test_a2014_prose_reviewer(self) -> None:
        body = _body("MRI: Upheld", CA_MTUS, MAXIMUS_ODG, NOT_NECESSARY)
        header_end = body.index("CLINICAL CASE SUMMARY")
        prose = (
            "Case Number: CM14-0001234 Date Assigned: 03/04/2014\n"
            "HOW THE IMR FINAL DETERMINATION WAS MADE\nThe expert reviewer is Board Certified in "
            "Occupational Medicine and is licensed to practice in California and Nevada.\n"
        )
        record = _letter(prose + body[header_end:])
        assert record.layout == "A-2014"
        assert record.case_number == "CM14-0001234"
        assert record.decision_date is None
        assert record.priority is None
        assert record.reviewer.specialty == "Occupational Medicine"
        assert record.reviewer.license_states == ["California", "Nevada"]

    @pytest.mark.parametrize(
        ("prose", "specialty", "states"),
        [
            (
                "The expert reviewer is Board Certified in Orthopedic Surgery, has a subspecialty "
                "in Sports\nMedicine and is licensed to practice in California and Texas.",
                "Orthopedic Surgery, Sports Medicine",
                ["California", "Texas"],
            ),
            (
                "The expert reviewer is Board Certified in Internal Medicine. He/she is licensed "
                "to practice\nin California, Arizona and Nevada.",
                "Internal Medicine",
                ["California", "Arizona", "Nevada"],
            ),
            (
                "The expert reviewer is certified by the American Board of Psychiatry and "
                "Neurology in\nPsychiatry and is licensed to practice medicine in the state of "
                "Oregon.",
                "Psychiatry",
                ["Oregon"],
            ),
        ],
    )
    def test_a2014_reviewer_prose_forms(
        self, prose: str, specialty: str, states: list[str]
    ) -> None:
        body = _body("MRI: Upheld", CA_MTUS, MAXIMUS_ODG, NOT_NECESSARY)
        header = "Case Number: CM14-0001234 Date Assigned: 03/04/2014\n"
        how_made = "HOW THE IMR FINAL DETERMINATION WAS MADE\n" + prose + "\n"
        record = _letter(header + how_made + body[body.index("CLINICAL CASE SUMMARY") :])
        assert record.layout == "A-2014"
        assert (record.reviewer.specialty, record.reviewer.license_states) == (specialty, states)

    def test_a2014_header_table_printed_one_cell_per_line(self) -> None:
        header = (
            "Dated: 04/30/2015\nIMR Case Number:\nCM15-0012345\nDate of Injury\n1/2/2010\n"
            "Date Assigned\n4/1/2015\nUR Denial Date:\n3/2/15\nPriority:\nStandard\n"
            "HOW THE IMR FINAL DETERMINATION WAS MADE\nThe expert reviewer is Board Certified "
            "in Anesthesiology and is licensed to practice in California.\n"
        )
        body = _body("MRI: Upheld", CA_MTUS, MAXIMUS_ODG, NOT_NECESSARY)
        record = _letter(header + body[body.index("CLINICAL CASE SUMMARY") :])
        assert record.layout == "A-2014"
        assert (record.case_number, record.priority) == ("CM15-0012345", "Standard")
        assert record.date_of_injury == date(2010, 1, 2)
        assert record.date_assigned == date(2015, 4, 1)
        assert record.ur_denial_date == date(2015, 3, 2)
        assert record.decision_date == date(2015, 4, 30)

    def test_lower_case_word_in_the_header_is_not_a_priority(self) -> None:
        header = (
            "Case Number: CM14-0001234 Date Assigned: 03/04/2014\n"
            "This letter follows the standard review process.\n"
            "HOW THE IMR FINAL DETERMINATION WAS MADE\nThe expert reviewer is Board Certified "
            "in Anesthesiology and is licensed to practice in California.\n"
        )
        body = _body("MRI: Upheld", CA_MTUS, MAXIMUS_ODG, NOT_NECESSARY)
        record = _letter(header + body[body.index("CLINICAL CASE SUMMARY") :])
        assert record.priority is None

    @pytest.mark.skipif(not SEED.exists(), reason=f"seed letter not found at {SEED}")
    def test_seed_letter_body_without_header(self) -> None:
        record = extract(SEED.read_bytes())
        assert record.layout == "A-2014"
        assert record.case_number is None
        assert record.date_assigned is None
        assert record.ur_denial_date is None
        assert record.date_of_injury == date(2009, 7, 13)
        assert (record.patient.age, record.patient.sex) == (55, "female")
        assert record.reviewer.specialty == "Occupational Medicine"
        assert record.reviewer.license_states == ["California"]
        (item,) = record.items
        assert item.treatment == "Physiotherapy; Six (6) Visits for the Back"
        assert item.outcome == "upheld"
        assert [c.raw for c in item.claims_administrator_guidelines] == [
            "MTUS Chronic Pain Treatment Guidelines"
        ]
        assert [c.raw for c in item.reviewer_guidelines] == [
            "MTUS Chronic Pain Treatment Guidelines Physical Medicine Page(s): 98-99"
        ]
        assert item.rationale.endswith("Six (6) Visits for the Back is not medically necessary.")


def _fixture_cases(prefix: str) -> list[Path]:
    return sorted(FIXTURES.glob(f"{prefix}*.txt"))


@pytest.mark.parametrize("path", _fixture_cases("a"), ids=lambda p: p.stem)
def test_layout_a_fixture_letters_match_expected(path: Path) -> None:
    expected: dict[str, Any] = json.loads(path.with_suffix(".expected.json").read_text())
    record = extract(path.read_bytes()).model_dump(mode="json")
    for item in record["items"]:
        del item["provenance"], item["confidence"]
    assert {key: record[key] for key in expected} == expected


@pytest.mark.parametrize("path", _fixture_cases("negative"), ids=lambda p: p.stem)
def test_negative_fixtures_raise_their_reason(path: Path) -> None:
    expected = json.loads(path.with_suffix(".expected.json").read_text())["error"]
    with pytest.raises(ExtractionError) as caught:
        extract(path.read_bytes())
    assert caught.value.reason == expected


def test_imr_letter_without_items_is_unknown_layout() -> None:
    with pytest.raises(UnknownLayoutError):
        _letter(HEADER_2016 + "\nNothing follows.")


def test_prose_is_not_a_letter() -> None:
    with pytest.raises(NotALetterError):
        _letter("Minutes of the facilities meeting.\nThe garage will be resurfaced in April.")
