"""Enrich: the validated record becomes the determination event downstream systems consume."""

from __future__ import annotations

from collections.abc import Sequence

from schemas.events import DeterminationExtracted, LetterValidated, stage_source
from workers.config import Settings
from workers.determination import validated_to_determination
from workers.runtime import Handler, Message, Output
from workers.stages.codec import decode, emit

_SOURCE = stage_source("enrich")


def make_enrich_handler(settings: Settings) -> Handler:
    """Reads ``settings.topic_letters_validated``; writes ``settings.topic_determinations``,
    keyed by case number (the letter id when the letter states none)."""
    topic = settings.topic_determinations

    def handle(message: Message) -> Sequence[Output]:
        data = validated_to_determination(decode(message, LetterValidated).data)
        return [emit(topic, DeterminationExtracted(source=_SOURCE, data=data))]

    return handle
