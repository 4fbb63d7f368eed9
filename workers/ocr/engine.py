"""What an OCR engine takes and gives back, independent of the engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class PageImage:
    """An 8-bit grey page image, rows top to bottom, ``width`` bytes per row."""

    width: int
    height: int
    dpi: int
    pixels: bytes

    def pgm(self) -> bytes:
        """The image as a binary PGM file, which every OCR engine here reads."""
        return b"P5\n%d %d\n255\n" % (self.width, self.height) + self.pixels


@dataclass(frozen=True, slots=True)
class OcrWord:
    """One recognised word: ``[start, end)`` in the page text, its confidence (0..100) and its
    box in pixels (left, top, width, height)."""

    start: int
    end: int
    confidence: float
    box: tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class OcrPage:
    """The text of one page as lines joined by newlines (a blank line between paragraphs) and
    every word in it. Word boxes are in the image that was read: ``size`` pixels (width,
    height; ``(0, 0)`` when not known), the page turned ``quarter_turns`` x 90 degrees
    counter-clockwise."""

    text: str
    words: tuple[OcrWord, ...]
    size: tuple[int, int] = (0, 0)
    quarter_turns: int = 0


class OcrEngine(Protocol):
    """Reads the text of one page image; raises ``OcrEngineError`` when it cannot."""

    name: str

    def read_page(self, image: PageImage) -> OcrPage: ...
