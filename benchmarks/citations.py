"""Citation resolution: how many cited guideline strings resolve to a guideline catalog entry.

Two sources, measured separately:
- ``letters``: every citation the extractor (:func:`workers.extraction.extract`) reads from the
  corpus PDFs, for the reviewer (``MAXIMUS guideline``) and the claims administrator;
- ``gold``: the hand-checked citation lists of the gold letters.

A citation is resolved when :func:`workers.enrichment.normalise_citation` gives it a
``guideline_id``. Target: at least 98% of the reviewer citations of the letters. Also checked:
citations written ``MTUS <title> <year>`` must resolve to the entry of that edition year. Writes
``benchmarks/results/citations.json`` and ``.md`` with the unresolved strings.

Usage: ``.venv/bin/python -m benchmarks.citations``
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.reporting import CORPUS, corpus_pdfs, markdown_table, write_report
from workers.enrichment import normalise_citation
from workers.enrichment.catalog import load_catalog
from workers.extraction import extract

TARGET = 0.98
MTUS_DATED = re.compile(r"MTUS [^,]*?\b(?P<year>(?:19|20)\d\d)\b")
SIDES = ("reviewer_guidelines", "claims_administrator_guidelines")


@dataclass
class Tally:
    """Resolved/total counts of one set of citations, with what did not resolve."""

    total: int = 0
    resolved: int = 0
    unresolved: list[dict[str, str]] = field(default_factory=list)
    by_guideline: Counter[str] = field(default_factory=Counter)
    by_tier: Counter[int] = field(default_factory=Counter)
    mtus_dated: int = 0
    mtus_year_agrees: int = 0

    def add(self, case: str, raw: str) -> None:
        cited = normalise_citation(raw)
        self.total += 1
        if cited.guideline_id is None:
            self.unresolved.append({"case": case, "citation": raw})
            return
        self.resolved += 1
        self.by_guideline[cited.guideline_id] += 1
        self.by_tier[cited.matches[0].evidence_tier] += 1
        dated = MTUS_DATED.match(raw)
        if dated:  # "MTUS <title> <year>, ...": the matched entry must be that edition
            self.mtus_dated += 1
            entry = load_catalog().by_id[cited.guideline_id]
            self.mtus_year_agrees += entry.year == int(dated.group("year"))

    @property
    def rate(self) -> float:
        return self.resolved / self.total if self.total else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "resolved": self.resolved,
            "resolved_pct": round(100 * self.rate, 2),
            "by_evidence_tier": dict(sorted(self.by_tier.items())),
            "mtus_dated": self.mtus_dated,
            "mtus_edition_year_agrees": self.mtus_year_agrees,
            "unresolved": self.unresolved,
        }


def measure_letters(pdfs: Iterable[Path]) -> tuple[dict[str, Tally], Counter[str], list[str]]:
    tallies = {side: Tally() for side in SIDES}
    failures: list[str] = []
    for pdf in pdfs:
        case = pdf.stem
        try:
            record = extract(pdf.read_bytes())
        except Exception as error:  # a letter the extractor cannot read is reported, not fatal
            failures.append(f"{case}: {type(error).__name__}")
            continue
        for item in record.items:
            for side in SIDES:
                for citation in getattr(item, side):
                    tallies[side].add(case, citation.raw)
    combined = tallies[SIDES[0]].by_guideline + tallies[SIDES[1]].by_guideline
    return tallies, combined, failures


def measure_gold(gold_dir: Path) -> dict[str, Tally]:
    tallies = {side: Tally() for side in SIDES}
    for path in sorted(gold_dir.glob("*.json")):
        letter = json.loads(path.read_text())
        for item in letter["items"]:
            for side in SIDES:
                for raw in item[side]:
                    tallies[side].add(letter["case_number"], raw)
    return tallies


def run(corpus: Path = CORPUS) -> dict[str, Any]:
    pdfs = corpus_pdfs(corpus)
    letters, by_guideline, failures = measure_letters(pdfs)
    gold = measure_gold(corpus / "gold")
    return {
        "target_reviewer_resolved_pct": 100 * TARGET,
        "letters": len(pdfs),
        "extraction_failures": failures,
        "letters_citations": {side: letters[side].summary() for side in SIDES},
        "gold_citations": {side: gold[side].summary() for side in SIDES},
        "by_guideline_id": dict(by_guideline.most_common()),
    }


def _markdown(report: dict[str, Any]) -> str:
    rows = []
    for source in ("letters_citations", "gold_citations"):
        for side in SIDES:
            s = report[source][side]
            rows.append(
                [
                    source.split("_")[0],
                    side,
                    s["total"],
                    s["resolved"],
                    s["resolved_pct"],
                    f"{s['mtus_edition_year_agrees']}/{s['mtus_dated']}",
                ]
            )
    lines = [
        "# Citation resolution",
        "",
        f"{report['letters']} corpus letters through the extractor, plus the gold lists. "
        f"Target: >= {report['target_reviewer_resolved_pct']:.0f}% of reviewer citations "
        "resolve to a catalog entry.",
        "",
        markdown_table(
            ["source", "side", "citations", "resolved", "resolved %", "MTUS edition agrees"], rows
        ),
        "",
        "MTUS edition agrees: of the citations written `MTUS <title> <year>`, how many resolve "
        "to the catalog entry of that year.",
        "",
        "## Most cited catalog entries (letters, both sides)",
        "",
        markdown_table(["guideline_id", "citations"], list(report["by_guideline_id"].items())[:20]),
        "",
        "## Unresolved",
        "",
    ]
    unresolved = [
        (source.split("_")[0], side, u["case"], u["citation"])
        for source in ("letters_citations", "gold_citations")
        for side in SIDES
        for u in report[source][side]["unresolved"]
    ]
    lines.append(
        markdown_table(["source", "side", "case", "citation"], unresolved)
        if unresolved
        else "None."
    )
    if report["extraction_failures"]:
        failed = ", ".join(report["extraction_failures"])
        lines += ["", f"Letters the extractor could not read: {failed}"]
    return "\n".join(lines)


def main() -> None:
    report = run()
    path = write_report("citations", report, _markdown(report))
    reviewer = report["letters_citations"]["reviewer_guidelines"]
    print(f"reviewer citations resolved: {reviewer['resolved_pct']}% -> {path}")


if __name__ == "__main__":
    main()
