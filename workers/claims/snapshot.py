"""Every row of every claims table, in a fixed order: what "the database did not change"
compares (replays, duplicates, crash recovery)."""

from __future__ import annotations

from typing import Any

from workers.claims.database import Database

TABLES: dict[str, str] = {
    "letters": "letter_id",
    "items": "letter_id, position",
    "citations": "letter_id, item_position, party, position",
    "validation_reasons": "letter_id, position",
    "dead_letters": "dead_letter_id",
    "review_changes": "letter_id, changed_at, change_id",
}


def snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Table -> its rows ordered by primary key (values as the driver returns them)."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with database.transaction() as tx:
        for table, order in TABLES.items():
            rows = tx.query(f"SELECT * FROM {table} ORDER BY {order}")
            found[table] = [tuple(row.values()) for row in rows]
    return found
