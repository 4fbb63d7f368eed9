"""Extraction accuracy on the DWC IMR 2016-17 corpus.

Runs the extractor over every PDF in ``<repo>/../shared/corpus/dwc-imr-2016/pdf``, compares the
letters that have a hand-checked answer in ``gold/`` field by field, and writes
``benchmarks/results/accuracy.json`` and ``accuracy.md``.

Usage: ``.venv/bin/python benchmarks/accuracy.py [--corpus DIR] [--out DIR] [--letters DIR]``

``--letters DIR`` measures the same letters in another form, e.g. text from ``pdftotext``;
write its reports to another ``--out`` so the PDF results stay in place.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import robustness
from schemas.letter import Citation, LetterRecord
from tests.perturbation.expected import HEADER_FIELDS
from workers.extraction import EXTRACTOR_VERSION, ExtractionError, extract
from workers.extraction.fields import conclusion, sentence_spans

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "dwc-imr-2016"
DEFAULT_OUT = REPO / "benchmarks" / "results"

# Totals the corpus README states for the 94 letters.
EXPECTED_TOTALS = {
    "letters": 94,
    "items": 182,
    "overturned_items": 14,
    "letters_with_overturned": 13,
    "partial_certifications": 20,
    "single_item_letters": 55,
}
LETTER_FIELDS = (*HEADER_FIELDS, "item_count")
ITEM_FIELDS = (
    "treatment",
    "outcome",
    "claims_administrator_guidelines",
    "reviewer_guidelines",
    "rationale_last_sentence",
)


def loose(value: Any) -> Any:
    """Compare text by words only: case, whitespace and punctuation are ignored."""
    if isinstance(value, str):
        return " ".join(re.sub(r"[^0-9a-z]+", " ", value.lower()).split())
    if isinstance(value, list):
        return [loose(v) for v in value]
    return value


def last_sentence(text: str) -> str:
    sentences = sentence_spans(text)
    return sentences[-1].text if sentences else ""


def letter_values(record: LetterRecord) -> dict[str, Any]:
    """The record's letter-level values in the gold vocabulary."""
    data = record.model_dump(mode="json")
    return {
        **{name: data[name] for name in HEADER_FIELDS[:7]},
        "patient_age": record.patient.age,
        "patient_sex": record.patient.sex,
        "reviewer_specialty": record.reviewer.specialty,
        "reviewer_license_states": record.reviewer.license_states,
        "item_count": len(record.items),
    }


def item_values(record: LetterRecord) -> list[dict[str, Any]]:
    return [
        {
            "treatment": item.treatment,
            "outcome": item.outcome,
            "claims_administrator_guidelines": _raw(item.claims_administrator_guidelines),
            "reviewer_guidelines": _raw(item.reviewer_guidelines),
            "rationale_last_sentence": last_sentence(item.rationale),
        }
        for item in record.items
    ]


def _raw(citations: list[Citation]) -> list[str]:
    return [citation.raw for citation in citations]


@dataclass
class Comparison:
    """Field-level results for one gold letter."""

    case: str
    correct: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    misses: list[dict[str, Any]] = field(default_factory=list)

    def check(self, name: str, got: Any, want: Any, where: str) -> None:
        self.total[name] += 1
        if loose(got) == loose(want):
            self.correct[name] += 1
        else:
            self.misses.append({"field": where, "got": got, "want": want})


def compare(record: LetterRecord, gold: dict[str, Any]) -> Comparison:
    result = Comparison(gold["case_number"])
    got = letter_values(record)
    want = {**gold, "item_count": len(gold["items"])}
    for name in LETTER_FIELDS:
        result.check(name, got[name], want[name], name)
    got_items = item_values(record)
    for index, gold_item in enumerate(gold["items"]):
        mine = got_items[index] if index < len(got_items) else {}
        for name in ITEM_FIELDS:
            result.check(f"item.{name}", mine.get(name), gold_item[name], f"items[{index}].{name}")
    return result


