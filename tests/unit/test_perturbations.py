"""Every gold letter, rewritten in every meaning-preserving way, comes out right or flagged.

A rewritten letter whose result differs from what the rewrite implies must never be ``valid``
(``silent``), and the extractor must not refuse it (``error``). See ``tests/perturbation``.
"""

from __future__ import annotations

from functools import cache

import pytest

from tests.perturbation.judge import judge
from tests.perturbation.letters import CORPUS, Letter, gold_names, load_letter
from tests.perturbation.rewrites import REWRITES

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(
        not (CORPUS / "gold").is_dir(), reason=f"development corpus not found at {CORPUS}"
    ),
]


@cache
def _letter(name: str) -> Letter:
    return load_letter(name)


@pytest.mark.parametrize("kind", list(REWRITES))
@pytest.mark.parametrize("name", gold_names())
def test_rewritten_letter_is_right_or_flagged(name: str, kind: str) -> None:
    rewritten = REWRITES[kind](_letter(name))
    if rewritten is None:
        pytest.skip(f"{kind} does not apply to {name}")
    judgement = judge(rewritten)
    assert judgement.verdict not in {"silent", "error"}, (
        f"{name} rewritten by {kind}: {judgement.verdict}, differing {judgement.differing}"
    )


@pytest.mark.parametrize("name", gold_names())
def test_gold_letter_is_right_and_not_flagged(name: str) -> None:
    judgement = judge(_letter(name))
    assert judgement.verdict == "right", (judgement.differing, judgement.reasons)


def test_every_kind_applies_to_some_gold_letter() -> None:
    applied = {
        kind for kind, rewrite in REWRITES.items() for name in gold_names()
        if rewrite(_letter(name)) is not None
    }  # fmt: skip
    assert applied == set(REWRITES)
