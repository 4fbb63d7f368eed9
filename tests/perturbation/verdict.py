"""Run a letter's text through the normal path and judge the result against its expectation."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

from schemas.determination import DeterminationData
from schemas.source import SourceObject
from tests.perturbation.expected import Expected, differences
from tests.perturbation.letter import Letter
from workers.determination import determine
from workers.extraction import EXTRACTOR_VERSION, ExtractionError, extract

Class = Literal["right", "right_flagged", "flagged", "silent", "error"]
"""``right``: every compared field equal and the letter ``valid``; ``right_flagged``: equal, but
sent to review (a false alarm); ``flagged``: something differs and the letter is
``needs_review`` or ``rejected``; ``silent``: something differs and the letter is ``valid``;
``error``: the extractor refused the letter or raised."""
CLASSES: tuple[Class, ...] = ("right", "right_flagged", "flagged", "silent", "error")


@dataclass(frozen=True)
class Verdict:
    case: str
    kind: str
    result: Class
    differing: list[str] = field(default_factory=list)
    """Names of the fields that differ, or the error's reason; never letter text."""
    reasons: list[str] = field(default_factory=list)
    """Validation reason codes with their fields."""


def determination_of(data: bytes, media_type: str = "text/plain") -> DeterminationData:
    """What ``imr extract`` gives for a file holding ``data``."""
    digest = hashlib.sha256(data).hexdigest()
    source = SourceObject(
        bucket="perturbation",
        key="letter",
        etag=digest,
        size=len(data),
        content_type=media_type,
        sha256=digest,
    )
    record = extract(data, media_type=media_type)
    return determine(
        record, letter_id=source.letter_id, source=source, extractor_version=EXTRACTOR_VERSION
    )


def judge_determination(
    case: str, kind: str, expected: Expected, result: DeterminationData
) -> Verdict:
    differing = differences(expected, Expected.from_record(result))
    status = result.validation.status
    reasons = [f"{reason.code}@{reason.field}" for reason in result.validation.reasons]
    if not differing:
        verdict: Class = "right" if status == "valid" else "right_flagged"
    else:
        verdict = "silent" if status == "valid" else "flagged"
    return Verdict(case, kind, verdict, differing, reasons)


def judge(letter: Letter, kind: str) -> Verdict:
    """Extract, validate and enrich ``letter``'s text and compare with its expectation."""
    try:
        result = determination_of(letter.text.encode())
    except ExtractionError as exc:
        return Verdict(letter.case, kind, "error", [f"refused: {exc.reason}"])
    except Exception as exc:  # a crash is a finding of the suite, reported with its type only
        return Verdict(letter.case, kind, "error", [f"crash: {type(exc).__name__}"])
    return judge_determination(letter.case, kind, letter.expected, result)
