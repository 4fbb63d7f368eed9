"""Robustness of the extraction on the gold letters: the perturbation suite as a report.

Every gold letter is judged as it is and after every rewrite of ``tests/perturbation``: right,
right but flagged (a false alarm), flagged (wrong but sent to review), silent (wrong and
published as valid) or error. ``benchmarks/accuracy.py`` adds the result to its report.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from schemas.letter import LetterRecord
from tests.perturbation.judge import VERDICTS, judge
from tests.perturbation.letters import gold_names, load_letter
from tests.perturbation.rewrites import REWRITES
from workers.validation import validate


def run(records: dict[str, LetterRecord]) -> dict[str, Any]:
    """Judge every gold letter and its rewrites; ``records`` (all corpus letters, by case)
    give the share of letters validation sends to review."""
    letters: dict[str, dict[str, Any]] = {}
    kinds: dict[str, Counter[str]] = {kind: Counter() for kind in REWRITES}
    silent: list[dict[str, Any]] = []
    for name in gold_names():
        letter = load_letter(name)
        judged = judge(letter)
        letters[name] = {"verdict": judged.verdict, "reasons": list(judged.reasons)}
        for kind, rewrite in REWRITES.items():
            rewritten = rewrite(letter)
            if rewritten is None:
                kinds[kind]["not_applicable"] += 1
                continue
            verdict = judge(rewritten)
            kinds[kind][verdict.verdict] += 1
            if verdict.verdict in {"silent", "error"}:
                silent.append({"letter": name, "kind": kind, "fields": list(verdict.differing)})
    gold_verdicts = Counter(entry["verdict"] for entry in letters.values())
    flagged = sorted(case for case, record in records.items() if validate(record).status != "valid")
    return {
        "gold_letters": letters,
        "gold_verdicts": {verdict: gold_verdicts[verdict] for verdict in VERDICTS},
        "false_alarm_rate_gold": gold_verdicts["right_flagged"] / max(len(letters), 1),
        "corpus_letters_flagged": flagged,
        "corpus_flagged_rate": len(flagged) / max(len(records), 1),
        "kinds": {
            kind: {key: counts[key] for key in (*VERDICTS, "not_applicable")}
            for kind, counts in kinds.items()
        },
        "silent_or_error": silent,
    }


def markdown(section: dict[str, Any]) -> list[str]:
    gold = section["gold_verdicts"]
    lines = [
        "## Right, flagged or silent (gold letters and their rewrites)",
        "",
        "Each gold letter as it is and after every meaning-preserving rewrite of "
        "`tests/perturbation` (run by `tests/unit/test_perturbations.py`): **right**; "
        "**right, flagged** (a false alarm); **flagged** (something differs and the letter goes "
        "to review); **silent** (something differs and the letter is published as valid); "
        "**error** (refused).",
        "",
        f"Gold letters as they are: {gold['right']} right, {gold['right_flagged']} right but "
        f"flagged, {gold['flagged']} flagged, {gold['silent']} silent, {gold['error']} errors. "
        f"False alarms: {section['false_alarm_rate_gold']:.1%} of the gold letters; "
        f"{len(section['corpus_letters_flagged'])} of all corpus letters "
        f"({section['corpus_flagged_rate']:.1%}) go to review.",
        "",
        "| rewrite | right | right, flagged | flagged | silent | error | not applicable |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, counts in section["kinds"].items():
        lines.append(
            f"| {kind} | {counts['right']} | {counts['right_flagged']} | {counts['flagged']} | "
            f"{counts['silent']} | {counts['error']} | {counts['not_applicable']} |"
        )
    lines += ["", "Per gold letter:", "", "| letter | verdict | reasons |", "|---|---|---|"]
    for name, entry in section["gold_letters"].items():
        lines.append(f"| {name} | {entry['verdict']} | {', '.join(entry['reasons']) or '-'} |")
    lines += ["", "Silent errors and refusals:", ""]
    lines += [
        f"- {entry['letter']} {entry['kind']}: {', '.join(entry['fields'])}"
        for entry in section["silent_or_error"]
    ] or ["none"]
    return lines
