"""The claims database: determinations landed for downstream claims systems, the review
queue over it, and the figures the summary reports (PostgreSQL, or SQLite in embedded mode)."""

from workers.claims.database import Database, DatabaseUnavailableError
from workers.claims.letters import DeadLetterRow, LetterStore
from workers.claims.migrations import migrate


def open_database(url: str) -> Database:
    """The database at ``url`` with every migration applied."""
    database = Database(url)
    migrate(database)
    return database


__all__ = [
    "Database",
    "DatabaseUnavailableError",
    "DeadLetterRow",
    "LetterStore",
    "migrate",
    "open_database",
]
