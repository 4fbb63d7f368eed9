"""Which file contents were already processed: a small SQLite table keyed by sha256."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

Outcome = Literal["determined", "dead_lettered"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS processed (
    sha256 TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    outcome TEXT NOT NULL,
    processed_at TEXT NOT NULL
)
"""


class ProcessedFiles:
    """Contents already turned into a determination or a dead letter.

    Keyed by the sha256 of the bytes, so a renamed or copied file is not processed twice and a
    modified one is processed again. ``path=None`` keeps the state in memory only.
    """

    def __init__(self, path: Path | None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(":memory:" if path is None else str(path))
        with self._db:
            self._db.execute(_SCHEMA)

    def __contains__(self, sha256: object) -> bool:
        row = self._db.execute("SELECT 1 FROM processed WHERE sha256 = ?", (sha256,)).fetchone()
        return row is not None

    def mark(self, entries: Iterable[tuple[str, str, Outcome]]) -> None:
        """Record ``(sha256, key, outcome)`` entries, all in one transaction."""
        now = datetime.now(UTC).isoformat()
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO processed VALUES (?, ?, ?, ?)",
                ((sha256, key, outcome, now) for sha256, key, outcome in entries),
            )

    def close(self) -> None:
        self._db.close()
