"""Every validation rule with a record that fails it and one that passes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from schemas.examples import ITEM, RECORD
from schemas.letter import ExtractionWarning, Item, LetterRecord, PartialCertification
from schemas.validation import ValidationReason
from workers.validation import RULES, validate

SECRET_TREATMENT = "Oxycodone 30mg for Jane Roe"


def _record(**changes: Any) -> LetterRecord:
    return RECORD.model_copy(update=changes)


def _item(**changes: Any) -> Item:
    return ITEM.model_copy(update=changes)


def _reasons(record: LetterRecord, code: str) -> list[ValidationReason]:
    return [reason for reason in validate(record).reasons if reason.code == code]


def test_the_example_record_is_valid() -> None:
    result = validate(RECORD)
    assert result.status == "valid"
    assert result.reasons == []


def test_rules_have_unique_codes_severities_and_descriptions() -> None:
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes))
    assert all(rule.description for rule in RULES)
    assert {rule.severity for rule in RULES} == {"warning", "error"}


# items.none


def test_a_letter_without_any_treatment_is_rejected() -> None:
    record = _record(items=[_item(treatment=" "), _item(treatment="")])
    result = validate(record)
    assert result.status == "rejected"
    assert [reason.field for reason in _reasons(record, "items.none")] == ["items"]


def test_a_letter_without_items_is_rejected() -> None:
    record = LetterRecord.model_construct(**{**dict(RECORD), "items": []})
    assert validate(record).status == "rejected"


def test_one_item_with_a_treatment_is_enough() -> None:
    record = _record(items=[_item(treatment=""), ITEM])
    assert _reasons(record, "items.none") == []
    assert validate(record).status == "needs_review"


# item.outcome


def test_an_outcome_outside_the_vocabulary_is_rejected() -> None:
    odd = Item.model_construct(**{**dict(ITEM), "outcome": "modified"})
    record = LetterRecord.model_construct(**{**dict(RECORD), "items": [ITEM, odd]})
    assert [reason.field for reason in _reasons(record, "item.outcome")] == ["items[1].outcome"]
    assert validate(record).status == "rejected"


def test_upheld_and_overturned_are_both_accepted() -> None:
    overturned = _item(outcome="overturned", rationale="The request is medically necessary.")
    assert _reasons(_record(items=[ITEM, overturned]), "item.outcome") == []


# item.missing


def test_an_item_without_rationale_needs_review() -> None:
    record = _record(items=[_item(rationale="  ")])
    assert [reason.field for reason in _reasons(record, "item.missing")] == ["items[0].rationale"]
    assert validate(record).status == "needs_review"


def test_an_item_with_treatment_and_rationale_passes() -> None:
    assert _reasons(_record(items=[ITEM]), "item.missing") == []


# case_number.format


@pytest.mark.parametrize("case", ["CM16-123456", "cm16-0234464", "CM2016-0234464", "CM16 0234464"])
def test_a_malformed_case_number_needs_review(case: str) -> None:
    record = _record(case_number=case)
    assert [reason.field for reason in _reasons(record, "case_number.format")] == ["case_number"]
    assert validate(record).status == "needs_review"


@pytest.mark.parametrize("case", ["CM13-0000001", "CM17-0020728"])
def test_a_well_formed_case_number_passes(case: str) -> None:
    assert _reasons(_record(case_number=case), "case_number.format") == []


# dates.order


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date_of_injury": date(2016, 11, 9)}, "date_of_injury later than ur_denial_date"),
        (
            {"ur_denial_date": date(2016, 12, 17), "application_received": None},
            "ur_denial_date later than date_assigned",
        ),
        ({"date_assigned": date(2017, 1, 21)}, "date_assigned later than decision_date"),
        (
            {"application_received": date(2016, 11, 7)},
            "application_received earlier than ur_denial_date",
        ),
        (
            {"application_received": date(2016, 12, 17)},
            "application_received later than date_assigned",
        ),
        (
            {"ur_denial_date": None, "date_of_injury": date(2016, 12, 17)},
            "date_of_injury later than date_assigned",
        ),
    ],
)
def test_dates_out_of_order_need_review(changes: dict[str, Any], message: str) -> None:
    record = _record(**changes)
    assert [reason.message for reason in _reasons(record, "dates.order")] == [message]
    assert validate(record).status == "needs_review"


def test_equal_and_partly_missing_dates_pass() -> None:
    same_day = _record(
        date_of_injury=date(2016, 11, 8),
        application_received=date(2016, 11, 8),
        date_assigned=date(2016, 11, 8),
    )
    assert _reasons(same_day, "dates.order") == []
    sparse = _record(ur_denial_date=None, date_assigned=None, application_received=None)
    assert _reasons(sparse, "dates.order") == []


# header.missing


def test_an_a2016_letter_needs_every_header_field() -> None:
    record = _record(priority=None, application_received=None)
    fields = [reason.field for reason in _reasons(record, "header.missing")]
    assert fields == ["priority", "application_received"]
    assert validate(record).status == "needs_review"


def test_a_body_only_a2014_letter_needs_review_not_rejection() -> None:
    record = LetterRecord(layout="A-2014", pages=2, items=[ITEM])
    fields = {reason.field for reason in _reasons(record, "header.missing")}
    assert fields == {"case_number", "date_assigned", "date_of_injury", "ur_denial_date"}
    assert validate(record).status == "needs_review"


def test_an_a2014_letter_does_not_need_the_2016_fields() -> None:
    record = _record(layout="A-2014", priority=None, application_received=None, decision_date=None)
    assert _reasons(record, "header.missing") == []


# item.partial_arithmetic


def _partial(original: str, authorized: str, remaining: str) -> LetterRecord:
    parts = PartialCertification(
        original_request=original, authorized=authorized, remaining=remaining
    )
    return _record(items=[_item(partial_certification=parts)])


@pytest.mark.parametrize(
    "parts",
    [
        ("Norco 10/325mg #60", "Norco 10/325mg #25", "Norco 10/325mg #25"),
        ("Chiropractic manipulation times 12", "manipulation times 6", "manipulation times 4"),
        ("PT 2 times a week for 3 weeks (6)", "PT 2 times a week for 1 week (2)", "PT 2x2 (3)"),
    ],
)
def test_partial_quantities_that_do_not_add_up_need_review(parts: tuple[str, str, str]) -> None:
    record = _partial(*parts)
    reasons = _reasons(record, "item.partial_arithmetic")
    assert [reason.field for reason in reasons] == ["items[0].partial_certification"]
    assert validate(record).status == "needs_review"


@pytest.mark.parametrize(
    "parts",
    [
        ("Norco 10/325mg #60", "Norco 10/325mg #25", "Norco 10/325mg #35"),
        ("Follow up office visit times 3", "visit times 1", "Follow up office visit times 2"),
        ("PT 2 times a week for 3 weeks (6)", "PT 2 times a week for 1 week (2)", "PT 2x2 (4)"),
        ("Norco #60 and Soma #30", "Norco #60", "Soma #20"),
        ("Physical therapy", "Physical therapy for the knee", "Physical therapy for the wrist"),
    ],
)
def test_partial_quantities_that_add_up_or_are_not_stated_pass(parts: tuple[str, str, str]) -> None:
    assert _reasons(_partial(*parts), "item.partial_arithmetic") == []


# item.rationale_disagrees


def test_an_outcome_the_rationale_contradicts_needs_review() -> None:
    record = _record(items=[_item(outcome="overturned")])
    reasons = _reasons(record, "item.rationale_disagrees")
    assert [reason.field for reason in reasons] == ["items[0].outcome"]
    assert validate(record).status == "needs_review"


def test_a_rationale_with_verdict_words_run_together_is_read() -> None:
    item = _item(
        outcome="overturned", rationale="Therefore, the request is notmedically necessary."
    )
    reasons = _reasons(_record(items=[item]), "item.rationale_disagrees")
    assert [reason.field for reason in reasons] == ["items[0].outcome"]


def test_an_outcome_the_rationale_supports_passes() -> None:
    overturned = _item(
        outcome="overturned", rationale="Therefore, the request is medically necessary."
    )
    silent = _item(outcome="overturned", rationale="The guideline supports a short course.")
    assert _reasons(_record(items=[ITEM, overturned, silent]), "item.rationale_disagrees") == []


# extraction.warning


def test_extractor_warnings_need_review_without_their_text() -> None:
    warning = ExtractionWarning(
        code="header_narrative_mismatch", field="date_of_injury", message=SECRET_TREATMENT
    )
    record = _record(warnings=[warning])
    [reason] = _reasons(record, "extraction.warning")
    assert reason.field == "date_of_injury"
    assert "header_narrative_mismatch" in reason.message
    assert SECRET_TREATMENT not in reason.message
    assert validate(record).status == "needs_review"


def test_no_extractor_warnings_pass() -> None:
    assert _reasons(_record(warnings=[]), "extraction.warning") == []


# confidence.low


def test_low_confidence_anywhere_needs_review() -> None:
    record = _record(
        confidence={"case_number": 0.59, "decision_date": 0.9},
        items=[_item(confidence={"treatment": 0.95, "outcome": 0.3})],
    )
    fields = [reason.field for reason in _reasons(record, "confidence.low")]
    assert fields == ["case_number", "items[0].outcome"]
    assert validate(record).status == "needs_review"


def test_confidence_at_the_threshold_passes() -> None:
    record = _record(confidence={"case_number": 0.6}, items=[_item(confidence={"outcome": 1.0})])
    assert _reasons(record, "confidence.low") == []


# messages


def test_reason_messages_never_quote_the_treatment() -> None:
    item = _item(
        treatment=SECRET_TREATMENT,
        outcome="overturned",
        rationale="",
        confidence={"treatment": 0.1},
        partial_certification=PartialCertification(
            original_request=f"{SECRET_TREATMENT} #90",
            authorized="#30",
            remaining=f"{SECRET_TREATMENT} #50",
        ),
    )
    result = validate(_record(items=[item], case_number="CM16-12"))
    assert len(result.reasons) >= 4
    assert all(SECRET_TREATMENT not in reason.message for reason in result.reasons)
    assert all("Jane" not in reason.message for reason in result.reasons)
