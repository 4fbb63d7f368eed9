"""Page text an OCR stage read from a scanned letter, handed back to parse with the letter."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

OcrWordRow = tuple[int, int, float, int, int, int, int]
"""One word: ``[start, end)`` in the page text, confidence 0..100, and its box in pixels of the
image read (left, top, width, height)."""


class OcrPageText(BaseModel):
    """One page read by OCR."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    page: int = Field(ge=1)
    """The page's number in the PDF (1-based)."""
    text: str
    """Lines joined by newlines, a blank line between paragraphs."""
    words: list[OcrWordRow]
    """Every word of ``text``: start, end, confidence, left, top, width, height."""
    image_size: tuple[int, int]
    """Width and height in pixels of the image read."""
    quarter_turns: int = Field(default=0, ge=0, le=3)
    """Counter-clockwise quarter turns the page was given before it was read."""


class OcrText(BaseModel):
    """The pages of a letter that have no text layer, as an OCR engine read them."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    engine: str = Field(min_length=1)
    """The engine that read them (e.g. ``tesseract``)."""
    pages: list[OcrPageText]
    """The pages read; blank pages are left out."""
