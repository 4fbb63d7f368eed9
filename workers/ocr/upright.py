"""One page through an OCR engine, cleaned and turned upright first.

Specks are removed, a page whose lines run top to bottom is given a quarter turn, and the
tilt is taken out. A page read with a low mean word confidence is read once more turned
upside down (an upside-down scan, or a sideways one turned the wrong way), and the better of
the two readings is kept. Word boxes are in the frame of the image the engine read.
"""

from __future__ import annotations

from typing import Final

from workers.ocr.engine import OcrEngine, OcrPage, PageImage
from workers.ocr.preprocess import despeckled, from_image, levelled, to_image, turned

REREAD_BELOW: Final = 60.0
"""Mean word confidence (0..100, weighted by word length) under which the page is read again
upside down."""


def read_upright(engine: OcrEngine, page: PageImage) -> OcrPage:
    """The text of ``page`` read by ``engine`` the right way up."""
    image = levelled(despeckled(to_image(page)))
    first = engine.read_page(from_image(image, page.dpi))
    if mean_confidence(first) >= REREAD_BELOW:
        return first
    second = engine.read_page(from_image(turned(image, 2), page.dpi))
    return second if mean_confidence(second) > mean_confidence(first) else first


def mean_confidence(page: OcrPage) -> float:
    """Word confidence averaged over characters: 0 for a page with no words."""
    total = sum(word.end - word.start for word in page.words)
    if not total:
        return 0.0
    return sum(word.confidence * (word.end - word.start) for word in page.words) / total
