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

# Silent errors the extractor still makes, by (letter, kind), with their cause. Strict: the test
# fails once one comes out right or flagged, so the entry goes when the extractor is fixed.
KNOWN_SILENT: dict[tuple[str, str], str] = {}

# Without the corpus one placeholder pair stands for all, so the skip reason above is shown.
PAIRS = applicable() if (CORPUS / "gold").is_dir() else [("no-corpus", "none")]


def _param(case: str, kind: str) -> object:
    known = KNOWN_SILENT.get((case, kind))
    marks = [pytest.mark.xfail(strict=True, reason=known)] if known else []
    return pytest.param(case, kind, id=f"{case}-{kind}", marks=marks)


@pytest.mark.parametrize(("case", "kind"), [_param(case, kind) for case, kind in PAIRS])
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
