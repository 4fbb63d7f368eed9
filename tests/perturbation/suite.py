"""Every gold letter under every kind of rewrite, judged; shared by the corpus test and the
accuracy benchmark."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.perturbation.kinds import KINDS, rewrite
from tests.perturbation.letter import CORPUS, NotApplicable, gold_cases, gold_letter
from tests.perturbation.verdict import CLASSES, Verdict, judge


def perturbed(case: str, kind: str, corpus: Path = CORPUS) -> Verdict | None:
    """The verdict on gold letter ``case`` rewritten by ``kind``; None when it does not apply."""
    try:
        letter = rewrite(gold_letter(case, corpus), kind)
    except NotApplicable:
        return None
    return judge(letter, kind)


def applicable(corpus: Path = CORPUS) -> list[tuple[str, str]]:
    """The (case, kind) pairs where the rewrite applies, gold letters first."""
    pairs = []
    for case in gold_cases(corpus):
        for kind in KINDS:
            try:
                rewrite(gold_letter(case, corpus), kind)
            except NotApplicable:
                continue
            pairs.append((case, kind))
    return pairs


def run(corpus: Path = CORPUS) -> dict[str, list[Verdict]]:
    """Verdicts per kind over every gold letter the kind applies to."""
    verdicts: dict[str, list[Verdict]] = {kind: [] for kind in KINDS}
    for case in gold_cases(corpus):
        for kind in KINDS:
            verdict = perturbed(case, kind, corpus)
            if verdict is not None:
                verdicts[kind].append(verdict)
    return verdicts


def counts(verdicts: list[Verdict]) -> dict[str, int]:
    """How many verdicts fall in each class (every class listed)."""
    found = Counter(verdict.result for verdict in verdicts)
    return {name: found[name] for name in CLASSES}
