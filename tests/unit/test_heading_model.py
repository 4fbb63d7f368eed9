"""The decision-heading model: every phrasing of a partial certification, wherever lines break."""

from __future__ import annotations

import pytest

from schemas.letter import PartialCertification
from workers.extraction.heading import opens_with_original_request, read_heading, remainder


def _partial(
    original: str, authorized: str, remaining: str, derived: bool = False
) -> PartialCertification:
    return PartialCertification(
        original_request=original,
        authorized=authorized,
        remaining=remaining,
        remaining_derived=derived,
    )


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        (
            "Norco 10/325mg #60 was the original request. Norco 10/325mg #25 was "
            "authorized\nby the "
            "Claims Administrator. The remaining IMR eligible portion of the original request, "
            "Norco 10/325mg #35 is",
            _partial("Norco 10/325mg #60", "Norco 10/325mg #25", "Norco 10/325mg #35"),
        ),
        (
            "Purchase of a bath/shower chair was the original request. The Claims Administrator "
            "authorized a bath/shower chair for 1 month, leaving the original request IMR "
            "eligible. The original request, purchase of a bath/shower chair is",
            _partial(
                "Purchase of a bath/shower chair",
                "a bath/shower chair for 1 month",
                "purchase of a bath/shower chair",
            ),
        ),
        (
            "Partial hospitalization for 10 days was the original request. The Claims "
            "Administrator authorized an evaluation only, leaving the original request IMR "
            "eligible.",
            _partial(
                "Partial hospitalization for 10 days",
                "an evaluation only",
                "Partial hospitalization for 10 days",
                derived=True,
            ),
        ),
        (
            "Physical therapy 12 visits was the original request. Physical therapy 12 visits was "
            "modified to physical therapy 6 visits by the Claims Administrator. The remaining "
            "portion is for physical therapy 6 visits",
            _partial(
                "Physical therapy 12 visits",
                "physical therapy 6 visits",
                "physical therapy 6 visits",
            ),
        ),
        (
            "The original request was for Three refills of Voltaren gel 1%. One refill of "
            "Voltaren gel 1% was certified by the Claims Administrator. Two refills of Voltaren "
            "gel 1% remain IMR eligible",
            _partial(
                "Three refills of Voltaren gel 1%",
                "One refill of Voltaren gel 1%",
                "Two refills of Voltaren gel 1%",
            ),
        ),
        (
            "Tramadol 50mg #120 was the original request. Tramadol 50mg #60 was approved by the "
            "Claims Administrator",
            _partial("Tramadol 50mg #120", "Tramadol 50mg #60", "Tramadol 50mg #60", derived=True),
        ),
        (
            "Nine sessions of acupuncture was the original request. Six sessions of acupuncture "
            "was certified with modification by utilization review.",
            _partial(
                "Nine sessions of acupuncture",
                "Six sessions of acupuncture",
                "3 sessions of acupuncture",
                derived=True,
            ),
        ),
        (
            "Lumbar MRI was originally requested. The Claims Administrator modified the request to "
            "lumbar x-rays, leaving the remaining portion IMR eligible. The remaining IMR eligible "
            "portion: lumbar MRI",
            _partial("Lumbar MRI", "lumbar x-rays", "lumbar MRI"),
        ),
        (
            "Norco #90 was the original request. The Claims Administrator certified the request "
            "with modification to Norco #60. The remaining IMR eligible portion of the original "
            "request, Norco #30",
            _partial("Norco #90", "Norco #60", "Norco #30"),
        ),
        (
            "Norco #90 was modified to Norco #60 by the Claims Administrator. The remaining IMR "
            "eligible portion of the original request, Norco #30",
            _partial("Norco #90", "Norco #60", "Norco #30"),
        ),
        (
            "Knee arthroscopy with evaluation of ACL was the original request. The Claims "
            "Administrator authorized knee arthroscopy with evaluation of ACL for 1 month, "
            "leaving the original request IMR eligible. The original request, knee arthroscopy "
            "with evaluation of ACL",
            _partial(
                "Knee arthroscopy with evaluation of ACL",
                "knee arthroscopy with evaluation of ACL for 1 month",
                "knee arthroscopy with evaluation of ACL",
            ),
        ),
        (
            "Chiropractic care for the low back; six sessions was the original request. "
            "Chiropractic care for the low back; three sessions was authorized by the Claims "
            "Administrator. The remaining IMR eligible portion of the original request, "
            "Chiropractic care for the low back; three sessions",
            _partial(
                "Chiropractic care for the low back; six sessions",
                "Chiropractic care for the low back; three sessions",
                "Chiropractic care for the low back; three sessions",
            ),
        ),
    ],
    ids=[
        "standard",
        "leaving-original",
        "leaving-original-unstated",
        "modified-to",
        "refills-remain",
        "approved-derived",
        "with-modification",
        "modified-request-label",
        "certified-the-request-with-modification",
        "modified-to-without-original",
        "authorized-part-holding-with",
        "semicolon-inside-a-part",
    ],
)
def test_partial_certification_phrasings(heading: str, expected: PartialCertification) -> None:
    read = read_heading(heading)
    assert read.speaks_of_partial
    assert read.partial == expected
    assert read.unread_sentences == 0


