"""The normalised text of a letter, with page boundaries, that every layout parser reads."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from schemas.letter import Provenance


@dataclass(frozen=True, slots=True)
class Document:
    """Normalised text of all pages joined by form feeds.

    ``page_starts[i]`` is the offset in ``text`` where page ``i + 1`` begins. Offsets in
    :class:`~schemas.letter.Provenance` refer to ``text``.
    """

    text: str
    page_starts: tuple[int, ...]

    @property
    def pages(self) -> int:
        return len(self.page_starts)

    def page_of(self, offset: int) -> int:
        """1-based page number holding ``offset``."""
        return max(1, bisect_right(self.page_starts, offset))

    def provenance(self, start: int, end: int) -> Provenance:
        return Provenance(page=self.page_of(start), start=start, end=end)
