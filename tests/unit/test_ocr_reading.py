"""OCR output -> document -> record, without running an OCR engine: Tesseract TSV parsing,
label repair, word placement and the confidence rules that keep a misread value from `valid`."""

from __future__ import annotations

import re
from pathlib import Path

from workers.extraction import Document, extract_document
from workers.extraction.ocr_confidence import OCR_LOW_CONFIDENCE, OCR_PAGES
from workers.extraction.ocr_pages import with_ocr_words
from workers.extraction.ocr_words import read_words
from workers.extraction.text_layer import normalise_text, read_text
from workers.extraction.vocabulary import US_STATES, closest, edit_distance
from workers.ocr import OcrPage, OcrWord
from workers.ocr.tsv import AMBIGUOUS_GLYPH_CONFIDENCE, page_from_tsv
from workers.validation import validate

LETTER = Path(__file__).resolve().parents[1] / "fixtures" / "letters" / "a2016_three_items.txt"
HEADER = "\t".join(
    [
        "level",
        "page_num",
        "block_num",
        "par_num",
        "line_num",
        "word_num",
        "left",
        "top",
        "width",
        "height",
        "conf",
        "text",
    ]
)


def _row(block: int, par: int, line: int, conf: float, text: str) -> str:
    return f"5\t1\t{block}\t{par}\t{line}\t1\t10\t20\t30\t40\t{conf}\t{text}"


def test_tsv_rebuilds_lines_paragraphs_and_drops_table_borders() -> None:
    rows = [
        HEADER,
        "4\t1\t1\t1\t1\t0\t0\t0\t100\t40\t-1\t",
        _row(1, 1, 1, 96.5, "Case"),
        _row(1, 1, 1, 91.0, "Number:|"),
        _row(1, 1, 1, 40.0, "|"),
        _row(1, 1, 2, 88.0, "CM16-0218843"),
        _row(1, 2, 1, 95.0, "____"),
        _row(1, 2, 1, 95.0, "Upheld"),
    ]
    page = page_from_tsv("\n".join(rows))
    assert page.text == "Case Number:\nCM16-0218843\n\nUpheld"
    assert [page.text[w.start : w.end] for w in page.words] == [
        "Case",
        "Number:",
        "CM16-0218843",
        "Upheld",
    ]
    assert [w.confidence for w in page.words] == [96.5, 91.0, 88.0, 95.0]
    assert page.words[0].box == (10, 20, 30, 40)


def test_a_bar_of_text_height_inside_a_line_is_a_doubtful_one_but_a_tall_bar_is_a_border() -> None:
    def word(number: int, height: int, text: str) -> str:
        return f"5\t1\t1\t1\t1\t{number}\t{number * 50}\t20\t30\t{height}\t94.0\t{text}"

    rows = [HEADER, word(1, 34, "week"), word(2, 28, "to"), word(3, 34, "|"), word(4, 24, "or")]
    rows += [word(5, 35, "Date:"), word(6, 50, "|"), word(7, 36, "12/19/2016")]
    page = page_from_tsv("\n".join(rows))
    assert page.text == "week to 1 or Date: 12/19/2016"
    assert [w.confidence for w in page.words if page.text[w.start : w.end] == "1"] == [
        AMBIGUOUS_GLYPH_CONFIDENCE
    ]


def test_misread_label_words_are_repaired_but_prose_is_not() -> None:
    page = _page(
        "Certitication(s)/Specialty: Surgery\nthe worker had PT; Upheld knee"
        "\nMRI of the right knee with contrast; Overturned\nMAXIMUS guideline; Decision"
        "\nOfficial Disability Guidelines: Knee\nCertification(s/ Specialty; Neurology"
        "\nMAXIMUS Case NumberCM13-0023518"
        "\nDecision Date;01/20/2017",
        90.0,
    )
    fixed = read_words(page)
    assert fixed.text == (
        "Certification(s)/Specialty: Surgery\nthe worker had PT; Upheld knee"
        "\nMRI of the right knee with contrast: Overturned\nMAXIMUS guideline: Decision"
        "\nOfficial Disability Guidelines: Knee\nCertification(s)/Specialty: Neurology"
        "\nMAXIMUS Case Number:CM13-0023518"
        "\nDecision Date:01/20/2017"
    )
    assert [fixed.text[w.start : w.end] for w in fixed.words][1] == "Surgery"


