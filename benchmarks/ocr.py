"""OCR on scanned and faxed copies of the corpus gold letters: fields right, flagged or silently
wrong.

Each gold letter's PDF is copied at run time (tests/fixtures/scans.py): a *scan* is 200 dpi grey,
tilted 0.5 degree, speckled and JPEG-compressed; a *fax* is 1-bit at 204 x 98 dpi, tilted 0.7
degree and speckled. Both are image-only PDFs, extracted through OCR. Their fields are compared
with the text-layer extraction of the same PDF (the baseline, measured in the same run). A wrong
field is *flagged* when validation names it (or the whole letter is dead-lettered), else
*silent*. Writes benchmarks/results/ocr.{json,md}.

    python -m benchmarks.ocr [--letters N] [--copies scan,fax]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

from benchmarks.reporting import write_report
from tests.fixtures.scans import faxed, scanned
from workers.extraction import ExtractionError, extract
from workers.validation import validate

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "dwc-imr-2016"
FIELDS = ("case_number", "date_assigned", "date_of_injury", "decision_date", "ur_denial_date")


def _fields(record: object) -> dict[str, object]:
    values = {name: getattr(record, name) for name in FIELDS}
    values["reviewer.license_states"] = record.reviewer.license_states  # type: ignore[attr-defined]
    items = record.items  # type: ignore[attr-defined]
    for index, item in enumerate(items):
        values[f"items[{index}].outcome"] = item.outcome
        values[f"items[{index}].treatment"] = item.treatment
    return values


COPIES = {"scan": scanned, "fax": faxed}


def _copy_rows(kind: str, golds: list[Path]) -> tuple[list[dict[str, object]], float, float]:
    """One row per letter, the pages OCR'd and the seconds it took."""
    rows: list[dict[str, object]] = []
    pages = seconds = 0.0
    for gold in golds:
        data = (CORPUS / "pdf" / f"{gold.stem}.pdf").read_bytes()
        want = _fields(extract(data, ocr=None))
        copy = COPIES[kind](data)
        started = time.perf_counter()
        try:
            record = extract(copy)
        except ExtractionError as error:
            rows.append({"letter": gold.stem, "dead_letter": error.reason, "silent": []})
            continue
        seconds += time.perf_counter() - started
        pages += record.pages
        got = _fields(record)
        result = validate(record)
        flagged = {reason.field for reason in result.reasons}
        wrong = [name for name in want if got.get(name) != want[name]]
        silent = [n for n in wrong if n not in flagged and result.status == "valid"]
        rows.append(
            {"letter": gold.stem, "status": result.status, "wrong": wrong, "silent": silent}
        )
    return rows, pages, seconds


def _summary(rows: list[dict[str, object]], pages: float, seconds: float) -> dict[str, object]:
    read = [row for row in rows if "status" in row]
    return {
        "letters": len(rows),
        "fully_right": sum(1 for row in read if not row["wrong"]),
        "valid": sum(1 for row in read if row["status"] == "valid"),
        "right_but_needs_review": sum(
            1 for row in read if not row["wrong"] and row["status"] == "needs_review"
        ),
        "wrong_and_flagged": sum(1 for row in read if row["wrong"] and not row["silent"]),
        "dead_letters": len(rows) - len(read),
        "silent_errors": sum(len(row["silent"]) for row in rows),  # type: ignore[arg-type]
        "pages": int(pages),
        "ocr_pages_per_second_one_core": round(pages / seconds, 3) if seconds else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=30)
    parser.add_argument("--copies", default="scan,fax", help="comma-separated: scan, fax")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print("corpus not found next to the repository; nothing measured", file=sys.stderr)
        return 0
    golds = sorted((CORPUS / "gold").glob("*.json"))[: args.letters]
    started = time.perf_counter()
    for gold in golds:
        extract((CORPUS / "pdf" / f"{gold.stem}.pdf").read_bytes(), ocr=None)
    text_seconds = time.perf_counter() - started
    report: dict[str, object] = {
        "text_layer_seconds_per_letter": round(text_seconds / max(1, len(golds)), 4),
    }
    kinds = [kind.strip() for kind in args.copies.split(",") if kind.strip()]
    lines = ["# OCR on scanned and faxed gold letters", ""]
    for kind in kinds:
        rows, pages, seconds = _copy_rows(kind, golds)
        summary = _summary(rows, pages, seconds)
        report[kind] = {**summary, "rows": rows}
        lines += [f"## {kind}", ""]
        lines += [f"- {key}: {value}" for key, value in summary.items()]
        lines += ["", "| letter | status | wrong | silent |", "|---|---|---|---|"]
        lines += [
            f"| {r['letter']} | {r.get('status', r.get('dead_letter'))} | "
            f"{', '.join(r.get('wrong', []))} | {', '.join(r['silent'])} |"  # type: ignore[arg-type]
            for r in rows
        ]
        lines.append("")
    report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    lines += [
        f"- text_layer_seconds_per_letter (baseline, same run): "
        f"{report['text_layer_seconds_per_letter']}",
        f"- peak_rss_mib: {report['peak_rss_mib']}",
    ]
    print(write_report("ocr", report, "\n".join(lines)).read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
