"""Counts of one embedded run, and their short human summary."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.determination import DeterminationData


@dataclass
class RunSummary:
    """What happened to the files picked up by a run (or by every pass of ``--watch``)."""

    letters: int = 0
    determinations: int = 0
    items: int = 0
    upheld: int = 0
    overturned: int = 0
    needs_review: int = 0
    dead_letters: int = 0
    skipped: int = 0
    seconds: float = 0.0
    """Wall time of the run."""

    def add_determination(self, data: DeterminationData) -> None:
        self.determinations += 1
        self.items += len(data.items)
        self.upheld += sum(item.outcome == "upheld" for item in data.items)
        self.overturned += sum(item.outcome == "overturned" for item in data.items)
        self.needs_review += data.validation.status == "needs_review"

    def render(self) -> str:
        """A few lines for a person: counts only, never names or letter content."""
        return (
            f"{self.letters} letter(s) processed, {self.skipped} already processed\n"
            f"{self.determinations} determination(s): {self.items} item(s), "
            f"{self.upheld} upheld, {self.overturned} overturned, "
            f"{self.needs_review} needs_review\n"
            f"{self.dead_letters} dead letter(s)\n"
            f"{self.seconds:.2f} s"
        )
