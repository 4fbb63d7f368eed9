"""One page through an OCR engine, cleaned and turned upright first.

Specks are removed, a page whose lines run top to bottom is given a quarter turn, and the
tilt is taken out. A page read with a low mean word confidence is read once more turned
upside down (an upside-down scan, or a sideways one turned the wrong way), and the better of
the two readings is kept. Word boxes are in the frame of the image the engine read.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from PIL import Image

from workers.ocr.engine import OcrEngine, OcrPage, OcrWord, PageImage
from workers.ocr.preprocess import despeckled, from_image, levelled, to_image, turned

REREAD_BELOW: Final = 60.0
"""Mean word confidence (0..100, weighted by word length) under which the page is read again
upside down."""


def read_upright(engine: OcrEngine, page: PageImage) -> OcrPage:
    """The text of ``page`` read by ``engine`` the right way up."""
    image, quarter_turns = levelled(despeckled(to_image(page)))
    first = _read(engine, image, page.dpi, quarter_turns)
    if mean_confidence(first) >= REREAD_BELOW:
        return first
    second = _read(engine, turned(image, 2), page.dpi, quarter_turns + 2)
    return second if mean_confidence(second) > mean_confidence(first) else first


def _read(engine: OcrEngine, image: Image.Image, dpi: int, quarter_turns: int) -> OcrPage:
    read = engine.read_page(from_image(image, dpi))
    return replace(read, size=image.size, quarter_turns=quarter_turns % 4)


def page_box(word: OcrWord, page: OcrPage) -> tuple[float, float, float, float] | None:
    """``word``'s box as fractions of the page as it lies in the PDF (left, top, width,
    height from its top left), or ``None`` when the image size is not known. A tilt taken out
    is not put back: half a degree moves a box by under a line across the page, three degrees
    by about three lines at the far edge."""
    width, height = page.size
    if not width or not height:
        return None
    left, top, box_width, box_height = word.box
    corners = [
        (left / width, top / height),
        ((left + box_width) / width, (top + box_height) / height),
    ]
    for _ in range(page.quarter_turns % 4):
        # Undo one counter-clockwise quarter turn: (x, y) in the turned image was (1 - y, x).
        corners = [(1 - y, x) for x, y in corners]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    return (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


def mean_confidence(page: OcrPage) -> float:
    """Word confidence averaged over characters: 0 for a page with no words."""
    total = sum(word.end - word.start for word in page.words)
    if not total:
        return 0.0
    return sum(word.confidence * (word.end - word.start) for word in page.words) / total
