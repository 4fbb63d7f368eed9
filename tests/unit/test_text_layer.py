"""Text layer: normalisation, plain-text decoding, PDF reading and its typed errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from workers.extraction.errors import (
    CorruptDocumentError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncryptedDocumentError,
    NotALetterError,
    NoTextLayerError,
    UnsupportedMediaTypeError,
)
from workers.extraction.text_layer import (
    document_from_pages,
    load_document,
    normalise_text,
    strip_page_furniture,
    undouble_line_breaks,
)


def _pdf(pages: list[list[str]]) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter)
    for lines in pages:
        y = 720
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 14
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
PAGE_ONE = ["Case Number: CM17-0000001", "Date Assigned: 01/09/2017 Date of Injury: 10/11/2016"]
PAGE_TWO = ["Decision rationale: The request is not medically necessary."]


class TestNormalise:
    def test_line_endings_become_newlines(self) -> None:
        assert normalise_text("a\r\nb\rc") == "a\nb\nc"

    def test_odd_spaces_become_plain_spaces_and_zero_width_disappear(self) -> None:
        assert normalise_text("MRI\u00a0of\u2009the\u202fknee\u200b\ufeff") == "MRI of the knee"

    def test_ligatures_are_expanded(self) -> None:
        assert normalise_text("\ufb01nal \ufb02exion e\ufb00ect") == "final flexion effect"

    def test_smart_quotes_and_dashes_become_ascii(self) -> None:
        text = "\u201cTapering\u201d patient\u2019s ODG Preface \u2013 Therapy \u2014 x"
        assert normalise_text(text) == '"Tapering" patient\'s ODG Preface - Therapy - x'

    def test_soft_hyphen_is_removed_and_pdfium_line_hyphen_kept(self) -> None:
        assert normalise_text("docu\u00adment Non\ufffeMTUS") == "document Non-MTUS"

    def test_trailing_spaces_are_stripped_per_line(self) -> None:
        assert normalise_text("Received:  \n01/03/2017 \t") == "Received:\n01/03/2017"


class TestDocument:
    def test_pages_are_joined_by_form_feed_with_page_starts(self) -> None:
        doc = document_from_pages(["first page ", "second"])
        assert doc.text == "first page\fsecond"
        assert doc.page_starts == (0, 11)
        assert doc.page_of(doc.text.index("second")) == 2
        assert doc.provenance(0, 5).page == 1

    def test_no_pages_is_not_a_letter(self) -> None:
        with pytest.raises(NotALetterError):
            document_from_pages([])


class TestPageFurniture:
    def test_running_header_and_page_numbers_are_dropped(self) -> None:
        pages = [
            "Case Number: CM14-0000001\nfirst body line\nPage 1 of 3",
            "Case Number: CM14-0000001\nsecond body line\nPage 2 of 3",
            "Case Number: CM14-0000001\nthird body line\n- 3 -",
        ]
        assert strip_page_furniture(pages) == [
            "Case Number: CM14-0000001\nfirst body line",
            "second body line",
            "third body line",
        ]

    def test_page_of_lines_are_dropped_anywhere(self) -> None:
        assert strip_page_furniture(["Page 1 of 1\nbody\n  page 1 of 1 \nmore"]) == ["body\nmore"]

    @pytest.mark.parametrize(
        ("line", "kept"),
        [
            ("PAGE 2 OF 3 body", "body"),
            ("body PG. 2/3", "body"),
            ("body pG: 2 of 3", "body"),
            ("body Pages 2 of 3", "body Pages 2 of 3"),
            ("body 2 of 3", "body 2 of 3"),
        ],
    )
    def test_page_of_is_cut_in_any_case_and_spelling(self, line: str, kept: str) -> None:
        assert strip_page_furniture([line]) == [kept]

    def test_repeated_rationale_lines_are_kept(self) -> None:
        pages = [
            "heading\nAs such, the request is not medically necessary.",
            "As such, the request is not medically necessary.\nconservative treatment. As",
            "such, the request\nconservative treatment. As",
        ]
        assert strip_page_furniture(pages) == pages

    def test_page_one_keeps_its_header_line(self) -> None:
        pages = [
            "Case Number: CM14-0000001\nbody",
            "Case Number: CM14-0000001\nmore body",
        ]
        assert strip_page_furniture(pages) == ["Case Number: CM14-0000001\nbody", "more body"]

    def test_repeated_short_rationale_lines_without_numbers_are_kept(self) -> None:
        pages = [
            "heading\nmedically necessary",
            "medically necessary\nmore text\nmedically necessary",
        ]
        assert strip_page_furniture(pages) == pages

    def test_running_header_without_a_number_is_dropped(self) -> None:
        pages = [
            "MAXIMUS Federal Services\nIMR Final Determination\nfirst body line",
            "MAXIMUS Federal Services\nIMR Final Determination\nsecond body line",
            "MAXIMUS Federal Services\nIMR Final Determination\nthird body line",
        ]
        assert strip_page_furniture(pages) == [
            "MAXIMUS Federal Services\nIMR Final Determination\nfirst body line",
            "second body line",
            "third body line",
        ]

    def test_page_of_is_cut_from_a_running_case_number_line(self) -> None:
        pages = [
            "Case Number: CM13-0012345\nfirst body line",
            "second body line\nIMR Case Number CM13-0012345    Page 2 of 2",
        ]
        assert strip_page_furniture(pages) == [pages[0], "second body line"]

    def test_lone_case_number_on_a_later_page_is_dropped(self) -> None:
        pages = [
            "Case Number: CM19-0001234\nfirst body line",
            "CM19-0001234\nsecond body line",
        ]
        assert strip_page_furniture(pages) == [pages[0], "second body line"]

    def test_lone_case_number_line_inside_a_later_page_is_dropped(self) -> None:
        pages = [
            "Case Number: CM16-0001234\nfirst body line",
            "second body line\nIMR Case Number: CM16-0001234\nthird body line",
        ]
        assert strip_page_furniture(pages) == [pages[0], "second body line\nthird body line"]

    def test_page_two_header_repeating_the_letterhead_is_dropped(self) -> None:
        pages = [
            "MAXIMUS Federal Services\nIndependent Medical Review\nCase Number: CM16-0001234\nbody",
            "Independent Medical Review\nmore body",
        ]
        assert strip_page_furniture(pages) == [pages[0], "more body"]

    def test_footer_repeated_on_every_page_is_dropped(self) -> None:
        pages = [
            "header\nfirst body line.\nConfidential Medical Information",
            "second body line.\nConfidential Medical Information",
        ]
        assert strip_page_furniture(pages) == ["header\nfirst body line.", "second body line."]


class TestPlainText:
    def test_blank_line_after_every_line_is_undone(self) -> None:
        text = "\n\n".join(f"line {n}" for n in range(10)) + "\n\n\n\nafter a real blank"
        assert undouble_line_breaks(text) == (
            "\n".join(f"line {n}" for n in range(10)) + "\n\nafter a real blank"
        )

    def test_ordinary_text_keeps_its_blank_lines(self) -> None:
        text = "a\nb\n\nc\nd\ne\nf\ng\nh\ni"
        assert undouble_line_breaks(text) == text

    def test_cp1252_fallback(self) -> None:
        doc = load_document("Patient\u2019s \u201cMRI\u201d".encode("cp1252"))
        assert doc.text == 'Patient\'s "MRI"'

    def test_utf16_with_bom(self) -> None:
        doc = load_document("Case Number: CM17-0000001".encode("utf-16"))
        assert doc.text == "Case Number: CM17-0000001"

    def test_form_feeds_separate_pages(self) -> None:
        doc = load_document(b"page one\r\n\x0cpage two")
        assert doc.pages == 2
        assert doc.text == "page one\n\fpage two"

    @pytest.mark.parametrize("data", [b"", b"   \n\t ", "\ufeff \r\n".encode()])
    def test_empty_or_blank_input_is_an_empty_document(self, data: bytes) -> None:
        with pytest.raises(EmptyDocumentError) as caught:
            load_document(data)
        assert caught.value.reason == "empty_document"

    @pytest.mark.parametrize(
        "data",
        [
            PNG,
            b"\xff\xd8\xff\xe0\x00\x10JFIF",
            b"GIF89a\x01\x00\x01\x00",
            b"II*\x00\x08\x00\x00\x00",
            b"PK\x03\x04\x14\x00\x06\x00",
            b"some text\x00with a NUL",
            bytes(range(1, 32)) * 4 + b"mostly control characters",
            "\ufeffbroken".encode("utf-16-le")[:-1].join([b"\xff\xfe", b""]),
        ],
        ids=["png", "jpeg", "gif", "tiff", "zip", "nul", "controls", "bad-utf16"],
    )
    def test_binary_input_is_an_unsupported_media_type(self, data: bytes) -> None:
        with pytest.raises(UnsupportedMediaTypeError) as caught:
            load_document(data)
        assert caught.value.reason == "unsupported_media_type"

    def test_text_with_a_few_control_characters_is_still_text(self) -> None:
        text = "Case Number: CM17-0000001\x1b\x07 " + "Decision rationale. " * 10
        assert load_document(text.encode()).text.startswith("Case Number: CM17-0000001")

    def test_page_limit(self) -> None:
        with pytest.raises(DocumentTooLargeError):
            load_document(b"a\fb\fc", max_pages=2)


class TestPdf:
    def test_text_layer_is_read_per_page(self) -> None:
        doc = load_document(_pdf([PAGE_ONE, PAGE_TWO]))
        assert doc.pages == 2
        first, second = doc.text.split("\f")
        assert "Date Assigned: 01/09/2017 Date of Injury: 10/11/2016" in first
        assert second.startswith("Decision rationale:")
        assert "\r" not in doc.text

    def test_pdf_is_sniffed_by_magic_not_media_type(self) -> None:
        doc = load_document(_pdf([PAGE_ONE]), media_type="application/octet-stream")
        assert doc.text.startswith("Case Number: CM17-0000001")

    def test_encrypted_pdf(self) -> None:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf([PAGE_ONE]))))
        writer.encrypt(user_password="secret", owner_password="owner")
        buffer = io.BytesIO()
        writer.write(buffer)
        with pytest.raises(EncryptedDocumentError) as caught:
            load_document(buffer.getvalue())
        assert caught.value.reason == "encrypted"

    def test_pdf_without_pages_is_corrupt(self) -> None:
        buffer = io.BytesIO()
        PdfWriter().write(buffer)
        with pytest.raises(CorruptDocumentError):
            load_document(buffer.getvalue())

    def test_zero_byte_pdf_file_is_empty_input(self, tmp_path: Path) -> None:
        path = tmp_path / "empty.pdf"
        path.write_bytes(b"")
        with pytest.raises(EmptyDocumentError):
            load_document(path.read_bytes(), media_type="application/pdf")

    def test_truncated_pdf_is_corrupt(self) -> None:
        data = _pdf([PAGE_ONE])
        with pytest.raises(CorruptDocumentError):
            load_document(data[: len(data) // 3])

    def test_binary_declared_as_pdf_without_pdf_header_is_corrupt(self) -> None:
        with pytest.raises(CorruptDocumentError):
            load_document(b"\x00\x13\x88garbled\x00", media_type="application/pdf")

    @pytest.mark.parametrize("media_type", ["application/pdf", "image/png", None])
    def test_an_image_is_unsupported_whatever_its_declared_type(
        self, media_type: str | None
    ) -> None:
        with pytest.raises(UnsupportedMediaTypeError):
            load_document(PNG, media_type=media_type)

    def test_text_declared_as_pdf_is_read_as_text(self) -> None:
        doc = load_document(b"Case Number: CM17-0000001", media_type="application/pdf")
        assert doc.text == "Case Number: CM17-0000001"

    def test_image_only_pdf_has_no_text_layer(self) -> None:
        buffer = io.BytesIO()
        pdf = canvas.Canvas(buffer, pagesize=letter)
        pdf.rect(72, 72, 300, 400, fill=1)
        pdf.showPage()
        pdf.save()
        with pytest.raises(NoTextLayerError):
            load_document(buffer.getvalue())

    def test_page_limit(self) -> None:
        with pytest.raises(DocumentTooLargeError):
            load_document(_pdf([PAGE_ONE, PAGE_TWO, PAGE_TWO]), max_pages=2)
