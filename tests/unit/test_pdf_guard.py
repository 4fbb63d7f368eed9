"""The inflated-size guard refuses decompression bombs before PDFium and passes real PDFs."""

from __future__ import annotations

import base64
import io
import tracemalloc
import zlib
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from workers.extraction import DocumentTooLargeError, extract, load_document
from workers.extraction.pdf_guard import check_inflated_size

FIXTURE_PDFS = Path(__file__).resolve().parents[1] / "fixtures" / "pdf"
BUDGET = 8 << 20
INFLATED = 256 << 20
# Room for the guard's own bookkeeping and one piece of inflated output.
MARGIN = 4 << 20


def _zlib_of_spaces(size: int, chunk: int = 1 << 20) -> bytes:
    """A zlib stream of ``size`` spaces, built a chunk at a time."""
    packer = zlib.compressobj(9)
    block = b" " * chunk
    return b"".join(packer.compress(block) for _ in range(size // chunk)) + packer.flush()


def _pdf(content_dict: bytes, content: bytes, extra: tuple[bytes, ...] = ()) -> bytes:
    """A one-page PDF whose page content is ``content`` under the dictionary ``content_dict``;
    ``extra`` objects (numbered from 5) follow."""
    objects = (
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< "
        + content_dict
        + b" /Length %d >>\nstream\n" % len(content)
        + content
        + b"\nendstream",
        *extra,
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb_stream() -> bytes:
    return _zlib_of_spaces(INFLATED)


@pytest.mark.parametrize(
    "filters", [b"/Filter /FlateDecode", b"/Filter [/FlateDecode]", b"/Filter[ /Fl ]"]
)
def test_a_flate_bomb_is_refused_without_inflating_it(bomb_stream: bytes, filters: bytes) -> None:
    data = _pdf(filters, bomb_stream)
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
        check_inflated_size(_pdf(b"/Filter [/ASCII85Decode /FlateDecode]", wrapped), BUDGET)


def test_streams_are_summed_against_the_budget() -> None:
    quarter = _zlib_of_spaces(BUDGET // 4 + (1 << 20))
    fonts = tuple(
        b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(quarter) + quarter + b"\nendstream"
        for _ in range(3)
    )
    data = _pdf(b"/Filter /FlateDecode", quarter, fonts)
    check_inflated_size(data, 5 * BUDGET)
    with pytest.raises(DocumentTooLargeError):
        check_inflated_size(data, BUDGET)


def test_a_bomb_disguised_as_an_image_is_refused(bomb_stream: bytes) -> None:
    image = b"/Subtype /Image /Width 100 /Height 100 /BitsPerComponent 8 /Filter /FlateDecode"
    with pytest.raises(DocumentTooLargeError) as caught:
        check_inflated_size(_pdf(image, bomb_stream), BUDGET)
    assert "image" in str(caught.value)


def test_images_within_their_declared_size_do_not_count() -> None:
    image = b"/Subtype /Image /Width 1024 /Height 1024 /BitsPerComponent 8 /Filter /FlateDecode"
    pixels = _zlib_of_spaces(3 << 20)
    images = tuple(
        b"<< " + image + b" /Length %d >>\nstream\n" % len(pixels) + pixels + b"\nendstream"
        for _ in range(3)
    )
    check_inflated_size(_pdf(b"", b"BT ET", images), BUDGET)


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
    check_inflated_size(_pdf(b"/Filter /FlateDecode", b"\x78\x9c not deflate" * 1000), 1024)
