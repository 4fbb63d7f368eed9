"""Enrichment accuracy against hand-written answers, and coverage over the whole corpus.

The answers (``tests/fixtures/enrichment/gold.json``) give, for every item of the 30 gold
letters, the service the letter states (drug, ingredient, strength, quantity, refills,
frequency, visits, duration, body regions, side), its category and subcategory, the partial
certification and the authorization. Each field is counted per item as right, wrong (another
value, or a value where the letter states none) or missing (the letter states one, the
enrichment none). Coverage over all corpus letters: items with a category other than Other,
with a quantity or a visit count, and citations resolved to a catalog entry and to a section.

Usage: ``.venv/bin/python -m benchmarks.enrichment``
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.reporting import CORPUS, corpus_pdfs, markdown_table, write_report
from schemas.determination import DeterminationData, DeterminedItem
from schemas.source import SourceObject
from workers.determination import determine
from workers.extraction import EXTRACTOR_VERSION, extract

GOLD = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "enrichment" / "gold.json"
TARGET = 0.98
FIELDS = (
    "category", "subcategory", "drug", "ingredient", "strength", "quantity", "quantity_unit",
    "refills", "frequency", "visits_per_week", "weeks", "visits", "duration", "body_regions",
    "laterality", "partial_certification", "authorization.action", "authorization.scope",
)  # fmt: skip


def determination_of(pdf: Path) -> DeterminationData:
    data = pdf.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    source = SourceObject(bucket="corpus", key=pdf.name, sha256=digest)
    return determine(
        extract(data), letter_id=digest[:32], source=source, extractor_version=EXTRACTOR_VERSION
    )


def loose(value: Any) -> Any:
    """Text compared by its words (case, spaces and punctuation ignored)."""
    if isinstance(value, str):
        return " ".join(re.findall(r"[0-9a-z%.]+", value.lower()))
    if isinstance(value, list):
        return [loose(item) for item in value]
    if isinstance(value, dict):
        return {key: loose(item) for key, item in value.items()}
    return value


def got_values(item: DeterminedItem) -> dict[str, Any]:
    service = item.service
    partial = item.partial_certification
    return {
        "category": item.category,
        "subcategory": item.subcategory,
        "drug": service.drug,
        "ingredient": service.generic,
        "strength": service.strength,
        "quantity": service.quantity,
        "quantity_unit": service.quantity_unit,
        "refills": service.refills,
        "frequency": service.frequency,
        "visits_per_week": service.visits_per_week,
        "weeks": service.weeks,
        "visits": service.visits,
        "duration": service.duration,
        "body_regions": service.body_regions,
        "laterality": service.laterality,
        "partial_certification": None
        if partial is None
        else {
            "original_request": partial.original_request,
            "authorized": partial.authorized,
            "remaining": partial.remaining,
        },
        "authorization.action": item.authorization.action,
        "authorization.scope": item.authorization.scope,
    }


def want_values(answer: dict[str, Any]) -> dict[str, Any]:
    flat = {name: answer.get(name) for name in FIELDS if "." not in name}
    flat["partial_certification"] = answer.get("partial_certification")
    flat["authorization.action"] = answer["authorization"]["action"]
    flat["authorization.scope"] = answer["authorization"]["scope"]
    return flat


def judge(name: str, got: Any, want: Any) -> str:
    if name == "ingredient":  # a word of the enrichment's generic description
        if want is None:
            return "right" if got is None else "wrong"
        return "missing" if got is None else ("right" if loose(want) in loose(got) else "wrong")
    empty = (None, [])
    if loose(got) == loose(want):
        return "right"
    return "missing" if got in empty and want not in empty else "wrong"


@dataclass
class FieldTally:
    right: int = 0
    wrong: int = 0
    missing: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def n(self) -> int:
        return self.right + self.wrong + self.missing


def accuracy(corpus: Path) -> dict[str, FieldTally]:
    answers: dict[str, Any] = json.loads(GOLD.read_text())["letters"]
    tallies = {name: FieldTally() for name in FIELDS}
    for case, items in answers.items():
        result = determination_of(corpus / "pdf" / f"{case}.pdf")
        for index, answer in enumerate(items):
            got = got_values(result.items[index]) if index < len(result.items) else {}
            want = want_values(answer)
            for name in FIELDS:
                verdict = judge(name, got.get(name), want[name])
                tally = tallies[name]
                setattr(tally, verdict, getattr(tally, verdict) + 1)
                if verdict != "right":
                    tally.misses.append(
                        {"item": f"{case} items[{index}]", "want": want[name], "got": got.get(name)}
                    )
    return tallies


def coverage(corpus: Path) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    for pdf in corpus_pdfs(corpus):
        for enrichment in determination_of(pdf).items:
            counts["items"] += 1
            counts["categorised"] += enrichment.category != "Other"
            counts["counted"] += (
                enrichment.service.quantity is not None or enrichment.service.visits is not None
            )
            for citation in (
                *enrichment.claims_administrator_guidelines,
                *enrichment.reviewer_guidelines,
            ):
                counts["citations"] += 1
                counts["citations_resolved"] += citation.guideline_id is not None
                counts["citations_with_section"] += any(m.sections for m in citation.matches[:1])
    items, citations = max(counts["items"], 1), max(counts["citations"], 1)
    return {
        "items": counts["items"],
        "citations": counts["citations"],
        "share_categorised": counts["categorised"] / items,
        "share_with_quantity_or_visits": counts["counted"] / items,
        "share_citations_resolved": counts["citations_resolved"] / citations,
        "share_citations_with_section": counts["citations_with_section"] / citations,
    }


def main() -> int:
    if not (CORPUS / "pdf").is_dir():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    tallies = accuracy(CORPUS)
    cover = coverage(CORPUS)
    fields = {
        name: {"n": t.n, "right": t.right, "wrong": t.wrong, "missing": t.missing,
               "accuracy": t.right / t.n if t.n else None, "misses": t.misses}
        for name, t in tallies.items()
    }  # fmt: skip
    below = [name for name, entry in fields.items() if (entry["accuracy"] or 0) < TARGET]
    rows = [
        [name, e["n"], e["right"], e["wrong"], e["missing"], f"{e['accuracy']:.1%}"]
        for name, e in fields.items()
    ]
    lines = [
        "# Enrichment accuracy: hand-written answers for the 30 gold letters",
        "",
        f"Target: at least {TARGET:.0%} right for every field. "
        + (f"Below target: {', '.join(below)}." if below else "Every field meets it."),
        "",
        markdown_table(["field", "n", "right", "wrong", "missing", "accuracy"], rows),
        "",
        f"## Coverage over all {cover['items']} items and {cover['citations']} citations of "
        "the corpus",
        "",
        f"- items with a category other than Other: {cover['share_categorised']:.1%}",
        f"- items with a quantity or a visit count: {cover['share_with_quantity_or_visits']:.1%}",
        f"- citations resolved to a catalog entry: {cover['share_citations_resolved']:.1%}",
        f"- citations resolved to a section: {cover['share_citations_with_section']:.1%}",
        "",
        "## Misses",
        "",
    ]
    for name, entry in fields.items():
        for miss in entry["misses"]:
            lines.append(f"- `{name}` {miss['item']}: want {miss['want']!r}, got {miss['got']!r}")
    if not any(entry["misses"] for entry in fields.values()):
        lines.append("none")
    path = write_report(
        "enrichment", {"target": TARGET, "fields": fields, "coverage": cover}, "\n".join(lines)
    )
    print(f"below target: {below or 'none'} -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
