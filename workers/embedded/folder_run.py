"""Processing a drop folder once or, with ``watch``, every few seconds until stopped."""

from __future__ import annotations

import threading
from collections.abc import Collection

import structlog

from workers.config import Settings
from workers.embedded.pipeline import EmbeddedPipeline
from workers.embedded.scan import scan
from workers.embedded.sink import OutputSink
from workers.embedded.state import ProcessedFiles
from workers.embedded.summary import RunSummary
from workers.stages.notifications import ObjectFilter
from workers.storage import LocalFolderStore

log = structlog.get_logger(__name__)


class FolderRun:
    """Feeds new and changed letter files of ``store`` through an :class:`EmbeddedPipeline`,
    writes what comes out to ``sink`` and remembers processed contents in ``state``."""

    def __init__(
        self,
        store: LocalFolderStore,
        settings: Settings,
        sink: OutputSink,
        state: ProcessedFiles,
        *,
        exclude_prefixes: Collection[str] = (),
    ) -> None:
        self._store = store
        self._accept = ObjectFilter.from_settings(settings)
        self._sink = sink
        self._state = state
        self._exclude = tuple(exclude_prefixes)
        self._pipeline = EmbeddedPipeline(store, settings)
        self.summary = RunSummary()
        self._first_pass = True

    def pass_once(self) -> int:
        """Process what is pending now; returns how many files were picked up."""
        files, skipped = scan(self._store, self._accept, self._state, self._exclude)
        if self._first_pass:
            self.summary.skipped, self._first_pass = skipped, False
        if files:
            settled = self._pipeline.process(files)
            for event in settled.determinations:
                self._sink.determination(event)
                self.summary.add_determination(event.data)
            for note, original in settled.dead_letters:
                self._sink.dead_letter(note, original)
                self.summary.dead_letters += 1
            determined = {event.data.letter_id for event in settled.determinations}
            unsettled = {file.letter_id for file in settled.unsettled}
            for file in files:
                if file.letter_id in unsettled:
                    log.warning("file_not_settled", letter_id=file.letter_id)
                    continue
                self._state.mark(
                    file.sha256,
                    file.key,
                    "determined" if file.letter_id in determined else "dead_lettered",
                )
            self.summary.letters += len(files) - len(unsettled)
        return len(files)

    def watch(self, interval_s: float, stop: threading.Event) -> None:
        """Pass over the folder every ``interval_s`` seconds until ``stop`` is set."""
        while not stop.is_set():
            if self.pass_once():
                log.info("pass_done", determinations=self.summary.determinations)
            stop.wait(interval_s)

    def close(self) -> None:
        self._pipeline.close()
