"""`imr run [DROP_DIR]`: the whole pipeline in one process over a folder of letters.

Every stage runs with the same handlers as the Kafka workers, on an in-memory bus. New and
changed .pdf and .txt files become determination events (structured CloudEvents JSON, one per
line); files that fail land in a dead-letter folder with the reason. Both are also landed in a
claims database (a SQLite file next to the output, unless --database says otherwise) that
`imr review` and `imr report` read. Processed contents are remembered by sha256 in a small
SQLite file. With no DROP_DIR the bundled example letters are processed.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workers.config import Settings
from workers.observability.logs import configure_logging

if TYPE_CHECKING:
    from workers.embedded import FolderRun

DEFAULT_OUT = Path("imr-out") / "determinations.jsonl"
STATE_FILE_NAME = ".imr-state.sqlite"
DATABASE_FILE_NAME = "claims.sqlite"


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the whole pipeline in one process over a folder of letters",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument(
        "drop_dir",
        nargs="?",
        type=Path,
        metavar="DROP_DIR",
        help="folder of letters (default: the bundled example letters)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="FILE",
        help=f"JSONL file of determination events (default: {DEFAULT_OUT})",
    )
    parser.add_argument(
        "--dlq",
        type=Path,
        metavar="DIR",
        help="dead-letter folder (default: dlq/ next to the output file)",
    )
    parser.add_argument(
        "--state",
        type=Path,
        metavar="FILE",
        help=f"SQLite file of processed contents (default: DROP_DIR/{STATE_FILE_NAME})",
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help=f"claims database (default: sqlite:///<output folder>/{DATABASE_FILE_NAME})",
    )
    parser.add_argument(
        "--watch", action="store_true", help="keep polling the folder until SIGINT/SIGTERM"
    )
    parser.add_argument(
        "--interval",
        type=_positive_seconds,
        default=2.0,
        metavar="SECONDS",
        help="seconds between polls with --watch (default: 2)",
    )
    parser.add_argument(
        "--log-level", default="WARNING", help="log level on stderr (default: WARNING)"
    )
    parser.set_defaults(func=handle)


def _positive_seconds(text: str) -> float:
    seconds = float(text)
    if seconds <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return seconds


def handle(args: argparse.Namespace) -> int:
    if args.watch and args.drop_dir is None:
        print("imr run: --watch needs a DROP_DIR", file=sys.stderr)
        return 2
    if args.drop_dir is not None and not args.drop_dir.is_dir():
        print(f"imr run: not a folder: {args.drop_dir}", file=sys.stderr)
        return 2
    configure_logging(args.log_level, stream=sys.stderr)
    started = time.monotonic()
    folder_context = (
        nullcontext(args.drop_dir)
        if args.drop_dir is not None
        else resources.as_file(resources.files("workers.examples"))
    )
    with folder_context as folder:
        state_path = args.state
        if state_path is None and args.drop_dir is not None:
            state_path = args.drop_dir / STATE_FILE_NAME
        database = args.database or f"sqlite:///{args.out.parent.resolve() / DATABASE_FILE_NAME}"
        run = _folder_run(Path(folder), args.out, args.dlq, state_path, database)
        try:
            if args.watch:
                with _stop_on_signals() as stop:
                    run.watch(args.interval, stop)
            else:
                run.pass_once(progress_to=sys.stderr)
        finally:
            run.close()
    run.summary.seconds = time.monotonic() - started
    print(run.summary.render())
    print(f"determinations: {args.out}")
    print(f"dead letters:   {args.dlq or args.out.parent / 'dlq'}")
    print(f"database:       {database.split('@', 1)[-1]}")
    return 0


def _folder_run(
    folder: Path, out: Path, dlq: Path | None, state_path: Path | None, database_url: str
) -> FolderRun:
    """The run over ``folder``; without a state file the output starts afresh each time."""
    # Imported here so the other verbs do not load every stage.
    from workers.claims import LetterStore, open_database
    from workers.embedded import FolderRun, OutputSink, ProcessedFiles
    from workers.storage import LocalFolderStore

    settings = Settings().model_copy(update={"s3_prefix": ""})
    store = LocalFolderStore(folder, bucket=settings.s3_bucket)
    dlq_dir = dlq if dlq is not None else out.parent / "dlq"
    letters = LetterStore(open_database(database_url))
    sink = OutputSink(out, dlq_dir, truncate=state_path is None, store=letters)
    excluded = [
        f"{path.resolve().relative_to(store.folder).as_posix()}/"
        for path in (out.parent, dlq_dir)
        if path.resolve().is_relative_to(store.folder) and path.resolve() != store.folder
    ]
    return FolderRun(store, settings, sink, ProcessedFiles(state_path), exclude_prefixes=excluded)


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM; the previous handlers are restored afterwards."""
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
