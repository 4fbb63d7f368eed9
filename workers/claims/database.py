"""One small DB-API layer over PostgreSQL (psycopg 3) and SQLite, so the sink, the review
console and the report run the same SQL on either.

SQL is written once, with ``?`` placeholders and types both engines accept (SQLite stores dates,
timestamps and JSON as text). Reads come back alike from both: dates, timestamps and JSON as
text, booleans as ``bool``-able values. Connection failures surface as
:class:`DatabaseUnavailableError`, a :class:`~workers.runtime.errors.DeliveryError`, so a
runner rewinds and backs off instead of dead-lettering what it could not land.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, Protocol

from workers.runtime.errors import DeliveryError

Dialect = Literal["postgresql", "sqlite"]
Row = dict[str, Any]
Params = Sequence[Any]

_SQLITE_PREFIX = "sqlite:///"
_POSTGRES_PREFIXES = ("postgresql://", "postgres://")
_PLACEHOLDER = re.compile(r"\?")
# psycopg text loaders for these types, so rows read like SQLite's.
_AS_TEXT = ("date", "timestamp", "timestamptz", "json", "jsonb", "numeric")


class DatabaseUnavailableError(DeliveryError):
    """The database could not be reached or dropped the connection; try again later."""


class Cursor(Protocol):
    """The part of a DB-API cursor this layer uses."""

    @property
    def description(self) -> Any: ...

    @property
    def rowcount(self) -> int: ...

    def execute(self, sql: Any, params: Any = ..., /) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Transaction:
    """Statements inside one transaction (see :meth:`Database.transaction`)."""

    def __init__(self, cursor: Cursor, dialect: Dialect) -> None:
        self._cursor = cursor
        self._dialect = dialect

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        self._cursor.execute(_translate(sql, self._dialect), tuple(params))
        return self._cursor.rowcount

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        self._cursor.execute(_translate(sql, self._dialect), tuple(params))
        names = [column[0] for column in self._cursor.description]
        return [dict(zip(names, row, strict=True)) for row in self._cursor.fetchall()]

    def script(self, sql: str) -> None:
        """Every ``;``-terminated statement of ``sql`` (no parameters, no ``;`` in literals)."""
        for statement in split_statements(sql):
            self._cursor.execute(statement)


def split_statements(sql: str) -> list[str]:
    """Statements of a migration file: ``--`` comments dropped, split at ``;``."""
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


def _translate(sql: str, dialect: Dialect) -> str:
    return _PLACEHOLDER.sub("%s", sql) if dialect == "postgresql" else sql


class Database:
    """A connection to the claims database at ``url``, shared by threads one transaction at a
    time; reconnects after the server dropped it."""

    def __init__(self, url: str) -> None:
        if url.startswith(_SQLITE_PREFIX):
            self.dialect: Dialect = "sqlite"
        elif url.startswith(_POSTGRES_PREFIXES):
            self.dialect = "postgresql"
        else:
            raise ValueError("database URL must start with postgresql:// or sqlite:///")
        self._url = url
        self._lock = threading.Lock()
        self._connection: Any = None

    @classmethod
    def sqlite(cls, path: Path) -> Database:
        return cls(_SQLITE_PREFIX + str(path))

    @property
    def description(self) -> str:
        """Where the database is, without credentials (for logs and people)."""
        if self.dialect == "sqlite":
            return self._url
        return "postgresql://" + self._url.split("@", 1)[-1].split("?", 1)[0]

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self._lock:
            connection = self._connect()
            try:
                cursor = connection.cursor()
                try:
                    if self.dialect == "sqlite":
                        cursor.execute("BEGIN IMMEDIATE")
                    yield Transaction(cursor, self.dialect)
                    connection.commit()
                finally:
                    cursor.close()
            except BaseException as exc:
                self._rollback(connection)
                if self._is_unavailable(exc):
                    raise DatabaseUnavailableError(type(exc).__name__) from exc
                raise

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        """Rows of one read in a transaction of its own."""
        with self.transaction() as tx:
            return tx.query(sql, params)

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _connect(self) -> Any:
        if self._connection is not None and not getattr(self._connection, "broken", False):
            return self._connection
        try:
            self._connection = (
                _sqlite_connection(self._url.removeprefix(_SQLITE_PREFIX))
                if self.dialect == "sqlite"
                else _postgres_connection(self._url)
            )
        except Exception as exc:
            if self._is_unavailable(exc):
                raise DatabaseUnavailableError(type(exc).__name__) from exc
            raise
        return self._connection

    def _rollback(self, connection: Any) -> None:
        try:
            connection.rollback()
        except Exception:  # the connection is gone; the next transaction reconnects
            self._connection = None

    def _is_unavailable(self, exc: BaseException) -> bool:
        if self.dialect == "sqlite":
            return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)
        import psycopg

        return isinstance(exc, psycopg.OperationalError)


def _sqlite_connection(path: str) -> sqlite3.Connection:
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # Transactions are begun explicitly (BEGIN IMMEDIATE); several processes may share the file.
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA journal_mode = WAL")
    return connection


def _postgres_connection(url: str) -> Any:
    import psycopg
    from psycopg.types.string import TextLoader

    connection = psycopg.connect(url, autocommit=False, connect_timeout=10)
    for name in _AS_TEXT:
        connection.adapters.register_loader(name, TextLoader)
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
    connection.commit()
    return connection
