"""The ocr stage and parse's routing to it, on in-memory records with a scripted engine."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from schemas.events import LetterParsed, LetterReceived, SourceObject
from schemas.ocr import OcrText
from tests.fixtures.scans import image_pdf, page_images, scanned
from tests.unit.test_stage_handlers import BUCKET, decoded, event_message, store
from workers.config import Settings
from workers.extraction import extract
from workers.extraction.text_layer import read_pdf
from workers.ocr import OcrEngineError, OcrPage, OcrWord, PageImage
from workers.runtime import PermanentError, TransientError
from workers.stages import received_event
from workers.stages.ocr import make_ocr_handler, ocr_pages_of, ocr_text
from workers.stages.parse import make_parse_handler
from workers.storage import LocalFolderStore

__all__ = ["store"]

PDF = Path(__file__).resolve().parents[1] / "fixtures" / "pdf" / "a2016_three_items.pdf"
SETTINGS = Settings(s3_bucket=BUCKET, s3_prefix="in/")


class _PageTexts:
    """Reads the n-th page image as the n-th of ``texts`` (every word at confidence 95)."""

    name = "scripted"

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.calls = 0

    def read_page(self, image: PageImage) -> OcrPage:
        text = self.texts[self.calls % len(self.texts)]
        self.calls += 1
        words = tuple(
            OcrWord(m.start(), m.end(), 95.0, (m.start(), 10, 8, 12))
            for m in re.finditer(r"\S+", text)
        )
        return OcrPage(text=text, words=words, size=(image.width, image.height))


def _page_texts() -> list[str]:
    document = read_pdf(PDF.read_bytes())
    ends = [*document.page_starts[1:], len(document.text) + 1]
    return [
        document.text[start : end - 1]
        for start, end in zip(document.page_starts, ends, strict=True)
    ]


def _received(store: LocalFolderStore, data: bytes) -> LetterReceived:
    info = store.put(BUCKET, "in/scan.pdf", data, "application/pdf")
    return received_event(SourceObject(bucket=BUCKET, key="in/scan.pdf", etag=info.etag))


def test_a_scan_goes_to_ocr_and_comes_back_read_as_the_inline_path_reads_it(
    store: LocalFolderStore,
) -> None:
    scan = scanned(PDF.read_bytes(), noise=0.0)
    received = _received(store, scan)
    parse = make_parse_handler(SETTINGS, store)

    [routed] = parse(event_message(received))
    assert routed.topic == SETTINGS.topic_letters_ocr
    assert decoded([routed]) == [received]

    [handed_back] = make_ocr_handler(SETTINGS, store, _PageTexts(_page_texts()))(
        event_message(received)
    )
    assert handed_back.topic == SETTINGS.topic_letters_received
    [back] = decoded([handed_back])
    assert isinstance(back, LetterReceived) and back.data.ocr is not None
    assert [page.page for page in back.data.ocr.pages] == [1, 2]
    assert back.data.source == received.data.source

    [parsed_output] = parse(event_message(back))
    assert parsed_output.topic == SETTINGS.topic_letters_parsed
    [parsed] = decoded([parsed_output])
    assert isinstance(parsed, LetterParsed)
    inline = extract(scan, ocr=_PageTexts(_page_texts()))
    assert parsed.data.record == inline
    assert parsed.data.record.case_number == extract(PDF.read_bytes()).case_number


def test_page_text_survives_the_event_unchanged() -> None:
    page = OcrPage(
        text="Case Number: CM16-0218843",
        words=(OcrWord(0, 4, 96.25, (1, 2, 3, 4)), OcrWord(13, 25, 71.5, (5, 6, 7, 8))),
        size=(2550, 3300),
        quarter_turns=2,
    )
    assert ocr_pages_of(ocr_text("tesseract", {3: page})) == {3: page}


def test_without_an_engine_a_scan_is_dead_lettered_as_no_text_layer(
    store: LocalFolderStore,
) -> None:
    received = _received(store, scanned(PDF.read_bytes(), noise=0.0))
    with pytest.raises(PermanentError) as raised:
        make_ocr_handler(SETTINGS, store, None)(event_message(received))
    assert raised.value.reason == "no_text_layer"


def test_page_text_too_large_for_one_record_is_dead_lettered(store: LocalFolderStore) -> None:
    received = _received(store, scanned(PDF.read_bytes(), noise=0.0))
    handle = make_ocr_handler(SETTINGS, store, _PageTexts(_page_texts()))
    [output] = handle(event_message(received))
    small = SETTINGS.model_copy(update={"max_ocr_event_bytes": len(output.value) - 1})
    with pytest.raises(PermanentError) as raised:
        make_ocr_handler(small, store, _PageTexts(_page_texts()))(event_message(received))
    assert raised.value.reason == "too_large"


def _mixed() -> bytes:
    """The fixture letter with its second page scanned and its first one as printed."""
    writer = PdfWriter()
    writer.add_page(PdfReader(PDF).pages[0])
    writer.add_page(PdfReader(io.BytesIO(scanned(PDF.read_bytes(), noise=0.0))).pages[1])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_mixed_pdf_has_only_its_scanned_page_read_and_parses_as_inline(
    store: LocalFolderStore,
) -> None:
    mixed = _mixed()
    received = _received(store, mixed)
    parse = make_parse_handler(SETTINGS, store)
    engine = _PageTexts(_page_texts()[1:])

    [routed] = parse(event_message(received))
    [handed_back] = make_ocr_handler(SETTINGS, store, engine)(event_message(received))
    [back] = decoded([handed_back])
    assert isinstance(back, LetterReceived) and back.data.ocr is not None
    assert (routed.topic, [page.page for page in back.data.ocr.pages]) == (
        SETTINGS.topic_letters_ocr,
        [2],
    )
    assert engine.calls == 1

    [parsed] = decoded(parse(event_message(back)))
    assert isinstance(parsed, LetterParsed)
    assert parsed.data.record == extract(mixed, ocr=_PageTexts(_page_texts()[1:]))


def test_a_letter_back_from_ocr_is_never_routed_there_again(store: LocalFolderStore) -> None:
    received = _received(store, scanned(PDF.read_bytes(), noise=0.0))
    parse = make_parse_handler(SETTINGS, store)
    [routed] = parse(event_message(received))
    assert routed.topic == SETTINGS.topic_letters_ocr

    read_nothing = received.data.model_copy(update={"ocr": OcrText(engine="x", pages=[])})
    with pytest.raises(PermanentError) as raised:
        parse(event_message(received.model_copy(update={"data": read_nothing})))
    assert raised.value.reason == "no_text_layer"


def test_a_blank_scan_is_dead_lettered_by_parse_without_a_trip_through_ocr(
    store: LocalFolderStore,
) -> None:
    blank = page_images(PDF.read_bytes())[0].point(lambda _: 255)
    with pytest.raises(PermanentError) as raised:
        make_parse_handler(SETTINGS, store)(event_message(_received(store, image_pdf([blank]))))
    assert raised.value.reason == "no_text_layer"


class _Failing:
    """An engine that fails on every page with ``cause`` behind its error."""

    name = "failing"

    def __init__(self, cause: Exception) -> None:
        self.cause = cause

    def read_page(self, image: PageImage) -> OcrPage:
        raise OcrEngineError(type(self.cause).__name__) from self.cause


def test_an_engine_that_cannot_start_is_retried_and_one_failing_on_a_page_is_not(
    store: LocalFolderStore,
) -> None:
    received = _received(store, scanned(PDF.read_bytes(), noise=0.0))
    cannot_start = make_ocr_handler(SETTINGS, store, _Failing(BlockingIOError(11, "again")))
    with pytest.raises(TransientError):
        cannot_start(event_message(received))

    timed_out = subprocess.TimeoutExpired(["tesseract"], 120.0)
    with pytest.raises(PermanentError) as raised:
        make_ocr_handler(SETTINGS, store, _Failing(timed_out))(event_message(received))
    assert raised.value.reason == "ocr_failed"


def test_a_text_letter_with_a_blank_page_is_parsed_without_a_trip_through_ocr(
    store: LocalFolderStore,
) -> None:
    text_pdf = PDF.read_bytes()
    blank = page_images(text_pdf)[0].point(lambda _: 255)
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(text_pdf)).pages:
        writer.add_page(page)
    writer.add_page(PdfReader(io.BytesIO(image_pdf([blank]))).pages[0])
    out = io.BytesIO()
    writer.write(out)
    [output] = make_parse_handler(SETTINGS, store)(event_message(_received(store, out.getvalue())))
    assert output.topic == SETTINGS.topic_letters_parsed
    [parsed] = decoded([output])
    assert isinstance(parsed, LetterParsed)
    assert parsed.data.record.case_number == extract(text_pdf).case_number
    assert parsed.data.record.pages == 3
