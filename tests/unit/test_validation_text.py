"""The quantity reader behind the partial-certification rule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from workers.validation.quantities import stated_quantity


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
