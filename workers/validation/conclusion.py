"""What a decision rationale concludes about medical necessity."""

from __future__ import annotations

import re

from schemas.letter import Outcome

_NECESSITY = r"medical(?:ly)?\s+(?:necessary|necessity|appropriate|indicated|reasonable)"
_STATEMENTS = (
    # "is (not) (seen as) medically necessary", "cannot be considered a medical necessity",
    # "does not appear medically necessary"
    re.compile(
        r"\b(?:(?:is|are|was|were|be|been|remains?|appears?)\s+(?:not\s+)?"
        r"|(?:does|do|did)\s+(?:not\s+)?(?:appear|seem)\s+(?:to\s+be\s+)?"
        r"|(?:not|cannot|never)\s+(?:be\s+)?)"
        r"(?:(?:seen|considered|deemed|found|indicated|established|shown|supported|certified)"
        r"\s+(?:as\s+|to\s+be\s+)?)?(?:a\s+)?" + _NECESSITY,
        re.IGNORECASE,
    ),
    # "medical necessity of the request has (not) been established"
    re.compile(
        r"\bmedical\s+necessity\b[^.;]{0,150}?"
        r"\b(?:(?:has|have|had)\s+(?:not\s+)?been\s+|is\s+(?:not\s+)?)"
        r"(?:established|substantiated|demonstrated|supported|met)\b",
        re.IGNORECASE,
    ),
    # "does (not) meet medical necessity"
    re.compile(r"\b(?:does|do|did)\s+(?:not\s+)?meet\s+(?:the\s+)?medical\s+necessity", re.I),
)
_NEGATION = re.compile(r"\b(?:not|cannot|never)\b", re.IGNORECASE)


def rationale_conclusion(rationale: str) -> Outcome | None:
    """``"upheld"`` when the last statement on medical necessity denies it, ``"overturned"``
    when it affirms it, ``None`` when the rationale makes none.

    Only statements count ("the request is not medically necessary"), not mentions ("this
    decision addresses the medical necessity of opioids"), and the last one wins, so advice that
    follows the decision (e.g. on tapering a medication) does not hide it.
    """
    text = " ".join(rationale.split())
    found = [match for pattern in _STATEMENTS for match in pattern.finditer(text)]
    if not found:
        return None
    last = max(found, key=lambda match: match.end())
    return "upheld" if _NEGATION.search(last.group()) else "overturned"
