"""Tesseract's TSV output (one row per page, block, paragraph, line and word) -> :class:`OcrPage`.

Lines are rebuilt from the word rows in Tesseract's reading order; a new paragraph starts after
a blank line. Table borders and rule lines come out as runs of ``|``, ``_`` or brackets: such
tokens are dropped, and a ``|`` stuck to a word is cut off; so are punctuation-only words of
low confidence (specks of paper noise).
"""

from __future__ import annotations

import re

from workers.ocr.engine import OcrPage, OcrWord

_WORD_LEVEL = "5"
_COLUMNS = 12
_BORDER_TOKEN = re.compile(r"[|\[\]{}_~=]+|[-—]{2,}")
_BORDER_EDGE = "|"
# Punctuation-only "words" below this confidence are paper noise.
_SPECK_CONFIDENCE = 60.0


def page_from_tsv(tsv: str) -> OcrPage:
    """Page text and words from Tesseract TSV (the header row is skipped)."""
    parts: list[str] = []
    words: list[OcrWord] = []
    offset = 0
    line_key: tuple[str, str, str] | None = None
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) != _COLUMNS or cells[0] != _WORD_LEVEL:
            continue
        text = cells[11].strip().strip(_BORDER_EDGE)
        if not text or _BORDER_TOKEN.fullmatch(text) or _is_speck(text, float(cells[10])):
            continue
        key = (cells[2], cells[3], cells[4])
        if line_key is not None:
            separator = " " if key == line_key else "\n" if key[:2] == line_key[:2] else "\n\n"
            parts.append(separator)
            offset += len(separator)
        line_key = key
        left, top, width, height = (int(cell) for cell in cells[6:10])
        words.append(
            OcrWord(offset, offset + len(text), float(cells[10]), (left, top, width, height))
        )
        parts.append(text)
        offset += len(text)
    return OcrPage(text="".join(parts), words=tuple(words))


def _is_speck(text: str, confidence: float) -> bool:
    return confidence < _SPECK_CONFIDENCE and not any(char.isalnum() for char in text)
