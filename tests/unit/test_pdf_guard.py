"""The inflated-size guard refuses decompression bombs before PDFium and passes real PDFs."""

from __future__ import annotations

import base64
import io
import tracemalloc
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from tests.fixtures.bad_inputs.generate import deflated_spaces, one_page_pdf
from workers.extraction import DocumentTooLargeError, extract, load_document
from workers.extraction.pdf_guard import check_inflated_size

FIXTURE_PDFS = Path(__file__).resolve().parents[1] / "fixtures" / "pdf"
BUDGET = 8 << 20
INFLATED = 256 << 20
# Room for the guard's own bookkeeping and one piece of inflated output.
MARGIN = 4 << 20


@pytest.fixture(scope="module")
def bomb_stream() -> bytes:
    return deflated_spaces(INFLATED)


@pytest.mark.parametrize(
    "filters", [b"/Filter /FlateDecode", b"/Filter [/FlateDecode]", b"/Filter[ /Fl ]"]
)
def test_a_flate_bomb_is_refused_without_inflating_it(bomb_stream: bytes, filters: bytes) -> None:
    data = one_page_pdf(filters, bomb_stream)
    assert len(data) < INFLATED // 500
    tracemalloc.start()
    try:
        with pytest.raises(DocumentTooLargeError) as caught:
            load_document(data, max_inflated_bytes=BUDGET)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < BUDGET + MARGIN
    assert caught.value.reason == "too_large"
    assert str(caught.value) == f"PDF streams inflate to more than {BUDGET} bytes"


def test_a_bomb_wrapped_in_ascii85_is_refused(bomb_stream: bytes) -> None:
    wrapped = base64.a85encode(bomb_stream, wrapcol=80) + b"~>"
    with pytest.raises(DocumentTooLargeError):
        check_inflated_size(one_page_pdf(b"/Filter [/ASCII85Decode /FlateDecode]", wrapped), BUDGET)


def test_streams_are_summed_against_the_budget() -> None:
    quarter = deflated_spaces(BUDGET // 4 + (1 << 20))
    fonts = tuple(
        b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(quarter) + quarter + b"\nendstream"
        for _ in range(3)
    )
    data = one_page_pdf(b"/Filter /FlateDecode", quarter, fonts)
    check_inflated_size(data, 5 * BUDGET)
    with pytest.raises(DocumentTooLargeError):
        check_inflated_size(data, BUDGET)


def test_a_bomb_disguised_as_an_image_is_refused(bomb_stream: bytes) -> None:
    image = b"/Subtype /Image /Width 100 /Height 100 /BitsPerComponent 8 /Filter /FlateDecode"
    with pytest.raises(DocumentTooLargeError) as caught:
        check_inflated_size(one_page_pdf(image, bomb_stream), BUDGET)
    assert "image" in str(caught.value)


def test_images_within_their_declared_size_do_not_count() -> None:
    image = b"/Subtype /Image /Width 1024 /Height 1024 /BitsPerComponent 8 /Filter /FlateDecode"
    pixels = deflated_spaces(3 << 20)
    images = tuple(
        b"<< " + image + b" /Length %d >>\nstream\n" % len(pixels) + pixels + b"\nendstream"
        for _ in range(3)
    )
    check_inflated_size(one_page_pdf(b"", b"BT ET", images), BUDGET)


def _noise_image(side: int, seed: int) -> ImageReader:
    pixels = bytes((x * 7 + y * 13 + seed) % 251 for y in range(side) for x in range(side * 3))
    return ImageReader(Image.frombytes("RGB", (side, side), pixels))


def test_a_pdf_with_real_images_is_read() -> None:
    side = 400
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter)
    pdf.drawImage(_noise_image(side, 1), 72, 300, 200, 200)
    pdf.drawImage(_noise_image(side, 2), 300, 300, 200, 200)
    pdf.drawString(72, 720, "Case Number: CM17-0000001 Date Assigned: 01/09/2017")
    pdf.showPage()
    pdf.save()
    data = buffer.getvalue()
    assert data.count(b"/Subtype /Image") == 2
    # Each image fits the budget, both together do not: images are not decoded for text.
    doc = load_document(data, max_inflated_bytes=side * side * 3 * 3 // 2)
    assert doc.text.startswith("Case Number: CM17-0000001")


@pytest.mark.parametrize("path", sorted(FIXTURE_PDFS.glob("*.pdf")), ids=lambda p: p.name)
def test_fixture_pdfs_pass_the_default_budget(path: Path) -> None:
    check_inflated_size(path.read_bytes(), 64 << 20)


def test_a_budget_below_a_letters_streams_refuses_it() -> None:
    data = (FIXTURE_PDFS / "c_upheld.pdf").read_bytes()
    extract(data, max_inflated_bytes=1 << 20)
    with pytest.raises(DocumentTooLargeError):
        extract(data, max_inflated_bytes=1024)


def test_a_broken_flate_stream_is_left_to_pdfium() -> None:
    check_inflated_size(one_page_pdf(b"/Filter /FlateDecode", b"\x78\x9c not deflate" * 1000), 1024)