def test_whole_original_request_stands_in_only_when_nothing_else_says_what_was_reviewed() -> None:
    guessed = read_heading(
        "Home health aide was the original request. A home health evaluation was authorized by "
        "the Claims Administrator"
    )
    assert guessed.partial is not None
    assert guessed.partial.remaining == "Home health aide"
    assert guessed.reviewed_guessed
    stated = read_heading(
        "Home health aide was the original request. The Claims Administrator authorized a home "
        "health evaluation, leaving the original request IMR eligible"
    )
    assert stated.partial is not None and not stated.reviewed_guessed


def test_treatment_is_the_whole_heading_without_its_trailing_verb() -> None:
    read = read_heading(
        "Acupuncture for 8 sessions was the original request. Acupuncture for 6\nsessions was "
        "authorized by the Claims Administrator. The remaining IMR eligible portion of the "
        "original request, Acupuncture for 2 sessions is"
    )
    assert read.treatment == (
        "Acupuncture for 8 sessions was the original request. Acupuncture for 6 sessions was "
        "authorized by the Claims Administrator. The remaining IMR eligible portion of the "
        "original request, Acupuncture for 2 sessions"
    )


@pytest.mark.parametrize(
    "heading",
    [
        "MRI of the left shoulder",
        "Norco 10/325mg #60",
        "EMG/NCV of the bilateral upper\nextremities",
    ],
)
def test_ordinary_heading_is_not_partial(heading: str) -> None:
    read = read_heading(heading)
    assert read.partial is None and not read.speaks_of_partial
    assert "\n" not in read.treatment


def test_partial_words_without_readable_parts_are_reported() -> None:
    read = read_heading("The Claims Administrator authorized part of it and the rest is unclear")
    assert read.speaks_of_partial and read.partial is None


def test_a_hyphen_broken_at_a_line_end_is_rejoined() -> None:
    assert read_heading("Pre-\nop clearance").treatment == "Pre-op clearance"


@pytest.mark.parametrize(
    ("original", "authorized", "expected"),
    [
        ("Norco 10/325mg #90", "Norco 10/325mg #63", "Norco 10/325mg #27"),
        (
            "Chiropractic manipulation times 12",
            "Chiropractic manipulation times 6",
            "Chiropractic manipulation times 6",
        ),
        (
            "Twelve visits of physical therapy",
            "Nine visits of physical therapy",
            "3 visits of physical therapy",
        ),
        ("Norco 10/325mg #90", "Percocet 5/325mg #60", None),
        ("Norco #60", "Norco #90", None),
        ("MRI of the knee", "X-ray of the knee", None),
    ],
)
def test_remainder_subtracts_the_one_differing_number(
    original: str, authorized: str, expected: str | None
) -> None:
    assert remainder(original, authorized) == expected


def test_only_an_original_request_clause_opens_a_partial_heading() -> None:
    assert opens_with_original_request("Norco #90 was the original request. Norco #60 was ...")
    assert opens_with_original_request("The original request was for Norco #90. Then ...")
    assert not opens_with_original_request("The original request, Norco #90 is")
    assert not opens_with_original_request("Norco #60 was authorized by the Claims Administrator.")


def test_a_part_that_still_speaks_of_the_request_is_not_taken_as_read() -> None:
    read = read_heading(
        "Norco #90 was the original request. The request was authorized by the Claims "
        "Administrator. The remaining IMR eligible portion of the original request, Norco #30"
    )
    assert read.partial is None or read.unread_sentences > 0
