"""OCR: read the pages of a scanned letter that have no text layer and hand it back to parse.

Parse routes a PDF with such pages here (the ``letter.received`` event unchanged, on
``settings.topic_letters_ocr``), so scans queue and scale on their own and text-layer letters
never wait behind them. This stage reads the pinned object version, OCRs only those pages
(blank ones are passed over) and republishes the ``letter.received`` event to parse's own topic
with the page text, word boxes and word confidences attached; parse then extracts the letter
from its text layer and these pages, and never routes it here again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from schemas.events import LetterReceived, OcrPageText, OcrText, stage_source
from workers.config import Settings
from workers.extraction import ExtractionError, OcrFailedError, read_scanned_pages
from workers.ocr import OcrEngine, OcrPage, OcrWord
from workers.runtime import Handler, Message, Output, PermanentError, TransientError
from workers.stages.announced import read_announced
from workers.stages.codec import decode, emit
from workers.storage import ObjectStore

_SOURCE = stage_source("ocr")


def make_ocr_handler(settings: Settings, store: ObjectStore, engine: OcrEngine | None) -> Handler:
    """Reads ``settings.topic_letters_ocr``; writes ``settings.topic_letters_received``.

    Without an engine a scan is dead-lettered as ``no_text_layer``, as parse would without one;
    a letter whose page text would exceed ``settings.max_ocr_event_bytes`` as ``too_large``. An
    engine that could not be started is retried; one that fails or times out on a page
    dead-letters the letter as ``ocr_failed``.
    """

    def handle(message: Message) -> Sequence[Output]:
        received = decode(message, LetterReceived).data
        if engine is None:
            raise PermanentError("no_text_layer")
        source = received.source
        stored = read_announced(store, source, settings)
        try:
            read = read_scanned_pages(
                stored.data,
                engine,
                max_pages=settings.max_pages,
                max_inflated_bytes=settings.max_inflated_bytes,
            )
        except OcrFailedError as error:
            if _engine_could_not_start(error):
                raise TransientError("ocr_engine_unavailable") from error
            raise PermanentError(error.reason) from error
        except ExtractionError as error:
            raise PermanentError(error.reason) from error
        data = received.model_copy(update={"ocr": ocr_text(engine.name, read)})
        output = emit(settings.topic_letters_received, LetterReceived(source=_SOURCE, data=data))
        if len(output.value) > settings.max_ocr_event_bytes:
            raise PermanentError("too_large")
        return [output]

    return handle


def _engine_could_not_start(error: BaseException) -> bool:
    """Whether an OCR failure came from starting the engine (an ``OSError``: no memory or
    processes left, worth a retry) rather than from the page (a timeout or an error exit)."""
    cause = error.__cause__
    while cause is not None:
        if isinstance(cause, OSError):
            return True
        cause = cause.__cause__
    return False


def ocr_text(engine: str, read: Mapping[int, OcrPage]) -> OcrText:
    """Pages read by OCR (0-based index -> page) as event data."""
    return OcrText(
        engine=engine,
        pages=[
            OcrPageText(
                page=index + 1,
                text=page.text,
                words=[(w.start, w.end, w.confidence, *w.box) for w in page.words],
                image_size=page.size,
                quarter_turns=page.quarter_turns,
            )
            for index, page in sorted(read.items())
        ],
    )


def ocr_pages_of(text: OcrText) -> dict[int, OcrPage]:
    """The pages in event data, back as 0-based index -> page."""
    return {
        page.page - 1: OcrPage(
            text=page.text,
            words=tuple(
                OcrWord(start, end, confidence, (left, top, width, height))
                for start, end, confidence, left, top, width, height in page.words
            ),
            size=page.image_size,
            quarter_turns=page.quarter_turns,
        )
        for page in text.pages
    }
