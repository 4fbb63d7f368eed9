"""Every stage in one process: the Kafka workers' handlers and runners on an in-memory bus."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from schemas.events import DeterminationExtracted, EventDecodeError, from_kafka
from workers.config import STAGES, Settings, Stage
from workers.embedded.notification import created_notification
from workers.embedded.scan import DroppedFile
from workers.embedded.sink import DeadLetterNote
from workers.runtime.memory import MemoryConsumer, MemoryTransport
from workers.runtime.messages import Message
from workers.runtime.replay import DeadLetterSummary
from workers.runtime.stage import StageRunner
from workers.stages import build_handler
from workers.storage import LocalFolderStore

log = structlog.get_logger(__name__)


@dataclass
class Settled:
    """What became of one batch of dropped files."""

    determinations: list[DeterminationExtracted] = field(default_factory=list)
    dead_letters: list[tuple[DeadLetterNote, bytes]] = field(default_factory=list)
    """Each dead letter with the bytes to keep: the dropped file, or the failed record."""
    unsettled: list[DroppedFile] = field(default_factory=list)
    """Files that produced neither yet (a stage still retrying them); tried again next pass."""


class EmbeddedPipeline:
    """Publishes the notification the S3 path would for each dropped file, then runs every
    stage until the bus is drained and collects the determinations and dead letters.

    The bus keeps every record, so use one pipeline per batch of files.
    """

    def __init__(self, store: LocalFolderStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.transport = MemoryTransport()
        self.runners: list[StageRunner] = []
        for stage in STAGES:
            source_topic, handler = build_handler(stage, settings, store=store)
            self.runners.append(StageRunner(stage, source_topic, handler, self.transport, settings))
        self._dlq_topics = {settings.dlq_topic(stage) for stage in STAGES}
        self._outputs: MemoryConsumer = self.transport.consumer(
            [settings.topic_determinations, *sorted(self._dlq_topics)], None
        )

    def process(self, files: Iterable[DroppedFile]) -> Settled:
        by_letter = {file.letter_id: file for file in files}
        now = datetime.now(UTC)
        # Sequencers grow across pipelines, as a store's do for later writes of a key.
        first_sequencer = time.time_ns()
        for index, file in enumerate(by_letter.values()):
            self.transport.publish(
                self.settings.topic_s3_events,
                created_notification(file.info, now, first_sequencer + index),
                key=file.letter_id.encode(),
            )
        self._drain()
        settled = Settled()
        done: set[str] = set()
        for message in self._outputs.poll(0, max_records=1_000_000):
            if message.topic in self._dlq_topics:
                note, original = self._dead_letter(message, by_letter)
                settled.dead_letters.append((note, original))
                if note.letter_id is not None:
                    done.add(note.letter_id)
            else:
                event = self._determination(message)
                settled.determinations.append(event)
                done.add(event.data.letter_id)
        settled.unsettled = [f for letter_id, f in by_letter.items() if letter_id not in done]
        return settled

    def close(self) -> None:
        for runner in self.runners:
            runner.stop()
            runner.close()
        self._outputs.close()

    def _drain(self) -> None:
        """Run the stages in flow order until none of them finds anything to do."""
        while sum(runner.run_until_idle() for runner in self.runners):
            pass

    @staticmethod
    def _determination(message: Message) -> DeterminationExtracted:
        try:
            event = from_kafka(message.value, message.headers)
        except EventDecodeError:
            log.error("unreadable_determination", offset=message.offset)
            raise
        if not isinstance(event, DeterminationExtracted):
            raise TypeError(f"unexpected event type on the output topic: {event.type}")
        return event

    def _dead_letter(
        self, message: Message, by_letter: dict[str, DroppedFile]
    ) -> tuple[DeadLetterNote, bytes]:
        letter_id = message.key.decode(errors="replace") if message.key else None
        file = by_letter.get(letter_id) if letter_id else None
        described = DeadLetterSummary.of(message)
        note = DeadLetterNote(
            stage=_stage(described.stage),
            reason=described.reason or "unknown",
            error_class=described.error_class or "unknown",
            attempt=described.attempt or 1,
            file=file.key if file else None,
            letter_id=letter_id if file else None,
            sha256=file.sha256 if file else None,
            source_topic=described.source_topic or "",
            source_offset=(
                message.offset if described.source_offset is None else described.source_offset
            ),
        )
        original = message.value if file is None else self._original_bytes(file, message)
        return note, original

    def _original_bytes(self, file: DroppedFile, message: Message) -> bytes:
        """The dropped file's bytes, or the failed record if the file changed since the scan."""
        try:
            data = self.store.folder.joinpath(*file.key.split("/")).read_bytes()
        except OSError:
            return message.value
        return data if hashlib.sha256(data).hexdigest() == file.sha256 else message.value


def _stage(named: str | None) -> Stage:
    for stage in STAGES:
        if stage == named:
            return stage
    raise ValueError("dead letter without a known stage header")
