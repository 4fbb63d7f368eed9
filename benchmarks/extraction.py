"""Extraction speed and memory on the corpus PDFs, side by side with two baselines.

Measured in the same run, on the same bytes, one core:
- ``imr``: :func:`workers.extraction.extract` (text layer + layout detection + every field);
- ``imr determination``: the whole determination users get (:func:`workers.determination.
  determine`: extraction, validation and enrichment), in one process;
- ``imr extract --jsonl (process)``: the command over every corpus letter, one process,
  interpreter start-up and imports included;
- ``pdfium-text``: the bare text layer of the same library (open + text of every page);
- ``pdftotext -layout``: poppler's command-line tool, one process per file, as a pipeline
  that shells out per letter would run it (skipped with a note when poppler-utils is absent).

Targets: extraction and the determination ``/ pdftotext <= 1.0`` and ``/ pdfium-text <= 2.0``;
the whole ``imr extract --jsonl`` process ``/ pdftotext <= 1.0``; peak RSS of the
determination process ``<= 64 MiB``. Peak memory is the maximum resident set size of a child
process that handles every letter once. The citation cache is emptied before each round.

Usage: ``.venv/bin/python benchmarks/extraction.py [--rounds 3]``
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pypdfium2

from benchmarks.reporting import RESULTS, corpus_pdfs, markdown_table, plot_bars, write_report


def _pdfium_text(data: bytes) -> str:
    pdf = pypdfium2.PdfDocument(data)
    try:
        return "\f".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def _imr(data: bytes) -> object:
    from workers.extraction import extract

    return extract(data)


def _determination(data: bytes) -> object:
    from schemas.source import SourceObject
    from workers.determination import determine
    from workers.extraction import EXTRACTOR_VERSION, extract

    digest = hashlib.sha256(data).hexdigest()
    source = SourceObject(bucket="benchmark", key="letter.pdf", sha256=digest)
    return determine(
        extract(data), letter_id=digest[:32], source=source, extractor_version=EXTRACTOR_VERSION
    )


def _fresh_determinations(blobs: list[bytes]) -> None:
    from workers.enrichment.citations import normalise_citation

    normalise_citation.cache_clear()
    for data in blobs:
        _determination(data)


def _imr_extract_process(paths: list[Path]) -> None:
    imr = Path(sys.executable).with_name("imr")
    subprocess.run(
        [str(imr), "extract", "--jsonl", *map(str, paths)], capture_output=True, check=True
    )


def _pdftotext(path: Path) -> None:
    subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)


def _time_all(fn: Callable[[], object], rounds: int) -> float:
    """Best of ``rounds`` wall-clock seconds for one call of ``fn`` (least disturbed run)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _child_peak_rss(mode: str) -> int:
    """Peak RSS in KiB of a fresh interpreter that processes every corpus PDF once."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.extraction", "--child", mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return int(out.stdout.strip().splitlines()[-1])


def _child(mode: str) -> None:
    if mode != "idle":
        work = {"imr": _imr, "determination": _determination, "pdfium": _pdfium_text}[mode]
        for path in corpus_pdfs():
            work(path.read_bytes())
    else:
        import workers.extraction  # noqa: F401  (same imports, no work)
    # VmHWM, not ru_maxrss: after fork+exec Linux reports the parent's peak in ru_maxrss.
    status = Path("/proc/self/status").read_text()
    print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--child", choices=("imr", "determination", "pdfium", "idle"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return

    pdfs = corpus_pdfs()
    blobs = [(p, p.read_bytes()) for p in pdfs]
    pages = sum(len(pypdfium2.PdfDocument(b)) for _, b in blobs)
    _determination(blobs[0][1])  # warm imports and compiled patterns outside the timing
    datas = [b for _, b in blobs]

    timings: dict[str, float] = {
        "imr": _time_all(lambda: [_imr(b) for b in datas], args.rounds),
        "imr determination": _time_all(lambda: _fresh_determinations(datas), args.rounds),
        "imr extract --jsonl (process)": _time_all(lambda: _imr_extract_process(pdfs), args.rounds),
        "pdfium-text": _time_all(lambda: [_pdfium_text(b) for b in datas], args.rounds),
    }
    has_poppler = shutil.which("pdftotext") is not None
    if has_poppler:
        timings["pdftotext -layout"] = _time_all(
            lambda: [_pdftotext(p) for p, _ in blobs], args.rounds
        )

    peak = {mode: _child_peak_rss(mode) for mode in ("idle", "imr", "determination", "pdfium")}
    letters = len(blobs)
    rows = []
    for name, seconds in timings.items():
        rows.append(
            {
                "pipeline": name,
                "seconds": round(seconds, 4),
                "letters_per_s": round(letters / seconds, 1),
                "pages_per_s": round(pages / seconds, 1),
                "ms_per_letter": round(1000 * seconds / letters, 2),
            }
        )
    ratios = {
        "imr_vs_pdfium_text": timings["imr"] / timings["pdfium-text"],
        "determination_vs_pdfium_text": timings["imr determination"] / timings["pdfium-text"],
    }
    if has_poppler:
        poppler = timings["pdftotext -layout"]
        ratios["imr_vs_pdftotext_layout"] = timings["imr"] / poppler
        ratios["determination_vs_pdftotext_layout"] = timings["imr determination"] / poppler
        ratios["imr_extract_process_vs_pdftotext_layout"] = (
            timings["imr extract --jsonl (process)"] / poppler
        )
    targets = {
        "imr_vs_pdftotext_layout": 1.0,
        "imr_vs_pdfium_text": 2.0,
        "determination_vs_pdftotext_layout": 1.0,
        "determination_vs_pdfium_text": 2.0,
        "imr_extract_process_vs_pdftotext_layout": 1.0,
    }
    payload = {
        "letters": letters,
        "pages": pages,
        "rounds": args.rounds,
        "timings": rows,
        "ratios": {k: round(v, 3) for k, v in ratios.items()},
        "targets": targets,
        "peak_rss_kib": peak,
    }
    ratio_rows = [
        (k, f"{v:.3f}", f"<= {targets[k]}", "met" if v <= targets[k] else "missed")
        for k, v in ratios.items()
    ]
    md = "\n\n".join(
        [
            f"# Extraction speed\n\n{letters} corpus letters, {pages} pages, one core, "
            f"best of {args.rounds} rounds.",
            markdown_table(
                ["pipeline", "seconds", "letters/s", "pages/s", "ms/letter"],
                [list(r.values()) for r in rows],
            ),
            "## Ratios to the baselines (time, lower is better)",
            markdown_table(["ratio", "value", "target", "result"], ratio_rows),
            "## Peak memory (max RSS of one process over all letters)",
            markdown_table(
                ["process", "peak RSS MiB"],
                [
                    ("interpreter + imports, no work", f"{peak['idle'] / 1024:.1f}"),
                    ("imr extract, all letters", f"{peak['imr'] / 1024:.1f}"),
                    (
                        "imr determination, all letters (target <= 64)",
                        f"{peak['determination'] / 1024:.1f}",
                    ),
                    ("pdfium text only, all letters", f"{peak['pdfium'] / 1024:.1f}"),
                ],
            ),
            ""
            if has_poppler
            else "_pdftotext not installed: install poppler-utils for that baseline._",
        ]
    )
    write_report("extraction", payload, md)
    plot_bars(
        RESULTS / "extraction.png",
        "Corpus extraction throughput (one core)",
        [r["pipeline"] for r in rows],
        [r["letters_per_s"] for r in rows],
        "letters/s",
    )
    print(md)


if __name__ == "__main__":
    main()
