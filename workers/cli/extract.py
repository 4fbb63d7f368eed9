"""`imr extract FILE... [--json | --jsonl] [--out DIR] [--record]`: letters to JSON, no Kafka/S3.

Each readable letter gives one JSON object (on stdout, or ``<DIR>/<stem>.json`` with ``--out``):
the determination payload the pipeline would publish (validated and enriched), or with
``--record`` only the extraction record. A file that cannot be read or extracted gives one line
``<file>: <reason>: <message>`` on stderr and a non-zero exit status; the other files are still
processed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from schemas.letter import LetterRecord
from schemas.source import SourceObject
from workers.config import Settings
from workers.determination import determine
from workers.extraction import EXTRACTOR_VERSION, ExtractionError, extract
from workers.extraction.text_layer import PDF_MAGIC
from workers.progress import Progress, shows_progress

# Turns a letter file, its bytes and its extraction record into the JSON data printed for it.
Render = Callable[[Path, bytes, LetterRecord], dict[str, Any]]


def render_record(path: Path, data: bytes, record: LetterRecord) -> dict[str, Any]:
    """The extraction record alone."""
    return record.model_dump(mode="json")


def render_determination(path: Path, data: bytes, record: LetterRecord) -> dict[str, Any]:
    """The determination payload, with the file as its source: the folder is the bucket and the
    file name the key, as in the embedded mode; the content hash is the etag."""
    digest = hashlib.sha256(data).hexdigest()
    source = SourceObject(
        bucket=path.resolve().parent.name or "local",
        key=path.name,
        etag=digest,
        size=len(data),
        content_type="application/pdf" if PDF_MAGIC in data[:1024] else "text/plain",
        sha256=digest,
        pages=record.pages,
    )
    determination = determine(
        record, letter_id=source.letter_id, source=source, extractor_version=EXTRACTOR_VERSION
    )
    return determination.model_dump(mode="json")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "extract",
        help="extract letters (PDF or text) into determination JSON",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    style = parser.add_mutually_exclusive_group()
    style.add_argument(
        "--json", dest="style", action="store_const", const="json", help="pretty JSON objects"
    )
    style.add_argument(
        "--jsonl", dest="style", action="store_const", const="jsonl", help="one line per letter"
    )
    parser.add_argument("--out", type=Path, metavar="DIR", help="write <DIR>/<stem>.json files")
    parser.add_argument(
        "--record", action="store_true", help="print the extraction record, not the determination"
    )
    parser.add_argument("--max-pages", type=int, default=None, help="reject longer documents")
    parser.set_defaults(func=handle, style=None)


@dataclass
class _Tally:
    letters: int = 0
    items: int = 0
    upheld: int = 0
    overturned: int = 0
    failures: int = 0

    def add(self, record: LetterRecord) -> None:
        self.letters += 1
        self.items += len(record.items)
        self.upheld += sum(item.outcome == "upheld" for item in record.items)
        self.overturned += sum(item.outcome == "overturned" for item in record.items)


def handle(args: argparse.Namespace) -> int:
    max_pages = args.max_pages if args.max_pages is not None else Settings().max_pages
    try:
        return run(
            args.files,
            style=args.style,
            out=args.out,
            max_pages=max_pages,
            stdout=sys.stdout,
            stderr=sys.stderr,
            render=render_record if args.record else render_determination,
        )
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, and keep the interpreter from
        # failing again while flushing stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def run(
    files: list[Path],
    *,
    style: str | None,
    out: Path | None,
    max_pages: int | None,
    stdout: TextIO,
    stderr: TextIO,
    render: Render = render_determination,
) -> int:
    """Extract every file; returns 0 when all succeed, 1 otherwise.

    Objects go to stdout unless ``out`` is given; with ``out`` they also go to stdout when a
    ``style`` was chosen explicitly. Without a style, one file prints pretty JSON and several
    print JSON lines.
    """
    to_stdout = out is None or style is not None
    style = style or ("json" if len(files) == 1 else "jsonl")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    progress = Progress(len(files), stderr, enabled=len(files) > 1 and shows_progress(stderr))
    tally = _Tally()
    started = time.perf_counter()
    for path in files:
        rendered = _process(path, max_pages, render, stderr, clear_line=progress.enabled)
        if rendered is None:
            tally.failures += 1
            progress.advance(1, 0)
            continue
        record, data = rendered
        tally.add(record)
        progress.advance(1, record.pages)
        if out is not None:
            (out / f"{path.stem}.json").write_text(json.dumps(data, indent=2) + "\n")
        if to_stdout:
            print(_dump(data, style), file=stdout, flush=True)
    progress.close()
    if len(files) > 1:
        print(
            f"{tally.letters} letters, {tally.items} items ({tally.upheld} upheld, "
            f"{tally.overturned} overturned), {tally.failures} failures, "
            f"{time.perf_counter() - started:.2f} s",
            file=stderr,
        )
    return 1 if tally.failures else 0


def _dump(data: dict[str, Any], style: str) -> str:
    return json.dumps(data, indent=2) if style == "json" else json.dumps(data)


def _process(
    path: Path, max_pages: int | None, render: Render, stderr: TextIO, *, clear_line: bool
) -> tuple[LetterRecord, dict[str, Any]] | None:
    try:
        data = path.read_bytes()
        record = extract(data, max_pages=max_pages)
        return record, render(path, data, record)
    except OSError as exc:
        reason, message = "unreadable", exc.strerror or type(exc).__name__
    except ExtractionError as exc:
        reason, message = exc.reason, str(exc)
    prefix = "\r\033[K" if clear_line else ""
    print(f"{prefix}{path}: {reason}: {message}", file=stderr)
    return None
