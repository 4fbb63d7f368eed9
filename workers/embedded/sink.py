"""Where the embedded pipeline writes: determinations as JSONL, dead letters as files, and both
into the claims database when one is given (the same tables `imr sink` fills)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from schemas.events import DeterminationExtracted, to_structured
from workers.claims import DeadLetterRow, LetterStore
from workers.config import Stage


@dataclass(frozen=True, slots=True)
class DeadLetterNote:
    """Why a dropped file did not become a determination (``file`` is its key in the folder)."""

    stage: Stage
    reason: str
    error_class: str
    attempt: int
    file: str | None
    letter_id: str | None
    sha256: str | None
    source_topic: str
    source_offset: int


class OutputSink:
    """Appends determination events (structured CloudEvents JSON, one per line) to ``out`` and
    writes each dead letter to ``dlq_dir`` as ``<name>.json`` plus the original bytes as
    ``<name>`` (the dropped file itself when known, else the failed record's value).

    With ``store`` each determination and dead letter is also landed in the claims database.
    """

    def __init__(
        self,
        out: Path,
        dlq_dir: Path,
        *,
        truncate: bool = False,
        store: LetterStore | None = None,
    ) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        self.out = out
        self.dlq_dir = dlq_dir
        self.store = store
        self._stream: IO[str] = out.open("w" if truncate else "a", encoding="utf-8")

    def determination(self, event: DeterminationExtracted) -> None:
        self._stream.write(json.dumps(to_structured(event), ensure_ascii=False) + "\n")
        self._stream.flush()
        if self.store is not None:
            self.store.land(event)

    def dead_letter(self, note: DeadLetterNote, original: bytes) -> Path:
        self.dlq_dir.mkdir(parents=True, exist_ok=True)
        path = self.dlq_dir / _file_name(note)
        path.write_bytes(original)
        description = path.with_name(path.name + ".json")
        description.write_text(json.dumps(asdict(note), indent=2) + "\n", encoding="utf-8")
        if self.store is not None:
            self.store.land_dead_letter(_dead_letter_row(note, path.name))
        return description

    def close(self) -> None:
        self._stream.close()
        if self.store is not None:
            self.store.database.close()


def _dead_letter_row(note: DeadLetterNote, file_name: str) -> DeadLetterRow:
    return DeadLetterRow(
        dead_letter_id=f"file:{file_name}",
        stage=note.stage,
        reason=note.reason,
        error_class=note.error_class,
        attempt=note.attempt,
        source_topic=note.source_topic,
        source_partition=None,
        source_offset=note.source_offset,
        letter_id=note.letter_id,
        failed_at=None,
    )


def _file_name(note: DeadLetterNote) -> str:
    """Unique per content and stage; keeps the file's own name (folders flattened) for people."""
    identity = note.sha256[:12] if note.sha256 else f"{note.source_topic}-{note.source_offset}"
    base = note.file.replace("/", "__") if note.file else "record.bin"
    return f"{identity}-{note.stage}-{base}"
