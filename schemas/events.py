"""Every event the pipeline publishes, and the codec between events and Kafka records or JSON.

Each ``type`` is ``org.imr.<name>``; the Kafka key (and ``subject``) is the letter id, except:

* :class:`DeterminationExtracted` and :class:`DeterminationReviewed` are keyed by case number
  (falling back to the letter id), so every decision on one case stays in order;
* :class:`DeadLetter` keeps the failed record's key; its subject is ``topic/partition/offset``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.cloudevents import (
    CloudEvent,
    EventDecodeError,
    KafkaRecord,
    RawHeaders,
    decode_binary,
    decode_structured,
    encode_binary,
    encode_structured,
    stage_source,
)
from schemas.deadletter import DeadLetterData, OriginalHeader
from schemas.determination import DeterminationData, DeterminedItem
from schemas.letter import LetterRecord
from schemas.ocr import OcrPageText, OcrText
from schemas.review import FieldReview, ReviewedData
from schemas.source import LETTER_ID_PATTERN, SourceObject, letter_id_for
from schemas.validation import ValidationResult

__all__ = [
    "EVENT_CLASSES",
    "AnyEvent",
    "CloudEvent",
    "DeadLetter",
    "DeadLetterData",
    "DeterminationData",
    "DeterminationExtracted",
    "DeterminationReviewed",
    "DeterminedItem",
    "EventDecodeError",
    "FieldReview",
    "KafkaRecord",
    "LetterParsed",
    "LetterParsedData",
    "LetterReceived",
    "LetterReceivedData",
    "LetterValidated",
    "LetterValidatedData",
    "OcrPageText",
    "OcrText",
    "OriginalHeader",
    "ReviewedData",
    "SourceObject",
    "from_kafka",
    "from_structured",
    "letter_id_for",
    "stage_source",
    "to_kafka",
    "to_structured",
]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _LetterData(_Data):
    letter_id: str = Field(pattern=LETTER_ID_PATTERN)
    source: SourceObject


class LetterReceivedData(_LetterData):
    """A letter object was dropped and is ready to be read."""

    ocr: OcrText | None = Field(
        default=None,
        description="The text of the pages without a text layer, once the ocr stage has read "
        "them and handed the letter back to parse; absent before.",
    )


class LetterParsedData(_LetterData):
    record: LetterRecord
    extractor_version: str = Field(min_length=1)


class LetterValidatedData(LetterParsedData):
    validation: ValidationResult


class LetterReceived(CloudEvent[LetterReceivedData]):
    """A letter object was dropped in the bucket (published by ingest)."""

    type: Literal["org.imr.letter.received.v1"] = "org.imr.letter.received.v1"
    dataschema: Literal["urn:imr:schema:letter.received.v1"] = "urn:imr:schema:letter.received.v1"

    def event_subject(self) -> str:
        return self.data.letter_id


class LetterParsed(CloudEvent[LetterParsedData]):
    """A letter was read and its fields extracted (published by parse)."""

    type: Literal["org.imr.letter.parsed.v1"] = "org.imr.letter.parsed.v1"
    dataschema: Literal["urn:imr:schema:letter.parsed.v1"] = "urn:imr:schema:letter.parsed.v1"

    def event_subject(self) -> str:
        return self.data.letter_id


class LetterValidated(CloudEvent[LetterValidatedData]):
    """An extraction record passed validation, possibly needing review (published by validate)."""

    type: Literal["org.imr.letter.validated.v1"] = "org.imr.letter.validated.v1"
    dataschema: Literal["urn:imr:schema:letter.validated.v1"] = "urn:imr:schema:letter.validated.v1"

    def event_subject(self) -> str:
        return self.data.letter_id


class DeterminationExtracted(CloudEvent[DeterminationData]):
    """The validated, guideline-enriched determination (published by enrich).

    Keyed by case number so every decision on a case stays in order.
    """

    type: Literal["org.imr.determination.extracted.v1"] = "org.imr.determination.extracted.v1"
    dataschema: Literal["urn:imr:schema:determination.extracted.v1"] = (
        "urn:imr:schema:determination.extracted.v1"
    )

    def event_subject(self) -> str:
        return self.data.case_number or self.data.letter_id


class DeterminationReviewed(CloudEvent[ReviewedData]):
    """A person corrected or confirmed a determination and approved it (published by the
    review console).

    Keyed like the determination it corrects (case number, else letter id), so it follows that
    determination in the case's order.
    """

    type: Literal["org.imr.determination.reviewed.v1"] = "org.imr.determination.reviewed.v1"
    dataschema: Literal["urn:imr:schema:determination.reviewed.v1"] = (
        "urn:imr:schema:determination.reviewed.v1"
    )

    def event_subject(self) -> str:
        return self.data.determination.case_number or self.data.letter_id


class DeadLetter(CloudEvent[DeadLetterData]):
    """A record a stage gave up on, in JSON form for tools; the workers do not publish it.

    The dead-letter topics carry the original record plus ``imr.dlq.*`` headers instead.

    Keyed by the original record's key.
    """

    type: Literal["org.imr.deadletter.v1"] = "org.imr.deadletter.v1"
    dataschema: Literal["urn:imr:schema:deadletter.v1"] = "urn:imr:schema:deadletter.v1"

    def event_subject(self) -> str:
        return f"{self.data.source_topic}/{self.data.source_partition}/{self.data.source_offset}"

    def kafka_key(self) -> bytes | None:
        return self.data.original_key_bytes()


AnyEvent = (
    LetterReceived
    | LetterParsed
    | LetterValidated
    | DeterminationExtracted
    | DeterminationReviewed
    | DeadLetter
)

EVENT_CLASSES: tuple[type[AnyEvent], ...] = (
    LetterReceived,
    LetterParsed,
    LetterValidated,
    DeterminationExtracted,
    DeterminationReviewed,
    DeadLetter,
)
_BY_TYPE: Mapping[str, type[AnyEvent]] = {
    cls.model_fields["type"].default: cls for cls in EVENT_CLASSES
}


def to_kafka(event: AnyEvent) -> KafkaRecord:
    """``event`` as a Kafka record in CloudEvents binary mode, keyed per event class."""
    return encode_binary(event)


def from_kafka(value: bytes, headers: RawHeaders) -> AnyEvent:
    """The event in a binary-mode record; raises :class:`EventDecodeError`."""
    return decode_binary(value, headers, _BY_TYPE)


def to_structured(event: AnyEvent) -> dict[str, Any]:
    """``event`` as a structured-mode JSON object."""
    return encode_structured(event)


def from_structured(document: Mapping[str, Any]) -> AnyEvent:
    """The event in a structured-mode JSON object; raises :class:`EventDecodeError`."""
    return decode_structured(document, _BY_TYPE)
