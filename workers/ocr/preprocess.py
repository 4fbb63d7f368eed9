"""Page image clean-up before OCR: speckle removal, quarter turns and deskewing.

Measured on scanned corpus letters (``benchmarks/ocr.py``): a 3x3 median filter removes the
paper specks that OCR otherwise reads as quotes and dashes stuck to words, and deskewing keeps
a tilted line of text from being merged with the line above it. Both cost about half a second
a page at 300 dpi, a fraction of the recognition itself. Binarising did not help (the engines
threshold better themselves), so the image stays grey.
"""

from __future__ import annotations

from typing import Final

from PIL import Image, ImageFilter

from workers.ocr.engine import PageImage

_SKEW_LIMIT_DEGREES: Final = 3.0
_COARSE_STEP: Final = 0.25
_FINE_STEP: Final = 0.05
_MIN_CORRECTION: Final = 0.2
"""Tilts smaller than this (degrees) are left as they are: across a page at 300 dpi they move a
line by less than a third of its height, and the search is only good to about 0.1 degree."""
_ANALYSIS_REDUCTION: Final = 4
"""Tilt and orientation are judged on an image this many times smaller in each direction."""
_INK_BELOW: Final = 150
_INK_LUT: Final = [255 if value < _INK_BELOW else 0 for value in range(256)]


def to_image(page: PageImage) -> Image.Image:
    return Image.frombytes("L", (page.width, page.height), page.pixels)


def from_image(image: Image.Image, dpi: int) -> PageImage:
    return PageImage(width=image.width, height=image.height, dpi=dpi, pixels=image.tobytes())


def despeckled(image: Image.Image) -> Image.Image:
    """``image`` with isolated specks (smaller than a stroke at 300 dpi) removed."""
    return image.filter(ImageFilter.MedianFilter(3))


def turned(image: Image.Image, quarter_turns: int) -> Image.Image:
    """``image`` turned counter-clockwise by ``quarter_turns`` x 90 degrees."""
    turns = quarter_turns % 4
    if turns == 0:
        return image
    return image.rotate(90 * turns, expand=True)


def levelled(image: Image.Image) -> tuple[Image.Image, int]:
    """``image`` with its text lines level, and the quarter turns that took: a page whose lines
    run top to bottom is given one, and a tilt of up to 3 degrees is taken out."""
    ink = _ink(image)
    angle, sharpness = _level_angle(ink)
    sideways_angle, sideways_sharpness = _level_angle(ink.transpose(Image.Transpose.ROTATE_90))
    quarter_turns = 0
    if sideways_sharpness > sharpness:
        image, angle, quarter_turns = turned(image, 1), sideways_angle, 1
    if abs(angle) >= _MIN_CORRECTION:
        image = image.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255)
    return image, quarter_turns


def skew_angle(image: Image.Image) -> float:
    """The counter-clockwise turn (degrees) that makes the text lines of ``image`` level."""
    return _level_angle(_ink(image))[0]


def _level_angle(ink: Image.Image) -> tuple[float, int]:
    """The counter-clockwise turn (degrees) that gives the sharpest row profile of ``ink``,
    searched coarse then fine, and that sharpness."""

    def sharpness_at(angle: float) -> int:
        return _sharpness(ink.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0))

    coarse = _steps(-_SKEW_LIMIT_DEGREES, _SKEW_LIMIT_DEGREES, _COARSE_STEP)
    best = max(coarse, key=sharpness_at)
    fine = _steps(best - _COARSE_STEP, best + _COARSE_STEP, _FINE_STEP)
    angle = max(fine, key=sharpness_at)
    return angle, sharpness_at(angle)


def _ink(image: Image.Image) -> Image.Image:
    """A reduced copy with ink white (255) and paper black (0)."""
    return image.reduce(_ANALYSIS_REDUCTION).point(_INK_LUT)


def _sharpness(ink: Image.Image) -> int:
    """Sum of squared differences between neighbouring rows' ink: high when rows of text
    alternate cleanly with blank rows."""
    rows = ink.resize((1, ink.height), Image.Resampling.BOX).tobytes()
    return sum((rows[index + 1] - rows[index]) ** 2 for index in range(len(rows) - 1))


def _steps(low: float, high: float, step: float) -> list[float]:
    count = round((high - low) / step)
    return [round(low + index * step, 4) for index in range(count + 1)]
