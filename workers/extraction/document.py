"""The normalised text of a letter, with page boundaries, that every layout parser reads."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from schemas.letter import Provenance


@dataclass(frozen=True, slots=True)
class OcrSpan:
    """An OCR word at ``[start, end)`` of the document text, its confidence 0..100 and its box
    as fractions of its page (left, top, width, height from the top left), when known."""

    start: int
    end: int
    confidence: float
    box: tuple[float, float, float, float] | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """Normalised text of all pages joined by form feeds.

    ``page_starts[i]`` is the offset in ``text`` where page ``i + 1`` begins. Offsets in
    :class:`~schemas.letter.Provenance` refer to ``text``.
    """

    text: str
    page_starts: tuple[int, ...]
    ocr_pages: tuple[int, ...] = ()
    """1-based numbers of the pages whose text was read by OCR."""
    ocr_words: tuple[OcrSpan, ...] = ()
    """The OCR words found in ``text``, in order."""

    @property
    def pages(self) -> int:
        return len(self.page_starts)

    def page_of(self, offset: int) -> int:
        """1-based page number holding ``offset``."""
        return max(1, bisect_right(self.page_starts, offset))

    def provenance(self, start: int, end: int) -> Provenance:
        return Provenance(page=self.page_of(start), start=start, end=end)

    def ocr_confidences(self, start: int, end: int) -> list[float]:
        """Confidences of the OCR words overlapping ``[start, end)``."""
        return [word.confidence for word in self._ocr_words_over(start, end)]

    def ocr_boxes(self, start: int, end: int) -> list[tuple[float, float, float, float]]:
        """Page boxes of the OCR words overlapping ``[start, end)`` (words without one are left
        out)."""
        return [word.box for word in self._ocr_words_over(start, end) if word.box is not None]

    def _ocr_words_over(self, start: int, end: int) -> list[OcrSpan]:
        first = bisect_left(self.ocr_words, start + 1, key=lambda word: word.end)
        found: list[OcrSpan] = []
        for word in self.ocr_words[first:]:
            if word.start >= end:
                break
            found.append(word)
        return found

    def is_ocr(self, offset: int) -> bool:
        """Whether ``offset`` lies on a page read by OCR."""
        return self.page_of(offset) in self.ocr_pages
