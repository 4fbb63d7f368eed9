"""Run a (rewritten) letter through extraction, validation and enrichment and judge the result.

``right``: every compared value is as expected and the letter is ``valid``. ``right_flagged``:
as expected but sent to review (a false alarm). ``flagged``: something differs and the letter
is sent to review (safe). ``silent``: something differs and the letter is ``valid`` (the one
outcome that must never happen). ``error``: the extractor refused the letter or crashed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal

from schemas.determination import DeterminationData
from schemas.source import SourceObject
from tests.perturbation.letters import HEADER_FIELDS, ExpectedItem, Letter, Partial, words
from workers.determination import determine
from workers.extraction import EXTRACTOR_VERSION, ExtractionError, extract

Verdict = Literal["right", "right_flagged", "flagged", "silent", "error"]
VERDICTS: tuple[Verdict, ...] = ("right", "right_flagged", "flagged", "silent", "error")


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    differing: tuple[str, ...]
    """Names of the fields that differ from the expectation (never their values)."""
    reasons: tuple[str, ...]
    """Validation reason codes of the result."""


def determination(text: str, name: str) -> DeterminationData:
    data = text.encode()
    record = extract(data, media_type="text/plain")
    source = SourceObject(bucket="perturbation", key=f"{name}.txt", sha256=_sha256(data))
    return determine(
        record, letter_id=_sha256(data)[:32], source=source, extractor_version=EXTRACTOR_VERSION
    )


def judge(letter: Letter) -> Judgement:
    try:
        result = determination(letter.text, letter.name)
    except ExtractionError as error:
        return Judgement("error", (type(error).__name__,), ())
    differing = tuple(_differences(letter, result))
    reasons = tuple(reason.code for reason in result.validation.reasons)
    flagged = result.validation.status != "valid"
    if not differing:
        return Judgement("right_flagged" if flagged else "right", (), reasons)
    return Judgement("flagged" if flagged else "silent", differing, reasons)


def _differences(letter: Letter, result: DeterminationData) -> list[str]:
    got = _header(result)
    differing = [name for name, value in letter.header if got[name] != value]
    if len(result.items) != len(letter.items):
        return [*differing, "item_count"]
    for index, (item, expected) in enumerate(zip(result.items, letter.items, strict=True)):
        differing.extend(f"items[{index}].{name}" for name in _item_differences(item, expected))
    return differing


def _header(result: DeterminationData) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: getattr(result, name) for name in HEADER_FIELDS if hasattr(result, name)
    }
    for name in ("date_assigned", "date_of_injury", "decision_date", "ur_denial_date",
                 "application_received"):  # fmt: skip
        value = values[name]
        values[name] = value.isoformat() if value is not None else None
    values["patient_age"] = result.patient.age
    values["patient_sex"] = result.patient.sex
    values["reviewer_specialty"] = result.reviewer.specialty
    values["reviewer_license_states"] = list(result.reviewer.license_states)
    return values


def _item_differences(item: Any, expected: ExpectedItem) -> list[str]:
    partial = item.partial_certification
    got_partial = (
        None
        if partial is None
        else Partial(
            words(partial.original_request), words(partial.authorized), words(partial.remaining)
        )
    )
    checks = {
        "treatment": words(item.treatment) == expected.treatment,
        "outcome": item.outcome == expected.outcome,
        "partial_certification": got_partial == expected.partial,
        "claims_administrator_guidelines": tuple(
            words(c.raw) for c in item.claims_administrator_guidelines
        )
        == expected.claims_administrator,
        "reviewer_guidelines": tuple(words(c.raw) for c in item.reviewer_guidelines)
        == expected.reviewer,
    }
    return [name for name, same in checks.items() if not same]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
