"""Second reading of headings: fragments, unread partials and the rationale's restated request."""

from __future__ import annotations

import pytest

from schemas.letter import PartialCertification
from workers.extraction.heading_checks import field_confidence, item_signals
from workers.extraction.restatement import restated_request


@pytest.mark.parametrize(
    ("rationale", "expected"),
    [
        (
            "Pain persists. Therefore, the requested Diclofenac ER 100mg #60 is not medically "
            "necessary.",
            "Diclofenac ER 100mg #60",
        ),
        (
            "No red flags. The request for the left arm NCV is not medically necessary.",
            "left arm NCV",
        ),
        (
            "Not supported. As the requested surgical intervention is not medically necessary, the "
            "requested ancillary service is not medically necessary.",
            None,
        ),
        ("Given the above, this request is not medically necessary.", None),
        ("The guidelines were met. MRI of the knee is medically necessary.", "MRI of the knee"),
        ("Nothing here states a verdict.", None),
    ],
)
def test_restated_request(rationale: str, expected: str | None) -> None:
    assert restated_request(rationale) == expected


def _codes(
    treatment: str, rationale: str = "", partial: PartialCertification | None = None
) -> list[str]:
    return [
        signal.code for signal in item_signals(treatment, partial, rationale, in_sentence=False)
    ]


@pytest.mark.parametrize(
    "treatment",
    [
        "extremities",
        "of the lumbar spine",
        ", Norco 10/325mg",
        "MRI of the",
        "Norco #60. The patient has pain",
    ],
)
def test_fragments(treatment: str) -> None:
    assert "treatment_fragment" in _codes(treatment)


@pytest.mark.parametrize(
    "treatment",
    [
        "Electroencephalogram",
        "X-ray of the right knee",
        "Physical therapy 2 times a week for 4 weeks",
        "Acupuncture x 6",
    ],
)
def test_whole_headings_are_not_fragments(treatment: str) -> None:
    assert _codes(treatment) == []


def test_partial_words_without_parts_are_unread() -> None:
    codes = _codes("Norco #90 was the original request and UR cut it")
    assert "partial_unread" in codes


@pytest.mark.parametrize(
    ("treatment", "verdict", "disagrees"),
    [
        ("Office visit", "The request for partial hospitalization is medically necessary.", True),
        (
            "NCS of the left upper extremity",
            "The request for the left arm NCV is not medically necessary.",
            False,
        ),
        (
            "Naproxen 500mg #60",
            "The first-time request for Naprosyn is not medically necessary.",
            False,
        ),
        (
            "MRI of the knee",
            "The request for surgical intervention is not medically necessary, so "
            "this request is not medically necessary.",
            False,
        ),
    ],
)
def test_rationale_restatement(treatment: str, verdict: str, disagrees: bool) -> None:
    codes = _codes(treatment, "Records reviewed. " + verdict)
    assert ("treatment_disagrees_with_rationale" in codes) is disagrees


def test_a_partial_is_checked_against_its_original_and_reviewed_parts_not_the_authorized() -> None:
    partial = PartialCertification(
        original_request="Partial hospitalization 10 days",
        authorized="an evaluation only",
        remaining="Partial hospitalization 10 days",
    )
    treatment = (
        "Partial hospitalization 10 days was the original request. The Claims Administrator "
        "authorized an evaluation only, leaving the original request IMR eligible"
    )
    agreeing = "Reviewed. The request for partial hospitalization is not medically necessary."
    assert _codes(treatment, agreeing, partial) == []
    naming_the_authorized = "Reviewed. The request for an evaluation visit is medically necessary."
    assert _codes(treatment, naming_the_authorized, partial) == [
        "treatment_disagrees_with_rationale"
    ]


def test_field_confidence_is_the_weakest_signal() -> None:
    signals = item_signals("extremities", None, "", in_sentence=False)
    assert field_confidence(signals, "treatment") == min(s.confidence for s in signals) < 0.6
    assert field_confidence([], "treatment", 0.9) == 0.9
    assert field_confidence(signals, "partial_certification") == 1.0


def test_an_article_opens_a_treatment_named_inside_a_sentence_but_not_a_heading() -> None:
    for treatment in ("a lumbar support brace", "the left hip"):
        assert item_signals(treatment, None, "", in_sentence=True) == []
        codes = [s.code for s in item_signals(treatment, None, "", in_sentence=False)]
        assert codes == ["treatment_fragment"]
