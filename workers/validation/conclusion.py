"""What a decision rationale concludes about medical necessity."""

from __future__ import annotations

import re

from schemas.letter import Outcome

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")
_NECESSITY = re.compile(
    r"\bmedical(?:ly)?\s+(?:necessary|necessity|appropriate|indicated|reasonable)", re.IGNORECASE
)
_NEGATION_BEFORE = re.compile(r"\b(?:not|no\s+longer|cannot|neither|nor)\b|n't\b", re.IGNORECASE)
_NEGATION_AFTER = re.compile(
    r"^[^,;:]*?\b(?:not|never)\s+(?:been\s+)?(?:established|supported|substantiated|"
    r"demonstrated|shown|met)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[,;:]")


def rationale_conclusion(rationale: str) -> Outcome | None:
    """``"upheld"`` when the last statement on medical necessity denies it, ``"overturned"``
    when it affirms it, ``None`` when the rationale makes none.

    The last such statement counts, so advice that follows the decision (e.g. on tapering a
    medication) does not hide it. Only the clause holding the phrase is read for a negation.
    """
    for sentence in reversed(_SENTENCE_END.split(" ".join(rationale.split()))):
        matches = list(_NECESSITY.finditer(sentence))
        if not matches:
            continue
        found = matches[-1]
        clause = _CLAUSE_BREAK.split(sentence[: found.start()])[-1]
        negated = _NEGATION_BEFORE.search(clause) or _NEGATION_AFTER.search(sentence[found.end() :])
        return "upheld" if negated else "overturned"
    return None
