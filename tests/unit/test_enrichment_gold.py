"""Enrichment matches the hand-written answers for the gold letters (>= 98% per field)."""

from __future__ import annotations

import pytest

from benchmarks.enrichment import FIELDS, GOLD, TARGET, accuracy
from benchmarks.reporting import CORPUS

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not (CORPUS / "pdf").is_dir(), reason=f"corpus not found at {CORPUS}"),
]


def test_every_enrichment_field_meets_the_target() -> None:
    tallies = accuracy(CORPUS)
    assert set(tallies) == set(FIELDS)
    below = {
        name: [miss["item"] for miss in tally.misses]
        for name, tally in tallies.items()
        if tally.right < TARGET * tally.n
    }
    assert below == {}
    assert all(tally.n == 70 for tally in tallies.values()), GOLD
