"""Every gold letter, rewritten without changing its meaning, comes out right or is flagged for
review: a field that differs while the letter is ``valid`` (silent) fails, and so does a letter
the extractor refuses or crashes on."""

from __future__ import annotations

import pytest

from tests.perturbation.kinds import KINDS
from tests.perturbation.letter import CORPUS
from tests.perturbation.suite import applicable, perturbed

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not (CORPUS / "gold").is_dir(), reason=f"corpus not found at {CORPUS}"),
]

# Without the corpus one placeholder pair stands for all, so the skip reason above is shown.
PAIRS = applicable() if (CORPUS / "gold").is_dir() else [("no-corpus", "none")]


@pytest.mark.parametrize(("case", "kind"), PAIRS, ids=[f"{case}-{kind}" for case, kind in PAIRS])
def test_rewritten_letter_is_right_or_flagged(case: str, kind: str) -> None:
    verdict = perturbed(case, kind)
    assert verdict is not None
    if verdict.result in ("silent", "error"):
        pytest.fail(
            f"{case} {kind}: {verdict.result}; differing: {', '.join(verdict.differing)}",
            pytrace=False,
        )


def test_every_kind_applies_to_some_gold_letter() -> None:
    used = {kind for _, kind in PAIRS}
    assert sorted(set(KINDS) - used) == []
