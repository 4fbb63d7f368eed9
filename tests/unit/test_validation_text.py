"""The two text readers behind the item rules: rationale conclusion and stated quantity."""

from __future__ import annotations

from decimal import Decimal

import pytest

from workers.validation.conclusion import rationale_conclusion
from workers.validation.quantities import stated_quantity


@pytest.mark.parametrize(
    ("rationale", "expected"),
    [
        ("As such, the request is not medically necessary.", "upheld"),
        (
            "Therefore, the requested Diclofenac ER 100mg #60 is not seen as medically necessary.",
            "upheld",
        ),
        ("Therefore, the follow-up visit is not medically appropriate.", "upheld"),
        ("The request is not indicated as medically necessary.", "upheld"),
        ("Consequently, the cream is not a medical necessity.", "upheld"),
        ("Medical necessity for the request has not been established.", "upheld"),
        ("The program is not medically necessary and appropriate.", "upheld"),
        ("Given the improvement, the request is medically necessary.", "overturned"),
        (
            "The request for Norco 10/325mg #120 is medically necessary and appropriate.",
            "overturned",
        ),
        (
            "Although the patient has not returned to work, the request is medically necessary.",
            "overturned",
        ),
        (
            "The request is not medically necessary. The treating physician is advised to consult "
            "the guidelines on tapering. A taper is recommended.",
            "upheld",
        ),
        (
            "Guidelines do not support it when medically necessary goals are absent. In this\n"
            "case, the request is\nmedically necessary.",
            "overturned",
        ),
        (
            "Norco is not medically necessary. This decision addresses the medical necessity of "
            "opioids as they have been prescribed to this patient. This medical necessity decision "
            "should not be interpreted as a recommendation to stop opioids abruptly.",
            "upheld",
        ),
        ("The medical necessity of the request has been established.", "overturned"),
        ("The request does not meet medical necessity guidelines.", "upheld"),
        ("It cannot be considered medically necessary at this time.", "upheld"),
        ("It does not satisfy guidelines and does not appear medically necessary.", "upheld"),
        ("The request does appear to be medically necessary.", "overturned"),
        ("Guidelines recommend a short course only.", None),
        ("This decision addresses the medical necessity of the request.", None),
        ("", None),
    ],
)
def test_rationale_conclusion(rationale: str, expected: str | None) -> None:
    assert rationale_conclusion(rationale) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Norco 10/325mg #60", Decimal(60)),
        ("Norco 10/325mg # 35.", Decimal(35)),
        ("Lidocaine ointment 5% #1.5", Decimal("1.5")),
        ("Physical therapy to the lumbar spine 2 times a week for 2 weeks (4)", Decimal(4)),
        ("Chiropractic spinal manipulation times 6", Decimal(6)),
        ("Follow up office visit x3", Decimal(3)),
        ("Physical therapy 2x4", None),
        ("Norco #60 and Soma #30", None),
        ("two physical therapy sessions for the lumbar spine", None),
        ("Six (6) visits for the back", None),
    ],
)
def test_stated_quantity(text: str, expected: Decimal | None) -> None:
    assert stated_quantity(text) == expected
