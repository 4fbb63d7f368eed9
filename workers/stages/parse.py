"""Parse: read the announced object version and extract the letter record from it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from schemas.events import LetterParsed, LetterParsedData, LetterReceived, stage_source
from workers.config import Settings
from workers.extraction import EXTRACTOR_VERSION, ExtractionError, OcrNeeded, ReadElsewhere, extract
from workers.runtime import Handler, Message, Output, PermanentError
from workers.stages.announced import read_announced
from workers.stages.codec import decode, emit
from workers.stages.ocr import ocr_pages_of
from workers.storage import ObjectStore

_SOURCE = stage_source("parse")


def make_parse_handler(settings: Settings, store: ObjectStore) -> Handler:
    """Reads ``settings.topic_letters_received``; writes ``settings.topic_letters_parsed``, or
    ``settings.topic_letters_ocr`` for a PDF with pages without a text layer that the ocr stage
    has not read yet (the event unchanged; it comes back with their text).

    The object is read pinned to the announced version (or etag) and at most
    ``settings.max_object_bytes`` long; the extractor stops at ``settings.max_pages`` and at
    ``settings.max_inflated_bytes`` of inflated PDF streams. Storage errors keep their own
    permanent/transient kind; extraction errors become permanent failures with the extractor's
    reason code.
    """
    topic = settings.topic_letters_parsed

    def handle(message: Message) -> Sequence[Output]:
        event = decode(message, LetterReceived)
        received = event.data
        source = received.source
        stored = read_announced(store, source, settings)
        content_type = source.content_type or stored.content_type
        elsewhere = ReadElsewhere(ocr_pages_of(received.ocr) if received.ocr is not None else None)
        try:
            record = extract(
                stored.data,
                media_type=content_type,
                max_pages=settings.max_pages,
                max_inflated_bytes=settings.max_inflated_bytes,
                ocr=elsewhere,
            )
        except OcrNeeded:
            return [emit(settings.topic_letters_ocr, event)]
        except ExtractionError as error:
            raise PermanentError(error.reason) from error
        read = source.model_copy(
            update={
                "sha256": hashlib.sha256(stored.data).hexdigest(),
                "pages": record.pages,
                "size": stored.size,
                "content_type": content_type,
            }
        )
        data = LetterParsedData(
            letter_id=received.letter_id,
            source=read,
            record=record,
            extractor_version=EXTRACTOR_VERSION,
        )
        return [emit(topic, LetterParsed(source=_SOURCE, data=data))]

    return handle
