"""Processing a drop folder once or, with ``watch``, every few seconds until stopped."""

from __future__ import annotations

import io
import threading
from collections.abc import Collection
from typing import TextIO

import structlog

from workers.config import Settings
from workers.embedded.pipeline import EmbeddedPipeline
from workers.embedded.scan import DroppedFile, FolderScanner
from workers.embedded.sink import OutputSink
from workers.embedded.state import Outcome, ProcessedFiles
from workers.embedded.summary import RunSummary
from workers.progress import Progress
from workers.stages.notifications import ObjectFilter
from workers.storage import LocalFolderStore

log = structlog.get_logger(__name__)

BATCH_SIZE = 50
"""Files published to one in-memory bus at a time; their state is saved after each batch."""
PROGRESS_BATCH_SIZE = 10
"""The batch size while progress is shown, so the line moves often (scans take seconds)."""
WATCH_QUIET_SECONDS = 1.0
"""With ``watch``, a file must be this old: a copy in progress is not read half-written."""


class FolderRun:
    """Feeds new and changed letter files of ``store`` through an :class:`EmbeddedPipeline`,
    writes what comes out to ``sink`` and remembers processed contents in ``state`` (both are
    closed by :meth:`close`)."""

    def __init__(
        self,
        store: LocalFolderStore,
        settings: Settings,
        sink: OutputSink,
        state: ProcessedFiles,
        *,
        exclude_prefixes: Collection[str] = (),
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self._store = store
        self._scanner = FolderScanner(store, ObjectFilter.from_settings(settings), exclude_prefixes)
        self._sink = sink
        self._state = state
        self._settings = settings
        self._batch_size = batch_size
        self.summary = RunSummary()
        self._first_pass = True

    def pass_once(self, min_age_s: float = 0.0, progress_to: TextIO | None = None) -> int:
        """Process what is pending now (files at least ``min_age_s`` old); returns how many
        files were picked up. Progress goes to ``progress_to`` when it is a terminal."""
        files, skipped = self._scanner.scan(self._state, min_age_s)
        if self._first_pass:
            self.summary.skipped, self._first_pass = skipped, False
        progress = Progress(len(files), progress_to or io.StringIO())
        size = min(self._batch_size, PROGRESS_BATCH_SIZE) if progress.enabled else self._batch_size
        for start in range(0, len(files), size):
            batch = files[start : start + size]
            progress.advance(len(batch), self._process(batch))
        progress.close()
        return len(files)

    def watch(self, interval_s: float, stop: threading.Event) -> None:
        """Pass over the folder every ``interval_s`` seconds until ``stop`` is set, leaving
        files alone until they have not changed for ``WATCH_QUIET_SECONDS``."""
        while not stop.is_set():
            if self.pass_once(WATCH_QUIET_SECONDS):
                log.info("pass_done", determinations=self.summary.determinations)
            stop.wait(interval_s)

    def _process(self, files: list[DroppedFile]) -> int:
        """One batch on a fresh pipeline, so the in-memory bus never outgrows a batch; returns
        the pages of its determined letters."""
        pipeline = EmbeddedPipeline(self._store, self._settings)
        try:
            settled = pipeline.process(files)
        finally:
            pipeline.close()
        for event in settled.determinations:
            self._sink.determination(event)
            self.summary.add_determination(event.data)
        for note, original in settled.dead_letters:
            self._sink.dead_letter(note, original)
            self.summary.dead_letters += 1
        determined = {event.data.letter_id for event in settled.determinations}
        unsettled = {file.letter_id for file in settled.unsettled}
        for letter_id in unsettled:
            log.warning("file_not_settled", letter_id=letter_id)
        self._state.mark(
            (file.sha256, file.key, _outcome(file, determined))
            for file in files
            if file.letter_id not in unsettled
        )
        self.summary.letters += len(files) - len(unsettled)
        return sum(event.data.source.pages or 0 for event in settled.determinations)

    def close(self) -> None:
        self._sink.close()
        self._state.close()


def _outcome(file: DroppedFile, determined: set[str]) -> Outcome:
    return "determined" if file.letter_id in determined else "dead_lettered"
