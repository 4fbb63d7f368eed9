"""Validate: check the extracted record; rejected records are dead-lettered with rule codes."""

from __future__ import annotations

from collections.abc import Sequence

from schemas.events import LetterParsed, LetterValidated, stage_source
from schemas.validation import ValidationResult
from workers.config import Settings
from workers.determination import parsed_to_validated
from workers.runtime import Handler, Message, Output, PermanentError
from workers.stages.codec import decode, emit

_SOURCE = stage_source("validate")


def rejection_reason(result: ValidationResult) -> str:
    """``rejected:`` and the codes of the failed error-level rules, e.g.
    ``rejected:items.outcome_missing`` (codes only, never letter text)."""
    codes = sorted({reason.code for reason in result.reasons if reason.severity == "error"})
    return "rejected:" + ",".join(codes)


def make_validate_handler(settings: Settings) -> Handler:
    """Reads ``settings.topic_letters_parsed``; writes ``settings.topic_letters_validated``.

    ``valid`` and ``needs_review`` records go on with their verdict; ``rejected`` ones raise a
    permanent failure so the runner dead-letters the original record with the reason.
    """
    topic = settings.topic_letters_validated

    def handle(message: Message) -> Sequence[Output]:
        data = parsed_to_validated(decode(message, LetterParsed).data)
        if data.validation.status == "rejected":
            raise PermanentError(rejection_reason(data.validation))
        return [emit(topic, LetterValidated(source=_SOURCE, data=data))]

    return handle
