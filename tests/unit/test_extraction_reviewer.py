"""Reviewer credentials, labelled or in the prose forms the letters use."""

from __future__ import annotations

import pytest

from workers.extraction.fields import Evidence, Span
from workers.extraction.layouts.reviewer import read_reviewer
from workers.extraction.text_layer import read_text


@pytest.mark.parametrize(
    ("block", "specialty", "states"),
    [
        (
            "is Board Certified in Physical Medicine and Rehabilitation, has a subspecialty in "
            "Pain Medicine, and is licensed to practice in California, Nevada and Arizona.",
            "Physical Medicine and Rehabilitation, Pain Medicine",
            ["California", "Nevada", "Arizona"],
        ),
        (
            "State(s) of Licensure: Ohio, Texas\nCertification(s)/Specialty: Psychiatry\n",
            "Psychiatry",
            ["Ohio", "Texas"],
        ),
        (
            "Certification(s)/Specialty: Physical Medicine & Rehabilitation\n"
            "Pain Medicine\nState(s) of Licensure: California\n",
            "Physical Medicine & Rehabilitation Pain Medicine",
            ["California"],
        ),
        (
            "The expert reviewer is Board Certified in Anesthesiology and is licensed to practice "
            "in California.",
            "Anesthesiology",
            ["California"],
        ),
        (
            "The expert reviewer is Board Certified in Orthopedic Surgery, has a subspecialty in "
            "Spine Surgery and is licensed to practice in California and Texas. He/she has been "
            "in active clinical practice for more than five years.",
            "Orthopedic Surgery, Spine Surgery",
            ["California", "Texas"],
        ),
        (
            "The expert reviewer is Licensed in Chiropractic, has a subspecialty in Acupuncture\n"
            "and is licensed to practice in California.",
            "Chiropractic, Acupuncture",
            ["California"],
        ),
        (
            "The physician reviewer is certified by the American Board of Family Medicine in\n"
            "Family Practice and is licensed to practice medicine in the State of Oregon.",
            "Family Practice",
            ["Oregon"],
        ),
        (
            "The expert reviewer is a Doctor of Chiropractic and is licensed to practice in "
            "California.",
            "Doctor of Chiropractic",
            ["California"],
        ),
        ("The reviewer has no affiliation with the parties.", None, []),
    ],
)
def test_reviewer_credentials_from_labels_or_prose(
    block: str, specialty: str | None, states: list[str]
) -> None:
    doc = read_text(block.encode())
    evidence = Evidence(doc)
    reviewer = read_reviewer(doc, Span(doc.text, 0, len(doc.text)), evidence)
    assert (reviewer.specialty, reviewer.license_states) == (specialty, states)
    assert ("reviewer.specialty" in evidence.provenance) == (specialty is not None)
    assert ("reviewer.license_states" in evidence.provenance) == bool(states)
