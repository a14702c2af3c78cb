"""Storing accepted inbox activities: one parameterised INSERT per batch, which skips activity ids already stored.

This is the one write of the inbox's hot path, so it bypasses the ORM's per-row work: no model object per
row, no SELECT of the known ids first, and no transaction around one execution per row (bulk_create's way).
`INSERT ... ON CONFLICT (activity_id) DO NOTHING RETURNING activity_id` (PostgreSQL, and SQLite since 3.35)
is one statement, so it is atomic on its own, and it names exactly the rows it inserted: an activity that an
earlier batch, or another process a moment ago, stored is left as it was and answered as a duplicate.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from federation.queue import utcnow
from models.queues import PENDING, InboxItem

# The columns each new row sets; the others (locked_until, last_error, outcome) start as NULL.
_COLUMNS = ("activity_id", "actor_uri", "recipient_uri", "activity", "state", "attempts", "next_attempt_at",
            "created_at")


@dataclass(frozen=True, slots=True)
class NewInboxRow:
    """An authenticated activity to store; `activity` is its JSON text, storable on every engine."""

    activity_id: str
    actor_uri: str
    recipient_uri: str | None
    activity: str
    received_at: datetime


@functools.lru_cache(maxsize=64)
def _insert_sql(postgres: bool, rows: int) -> str:
    table = InboxItem._meta.db_table
    db_columns = [InboxItem._meta.fields_db_projection[name] for name in _COLUMNS]
    width = len(db_columns)
    if postgres:
        groups = ("(" + ", ".join(f"${row * width + column + 1}" for column in range(width)) + ")"
                  for row in range(rows))
    else:
        groups = ("(" + ", ".join("?" * width) + ")" for _ in range(rows))
    return (f'INSERT INTO "{table}" ({", ".join(f"{chr(34)}{name}{chr(34)}" for name in db_columns)}) '
            f'VALUES {", ".join(groups)} ON CONFLICT ("{db_columns[0]}") DO NOTHING RETURNING "{db_columns[0]}"')


async def insert_new(rows: Sequence[NewInboxRow]) -> set[str]:
    """Insert the rows (their activity ids distinct) in one statement; returns the activity ids inserted."""
    if not rows:
        return set()
    db = InboxItem._meta.db  # the database of the current context (models/database_context.py)
    postgres = db.capabilities.dialect == "postgres"
    stored_at = utcnow()
    values: list[object] = []
    for row in rows:
        values += (row.activity_id, row.actor_uri, row.recipient_uri, row.activity, PENDING, 0, row.received_at,
                   stored_at)
    inserted = await db.execute_query_dict(_insert_sql(postgres, len(rows)), values)
    return {record[_COLUMNS[0]] for record in inserted}
