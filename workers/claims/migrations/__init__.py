"""Schema migrations of the claims database: ``NNNN_name.sql`` files applied in order.

Each file runs in one transaction together with its row in ``schema_migrations``, so a
migration is applied entirely or not at all. On PostgreSQL an advisory lock keeps two
processes starting at once (a sink and a console) from applying the same file twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from workers.claims.database import Database, Transaction

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_KEY = 0x1A4_C1A1
_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """Every migration file shipped with the package, by version."""
    found: list[Migration] = []
    for entry in resources.files(__name__).iterdir():
        match = _FILE.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migration versions must run 1, 2, 3, ... without gaps: {versions}")
    return found


def migrate(database: Database) -> list[int]:
    """Apply the migrations ``database`` has not had yet; returns their versions."""
    applied: list[int] = []
    for migration in migrations():
        with database.transaction() as tx:
            _lock(tx, database)
            tx.execute(_VERSION_TABLE)
            done = tx.query(
                "SELECT 1 FROM schema_migrations WHERE version = ?", (migration.version,)
            )
            if done:
                continue
            tx.script(migration.sql)
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, datetime.now(UTC).isoformat()),
            )
        applied.append(migration.version)
    return applied


def current_version(database: Database) -> int:
    with database.transaction() as tx:
        tx.execute(_VERSION_TABLE)
        rows = tx.query("SELECT MAX(version) AS version FROM schema_migrations")
    return int(rows[0]["version"] or 0)


def _lock(tx: Transaction, database: Database) -> None:
    if database.dialect == "postgresql":
        tx.query("SELECT pg_advisory_xact_lock(?)", (_LOCK_KEY,))