def test_a_misread_section_heading_is_spelled_as_the_heading_but_other_capitals_are_not() -> None:
    page = _page(
        "IMR ISSUERS, DECISIONS AND RATIONALES\nThe decisions below:\nMRI OF THE KNEE\n"
        "CLINICAL CASE SUMMARY",
        90.0,
    )
    fixed = read_words(page)
    assert fixed.text == (
        "IMR ISSUES, DECISIONS AND RATIONALES\nThe decisions below:\nMRI OF THE KNEE\n"
        "CLINICAL CASE SUMMARY"
    )
    assert fixed.text[fixed.words[0].start : fixed.words[0].end] == (
        "IMR ISSUES, DECISIONS AND RATIONALES"
    )


def test_a_case_number_or_date_split_in_two_is_joined_but_separate_values_are_not() -> None:
    page = _page(
        "Case Number: CM16-021 8843\nseen on 1 1/22/2016 and 12/01/2016 3 01/02/2017", 90.0
    )
    fixed = read_words(page)
    assert fixed.text == (
        "Case Number: CM16-0218843\nseen on 11/22/2016 and 12/01/2016 3 01/02/2017"
    )
    spelled = [fixed.text[w.start : w.end] for w in fixed.words]
    assert "CM16-0218843" in spelled and "11/22/2016" in spelled and "3" in spelled


def test_states_match_by_small_edit_distance_only() -> None:
    assert edit_distance("Califomia", "California") == 2
    assert closest("Califomia", US_STATES, 2) == "California"
    assert closest("New Y ork", US_STATES, 2) == "New York"
    assert closest("Atlantis", US_STATES, 2) is None


def test_letter_whose_words_are_all_sure_is_valid_and_marked_as_ocr() -> None:
    record = extract_document(_ocr_document(low_word=None))
    assert record.warnings[-1].code == OCR_PAGES
    assert validate(record).status == "valid"


def test_one_doubtful_word_in_a_field_sends_the_letter_to_review() -> None:
    record = extract_document(_ocr_document(low_word="CM16-0218843"))
    assert record.case_number == "CM16-0218843"
    assert record.confidence["case_number"] < 0.6
    result = validate(record)
    assert result.status == "needs_review"
    assert [(r.code, r.field) for r in result.reasons] == [
        ("confidence.low", "case_number"),
        (OCR_LOW_CONFIDENCE, "case_number"),
    ]


def test_states_listed_with_a_period_for_a_comma_are_read_as_states_but_others_are_flagged() -> (
    None
):
    line = LETTER.read_text().split("State(s) of Licensure:")[1].split("\n")[0]
    for listed, states, flagged in (
        ("Texas,New York. Califomia", ["Texas", "New York", "California"], False),
        ("Texas,New York. Atlantis", ["Texas", "New York. Atlantis"], True),
    ):
        record = extract_document(_ocr_document(low_word=None, replace=(line, " " + listed)))
        assert record.reviewer.license_states == states
        pairs = [(r.code, r.field) for r in validate(record).reasons]
        assert ((OCR_LOW_CONFIDENCE, "reviewer.license_states") in pairs) is flagged


def test_a_label_lost_to_ocr_is_reported_not_left_empty() -> None:
    record = extract_document(_ocr_document(low_word=None, replace=("Licensure:", "Licensvre")))
    assert record.reviewer.license_states == []
    flagged = [r.field for r in validate(record).reasons if r.code == OCR_LOW_CONFIDENCE]
    assert "reviewer.license_states" in flagged


def _page(text: str, confidence: float, low_word: str | None = None) -> OcrPage:
    words = tuple(
        OcrWord(m.start(), m.end(), 40.0 if m.group() == low_word else confidence, (0, 0, 1, 1))
        for m in re.finditer(r"\S+", text)
    )
    return OcrPage(text=text, words=words)


def _ocr_document(low_word: str | None, replace: tuple[str, str] = ("", "")) -> Document:
    text = LETTER.read_text().replace(*replace) if replace[0] else LETTER.read_text()
    doc = read_text(text.encode())
    ends = [*doc.page_starts[1:], len(doc.text) + 1]
    pages = {
        index: _page(doc.text[start : end - 1], 96.0, low_word)
        for index, (start, end) in enumerate(zip(doc.page_starts, ends, strict=True))
    }
    return with_ocr_words(doc, pages, normalise_text)
