"""The quantity a treatment text asks for, where it states exactly one."""

from __future__ import annotations

import re
from decimal import Decimal

_QUANTITY_FORMS = (
    re.compile(r"#\s*(\d+(?:\.\d+)?)"),
    re.compile(r"\((\d+(?:\.\d+)?)\)\s*$"),
    re.compile(r"(?:\btimes|(?<![\w/])x)\s*(\d+(?:\.\d+)?)\s*$", re.IGNORECASE),
)
"""``#60``; a trailing total such as ``2 times a week for 2 weeks (4)``; ``times 6`` / ``x3``
at the end. The first form present decides."""


def stated_quantity(text: str) -> Decimal | None:
    """The single quantity ``text`` states, or ``None`` when it states none or several."""
    cleaned = text.strip().rstrip(".")
    for form in _QUANTITY_FORMS:
        found = form.findall(cleaned)
        if found:
            return Decimal(found[0]) if len(found) == 1 else None
    return None