def run(corpus: Path, letters: Path | None = None) -> dict[str, Any]:
    """Extract every letter and compare with gold. ``letters`` replaces the corpus PDFs with
    files named ``<case>.<ext>`` (e.g. the same letters as text from another tool); without
    it the report also judges the gold letters' rewrites (:mod:`benchmarks.robustness`)."""
    pdfs = sorted(letters.iterdir()) if letters else sorted((corpus / "pdf").glob("*.pdf"))
    records: dict[str, LetterRecord] = {}
    failures: dict[str, str] = {}
    timings: list[float] = []
    for pdf in pdfs:
        data = pdf.read_bytes()
        started = time.perf_counter()
        try:
            records[pdf.stem] = extract(data)
        except ExtractionError as exc:
            failures[pdf.stem] = f"{exc.reason}: {exc}"
        except Exception as exc:  # a crash is a finding, not a reason to stop the benchmark
            failures[pdf.stem] = f"crash: {type(exc).__name__}: {exc}"
        timings.append(time.perf_counter() - started)

    comparisons = []
    for gold_path in sorted((corpus / "gold").glob("*.json")):
        gold = json.loads(gold_path.read_text())
        record = records.get(gold_path.stem)
        if record is None:
            comparisons.append(Comparison(gold_path.stem, misses=[{"field": "letter"}]))
            continue
        comparisons.append(compare(record, gold))

    correct: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for comparison in comparisons:
        correct.update(comparison.correct)
        total.update(comparison.total)
    items = [item for record in records.values() for item in record.items]
    disagreements = [
        {"case": case, "item": index, "outcome": item.outcome, "rationale": said}
        for case, record in records.items()
        for index, item in enumerate(record.items)
        if (said := _conclusion(item.rationale)) != item.outcome
    ]
    return {
        "extractor": EXTRACTOR_VERSION,
        "letters": len(pdfs),
        "extracted": len(records),
        "failures": failures,
        "crashes": sum(reason.startswith("crash:") for reason in failures.values()),
        "gold_letters": len(comparisons),
        "gold_letters_all_correct": sum(not c.misses for c in comparisons),
        "field_accuracy": {
            name: {"correct": correct[name], "total": total[name]} for name in sorted(total)
        },
        "gold_fields_correct": sum(correct.values()),
        "gold_fields_total": sum(total.values()),
        "misses": {c.case: c.misses for c in comparisons if c.misses},
        "totals": {
            "letters": len(records),
            "items": len(items),
            "overturned_items": sum(item.outcome == "overturned" for item in items),
            "letters_with_overturned": sum(
                any(item.outcome == "overturned" for item in record.items)
                for record in records.values()
            ),
            "partial_certifications": sum(item.partial_certification is not None for item in items),
            "single_item_letters": sum(len(record.items) == 1 for record in records.values()),
        },
        "expected_totals": EXPECTED_TOTALS,
        "layouts": dict(Counter(record.layout for record in records.values())),
        "warnings": dict(Counter(w.code for record in records.values() for w in record.warnings)),
        "outcome_rationale_disagreements": disagreements,
        "seconds_per_letter": {
            "mean": round(statistics.mean(timings), 4) if timings else None,
            "median": round(statistics.median(timings), 4) if timings else None,
            "max": round(max(timings), 4) if timings else None,
        },
        "robustness": None if letters else robustness.run(corpus),
    }


def _conclusion(rationale: str) -> str | None:
    said = conclusion(rationale)
    return said[0] if said else None


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Extraction accuracy: DWC IMR 2016-17 corpus",
        "",
        f"Extractor `{report['extractor']}`. {report['extracted']}/{report['letters']} letters "
        f"extracted, {len(report['failures'])} failures ({report['crashes']} crashes). Gold: "
        f"{report['gold_letters_all_correct']}/{report['gold_letters']} letters fully correct, "
        f"{report['gold_fields_correct']}/{report['gold_fields_total']} fields correct.",
        "",
        "## Per-field accuracy (gold letters)",
        "",
        "| field | correct | total | accuracy |",
        "|---|---:|---:|---:|",
    ]
    for name, counts in report["field_accuracy"].items():
        share = counts["correct"] / counts["total"] if counts["total"] else 0.0
        lines.append(f"| {name} | {counts['correct']} | {counts['total']} | {share:.1%} |")
    lines += ["", "## Totals over all letters", "", "| count | extracted | corpus README |"]
    lines.append("|---|---:|---:|")
    for name, expected in report["expected_totals"].items():
        lines.append(f"| {name} | {report['totals'][name]} | {expected} |")
    timing = report["seconds_per_letter"]
    lines += [
        "",
        f"Layouts: {report['layouts']}. Warnings: {report['warnings'] or 'none'}.",
        "",
        f"Items whose outcome differs from the rationale's conclusion (or whose rationale states "
        f"none): {len(report['outcome_rationale_disagreements'])}.",
        "",
        f"Time per letter (text layer + parse): mean {timing['mean']} s, median "
        f"{timing['median']} s, max {timing['max']} s.",
        "",
        "## Failures",
        "",
    ]
    lines += [f"- {case}: {reason}" for case, reason in report["failures"].items()] or ["none"]
    if report["robustness"] is not None:
        lines += ["", *robustness.markdown(report["robustness"])]
    lines += ["", "## Misses on gold letters", ""]
    for case, misses in report["misses"].items():
        for miss in misses:
            lines.append(f"- {case} `{miss['field']}`: got {miss.get('got')!r}")
    if not report["misses"]:
        lines.append("none")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--letters", type=Path, help="read <case>.<ext> files from DIR instead of the PDFs"
    )
    args = parser.parse_args(argv)
    if not (args.corpus / "pdf").is_dir():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    report = run(args.corpus, args.letters)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "accuracy.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (args.out / "accuracy.md").write_text(markdown(report))
    print(
        f"{report['gold_fields_correct']}/{report['gold_fields_total']} gold fields, "
        f"{len(report['failures'])} failures, totals {report['totals']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
