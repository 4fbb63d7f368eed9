"""Shared pieces of every benchmark: machine description, corpus lookup and report writing.

Each benchmark writes ``benchmarks/results/<name>.json`` (machine-readable, with the machine
description), ``<name>.md`` (a table for people) and, when it has a curve to show, ``<name>.png``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
CORPUS = REPO.parent / "shared" / "corpus" / "dwc-imr-2016"


def corpus_pdfs(corpus: Path = CORPUS) -> list[Path]:
    """The corpus PDFs, or exit with a clear message when the shared corpus is absent."""
    pdfs = sorted((corpus / "pdf").glob("*.pdf"))
    if not pdfs:
        sys.exit(f"corpus not found at {corpus}: these benchmarks need ../shared/corpus")
    return pdfs


def machine_info() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "commit": commit,
    }


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_report(name: str, payload: dict[str, Any], markdown: str, out: Path = RESULTS) -> Path:
    """Write ``<name>.json`` (payload + machine) and ``<name>.md``; return the markdown path."""
    out.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    (out / f"{name}.json").write_text(json.dumps({"machine": machine, **payload}, indent=2) + "\n")
    header = (
        f"_Measured {machine['measured_at']} on {machine['cpus']} x {machine['cpu']}, "
        f"Python {machine['python']}, commit {machine['commit']}, 1-minute load average "
        f"{machine['load_avg_1m']} when the report was written._\n\n"
    )
    md_path = out / f"{name}.md"
    md_path.write_text(markdown.rstrip() + "\n\n" + header)
    return md_path


def _axes(path: Path) -> Any | None:
    """The axes of a new figure for :func:`_save`; ``None``, with a note, when matplotlib (the
    ``bench`` extra) is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"matplotlib not installed, no plot {path.name} (pip install -e '.[bench]')")
        return None
    _, ax = plt.subplots(figsize=(7, 3.5))
    return ax


def _save(ax: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    ax.figure.tight_layout()
    ax.figure.savefig(path, dpi=110)
    plt.close(ax.figure)


def plot_bars(
    path: Path, title: str, labels: Sequence[str], values: Sequence[float], unit: str
) -> None:
    """A bar chart; skipped with a note when matplotlib is missing."""
    ax = _axes(path)
    if ax is None:
        return
    ax.bar(list(labels), list(values))
    ax.set_title(title)
    ax.set_ylabel(unit)
    for i, v in enumerate(values):
        ax.annotate(f"{v:.3g}", (i, v), ha="center", va="bottom", fontsize=8)
    _save(ax, path)


def plot_lines(
    path: Path,
    title: str,
    xlabel: str,
    ylabel: str,
    series: dict[str, Sequence[tuple[float, float]]],
    hline: float | None = None,
) -> None:
    """One line per series of ``(x, y)`` points, with an optional horizontal target line."""
    ax = _axes(path)
    if ax is None:
        return
    for label, points in series.items():
        if points:
            xs, ys = zip(*sorted(points), strict=True)
            ax.plot(xs, ys, marker="o", label=label)
    if hline is not None:
        ax.axhline(hline, color="grey", linestyle="--", linewidth=1, label="target")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    _save(ax, path)
