"""OCR on scanned copies of the corpus gold letters: fields right, flagged or silently wrong.

Each gold letter's PDF is scanned at run time (tests/fixtures/scans.py: 200 dpi grey, 0.5 degree
tilt, speckle, JPEG, image-only) and extracted through OCR. Its fields are compared with the
text-layer extraction of the same PDF (the baseline, measured in the same run). A wrong field is
*flagged* when validation names it (or the whole letter is dead-lettered), else *silent*.
Writes benchmarks/results/ocr.{json,md}.

    python -m benchmarks.ocr [--letters N]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from tests.fixtures.scans import scanned
from workers.extraction import ExtractionError, extract
from workers.validation import validate

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "dwc-imr-2016"
RESULTS = REPO / "benchmarks" / "results"
FIELDS = ("case_number", "date_assigned", "date_of_injury", "decision_date", "ur_denial_date")


def _fields(record: object) -> dict[str, object]:
    values = {name: getattr(record, name) for name in FIELDS}
    values["reviewer.license_states"] = record.reviewer.license_states  # type: ignore[attr-defined]
    items = record.items  # type: ignore[attr-defined]
    for index, item in enumerate(items):
        values[f"items[{index}].outcome"] = item.outcome
        values[f"items[{index}].treatment"] = item.treatment
    return values


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=30)
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print("corpus not found next to the repository; nothing measured", file=sys.stderr)
        return 0
    golds = sorted((CORPUS / "gold").glob("*.json"))[: args.letters]
    rows = []
    pages = ocr_seconds = text_seconds = 0.0
    for gold in golds:
        data = (CORPUS / "pdf" / f"{gold.stem}.pdf").read_bytes()
        started = time.perf_counter()
        want = _fields(extract(data, ocr=None))
        text_seconds += time.perf_counter() - started
        scan = scanned(data)
        started = time.perf_counter()
        try:
            record = extract(scan)
        except ExtractionError as error:
            rows.append({"letter": gold.stem, "dead_letter": error.reason, "silent": []})
            continue
        ocr_seconds += time.perf_counter() - started
        pages += record.pages
        got = _fields(record)
        result = validate(record)
        flagged = {reason.field for reason in result.reasons}
        wrong = [name for name in want if got.get(name) != want[name]]
        silent = [n for n in wrong if n not in flagged and result.status == "valid"]
        rows.append(
            {"letter": gold.stem, "status": result.status, "wrong": wrong, "silent": silent}
        )
    report = {
        "letters": len(golds),
        "fully_right": sum(1 for row in rows if not row.get("wrong") and "status" in row),
        "valid": sum(1 for row in rows if row.get("status") == "valid"),
        "silent_errors": sum(len(row["silent"]) for row in rows),
        "ocr_pages_per_second_one_core": round(pages / ocr_seconds, 3) if ocr_seconds else None,
        "text_layer_seconds_per_letter": round(text_seconds / max(1, len(golds)), 4),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ocr.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = ["# OCR on scanned gold letters", ""]
    lines += [f"- {key}: {value}" for key, value in report.items() if key != "rows"]
    lines += ["", "| letter | status | wrong | silent |", "|---|---|---|---|"]
    lines += [
        f"| {r['letter']} | {r.get('status', r.get('dead_letter'))} | "
        f"{', '.join(r.get('wrong', []))} | {', '.join(r['silent'])} |"
        for r in rows
    ]
    (RESULTS / "ocr.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
