"""Page clean-up before OCR, on rendered fixture pages turned and tilted by known amounts, and
the second, upside-down reading of a doubtful page."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tests.fixtures.scans import degraded, page_images
from workers.ocr import OcrPage, OcrWord, PageImage
from workers.ocr.preprocess import despeckled, from_image, levelled, skew_angle, to_image, turned
from workers.ocr.upright import REREAD_BELOW, page_box, read_upright

PDF = Path(__file__).resolve().parents[1] / "fixtures" / "pdf" / "a2016_three_items.pdf"


@pytest.fixture(scope="module")
def page() -> Image.Image:
    return page_images(PDF.read_bytes(), dpi=300)[0]


@pytest.mark.parametrize("tilt", [-2.2, -0.6, 0.0, 0.5, 1.3])
def test_skew_angle_undoes_a_known_tilt(page: Image.Image, tilt: float) -> None:
    assert skew_angle(degraded(page, tilt=tilt)) == pytest.approx(-tilt, abs=0.15)


@pytest.mark.parametrize("quarter_turns", [1, 3])
def test_a_sideways_page_is_given_a_quarter_turn(page: Image.Image, quarter_turns: int) -> None:
    sideways = turned(degraded(page, tilt=0.8), quarter_turns)
    level, turns = levelled(sideways)
    assert turns == 1
    # Upright or upside down: either way the lines run across again and the tilt is gone.
    assert level.size == page.size
    assert skew_angle(level) == pytest.approx(0.0, abs=0.15)


def test_a_level_page_is_left_as_it_is(page: Image.Image) -> None:
    level, turns = levelled(page)
    assert (level.tobytes(), turns) == (page.tobytes(), 0)


@pytest.mark.parametrize(
    ("quarter_turns", "expected"),
    [
        (0, (0.1, 0.2, 0.3, 0.1)),
        # The image read was the page turned a quarter counter-clockwise (200 x 100 -> 100 x 200).
        (1, (0.3, 0.1, 0.3, 0.3)),
        (2, (0.6, 0.7, 0.3, 0.1)),
    ],
)
def test_page_box_maps_a_word_back_to_the_page_as_it_lies(
    quarter_turns: int, expected: tuple[float, ...]
) -> None:
    size = (200, 100) if quarter_turns % 2 == 0 else (100, 200)
    box = (20, 20, 60, 10) if quarter_turns != 1 else (10, 80, 30, 60)
    read = OcrPage(
        text="word", words=(OcrWord(0, 4, 90.0, box),), size=size, quarter_turns=quarter_turns
    )
    assert page_box(read.words[0], read) == pytest.approx(expected)
    assert page_box(read.words[0], OcrPage(text="word", words=read.words)) is None


def test_despeckle_removes_isolated_dots_and_keeps_the_text(page: Image.Image) -> None:
    speckled = degraded(page, noise=0.002, seed=3)

    def dark(image: Image.Image) -> int:
        return sum(1 for value in image.tobytes() if value < 100)

    cleaned = despeckled(speckled)
    assert dark(cleaned) < dark(speckled)
    # The text survives: within a few percent of the clean page's ink.
    assert abs(dark(cleaned) - dark(page)) < 0.1 * dark(page)


class _ScriptedEngine:
    """Returns one reading per call, each with every word at the scripted confidence."""

    name = "scripted"

    def __init__(self, *confidences: float) -> None:
        self.confidences = list(confidences)
        self.images: list[PageImage] = []

    def read_page(self, image: PageImage) -> OcrPage:
        self.images.append(image)
        confidence = self.confidences[len(self.images) - 1]
        return OcrPage(
            text=f"read {len(self.images)}", words=(OcrWord(0, 4, confidence, (0, 0, 1, 1)),)
        )


def test_a_confident_reading_is_kept_without_a_second_one(page: Image.Image) -> None:
    engine = _ScriptedEngine(REREAD_BELOW + 1)
    assert read_upright(engine, from_image(page, 300)).text == "read 1"
    assert len(engine.images) == 1


def test_a_doubtful_reading_is_tried_upside_down_and_the_better_kept(page: Image.Image) -> None:
    for confidences, kept in (((20.0, 90.0), "read 2"), ((40.0, 10.0), "read 1")):
        engine = _ScriptedEngine(*confidences)
        assert read_upright(engine, from_image(page, 300)).text == kept
        first, second = (to_image(image) for image in engine.images)
        assert second.tobytes() == turned(first, 2).tobytes()
