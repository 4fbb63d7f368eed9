"""Robustness of extraction and validation on the corpus: right, flagged for review, silently
wrong, or refused.

Every corpus letter goes through the normal path (extract the PDF, validate, enrich); the gold
letters are compared field by field with their answers, and the share of letters sent to review
is the false-alarm rate where the answer was right. Then every gold letter is rewritten by each
kind of meaning-preserving rewrite of ``tests/perturbation`` and judged the same way. Its report
is part of ``benchmarks/results/accuracy.{json,md}`` (see ``benchmarks/accuracy.py``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.perturbation import suite
from tests.perturbation.expected import Expected
from tests.perturbation.kinds import KINDS
from tests.perturbation.verdict import Verdict, determination_of, judge_determination
from workers.extraction import ExtractionError


def corpus_verdicts(corpus: Path) -> tuple[list[Verdict], dict[str, str]]:
    """Verdicts on the gold letters as PDFs, and the validation status of every letter."""
    statuses: dict[str, str] = {}
    verdicts = []
    for pdf in sorted((corpus / "pdf").glob("*.pdf")):
        gold_path = corpus / "gold" / f"{pdf.stem}.json"
        try:
            result = determination_of(pdf.read_bytes(), "application/pdf")
        except ExtractionError as exc:
            statuses[pdf.stem] = f"refused: {exc.reason}"
            if gold_path.exists():
                verdicts.append(Verdict(pdf.stem, "pdf", "error", [f"refused: {exc.reason}"]))
            continue
        statuses[pdf.stem] = result.validation.status
        if gold_path.exists():
            expected = Expected.from_gold(json.loads(gold_path.read_text()))
            verdicts.append(judge_determination(pdf.stem, "pdf", expected, result))
    return verdicts, statuses


def run(corpus: Path) -> dict[str, Any]:
    verdicts, statuses = corpus_verdicts(corpus)
    started = time.perf_counter()
    perturbed = suite.run(corpus)
    seconds = time.perf_counter() - started
    gold_cases = len(verdicts)
    applied = {kind: len(found) for kind, found in perturbed.items()}
    flagged_letters = [case for case, status in statuses.items() if status != "valid"]
    return {
        "corpus_letters": {verdict.case: _entry(verdict) for verdict in verdicts},
        "corpus_counts": suite.counts(verdicts),
        "false_alarms": {
            "gold_letters_right_but_flagged": suite.counts(verdicts)["right_flagged"],
            "gold_letters": gold_cases,
            "letters_flagged": len(flagged_letters),
            "letters": len(statuses),
            "share_flagged": round(len(flagged_letters) / len(statuses), 4) if statuses else None,
            "flagged": {case: statuses[case] for case in flagged_letters},
        },
        "perturbations": {
            kind: {
                "doc": " ".join((KINDS[kind].__doc__ or "").split()),
                "letters": applied[kind],
                "not_applicable": gold_cases - applied[kind],
                **suite.counts(found),
            }
            for kind, found in perturbed.items()
        },
        "perturbation_findings": [
            _entry(verdict)
            for found in perturbed.values()
            for verdict in found
            if verdict.result not in ("right",)
        ],
        "perturbation_totals": suite.counts([v for found in perturbed.values() for v in found]),
        "perturbation_seconds": round(seconds, 2),
    }


def _entry(verdict: Verdict) -> dict[str, Any]:
    return {
        "case": verdict.case,
        "kind": verdict.kind,
        "result": verdict.result,
        "differing": verdict.differing,
        "reasons": verdict.reasons,
    }


def markdown(report: dict[str, Any]) -> list[str]:
    """The robustness section of the accuracy report."""
    alarms = report["false_alarms"]
    counts = report["corpus_counts"]
    lines = [
        "## Right, flagged or silent",
        "",
        "`right`: every compared field equals the answer and the letter is `valid`; "
        "`right_flagged`: equal, but sent to review (a false alarm); `flagged`: a field differs "
        "and the letter is `needs_review`/`rejected`; **`silent`**: a field differs and the letter "
        "is `valid`; `error`: refused or crashed. Compared: the header fields, and per item the "
        "treatment, outcome, partial certification and both citation lists (whitespace "
        "collapsed, otherwise strict).",
        "",
        "### Corpus letters (PDF)",
        "",
        "| right | right_flagged | flagged | silent | error |",
        "|---:|---:|---:|---:|---:|",
        "| " + " | ".join(str(counts[name]) for name in counts) + " |",
        "",
        f"False alarms: {alarms['gold_letters_right_but_flagged']} of "
        f"{alarms['gold_letters']} gold letters flagged although right; "
        f"{alarms['letters_flagged']} of {alarms['letters']} corpus letters flagged in all "
        f"({alarms['share_flagged']:.1%}).",
        "",
    ]
    lines += [
        f"- {entry['case']}: {entry['result']} ({', '.join(entry['differing'] + entry['reasons'])})"
        for entry in report["corpus_letters"].values()
        if entry["result"] != "right"
    ]
    lines += [
        "",
        "### Perturbations of the gold letters (text, `tests/perturbation`)",
        "",
        f"{sum(k['letters'] for k in report['perturbations'].values())} rewritten letters in "
        f"{report['perturbation_seconds']} s.",
        "",
        "| kind | letters | right | right_flagged | flagged | silent | error | n/a |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, row in report["perturbations"].items():
        cells = [
            row[name] for name in ("letters", *report["perturbation_totals"], "not_applicable")
        ]
        lines.append(f"| {kind} | " + " | ".join(str(cell) for cell in cells) + " |")
    totals = report["perturbation_totals"]
    lines += ["", "Totals: " + ", ".join(f"{name} {count}" for name, count in totals.items()) + "."]
    lines += ["", "#### Not right", ""]
    for entry in report["perturbation_findings"]:
        lines.append(
            f"- {entry['case']} `{entry['kind']}`: {entry['result']}; "
            f"{', '.join(entry['differing']) or 'no field differs'}"
        )
    if not report["perturbation_findings"]:
        lines.append("none")
    lines += ["", "#### Kinds of rewrite", ""]
    lines += [f"- `{kind}`: {row['doc']}" for kind, row in report["perturbations"].items()]
    return lines
