"""Tesseract's TSV output (one row per page, block, paragraph, line and word) -> :class:`OcrPage`.

Lines are rebuilt from the word rows in Tesseract's reading order; a new paragraph starts after
a blank line. Table borders and rule lines come out as runs of ``|``, ``_`` or brackets: such
tokens are dropped, and a ``|`` stuck to a word is cut off; so are punctuation-only words of
low confidence (specks of paper noise). A lone ``|`` of text height between two words is a
misread ``1`` and is kept as one, with a low confidence.
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
# A "|" between two words of a line and no taller than this times the line's text is a glyph
# (most often a "1"), not a table border: borders run the height of a table row.
_GLYPH_HEIGHT = 1.25
AMBIGUOUS_GLYPH_CONFIDENCE = 50.0
"""Confidence given to a "|" read as "1": low enough that a field holding it goes to review."""


def page_from_tsv(tsv: str) -> OcrPage:
    """Page text and words from Tesseract TSV (the header row is skipped)."""
    lines: dict[tuple[str, str, str], list[list[str]]] = {}
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) == _COLUMNS and cells[0] == _WORD_LEVEL and cells[11].strip():
            lines.setdefault((cells[2], cells[3], cells[4]), []).append(cells)
    parts: list[str] = []
    words: list[OcrWord] = []
    offset = 0
    line_key: tuple[str, str, str] | None = None
    for key, line in lines.items():
        for text, confidence, box in _line_words(line):
            if line_key is not None:
                separator = " " if key == line_key else "\n" if key[:2] == line_key[:2] else "\n\n"
                parts.append(separator)
                offset += len(separator)
            line_key = key
            words.append(OcrWord(offset, offset + len(text), confidence, box))
            parts.append(text)
            offset += len(text)
    return OcrPage(text="".join(parts), words=tuple(words))


def _line_words(line: list[list[str]]) -> list[tuple[str, float, tuple[int, int, int, int]]]:
    """The words of one line worth keeping: text, confidence and box."""
    heights = sorted(int(cells[9]) for cells in line if cells[11].strip() != _BORDER_EDGE)
    text_height = heights[len(heights) // 2] if heights else 0
    kept: list[tuple[str, float, tuple[int, int, int, int]]] = []
    for index, cells in enumerate(line):
        left, top, width, height = (int(cell) for cell in cells[6:10])
        confidence = float(cells[10])
        text = cells[11].strip()
        inside = 0 < index < len(line) - 1
        if text == _BORDER_EDGE and inside and height <= _GLYPH_HEIGHT * text_height:
            text, confidence = "1", min(confidence, AMBIGUOUS_GLYPH_CONFIDENCE)
        text = text.strip(_BORDER_EDGE)
        if not text or _BORDER_TOKEN.fullmatch(text) or _is_speck(text, confidence):
            continue
        kept.append((text, confidence, (left, top, width, height)))
    return kept


def _is_speck(text: str, confidence: float) -> bool:
    return confidence < _SPECK_CONFIDENCE and not any(char.isalnum() for char in text)
