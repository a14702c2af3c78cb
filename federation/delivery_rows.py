"""Writing new Delivery rows: a multi-row INSERT of plain tuples, the fan-out expansion's one big write.

A busy group's pass makes thousands of deliveries; building a tortoise `Delivery` per row (Model.__init__,
then each field's to_db_value in bulk_create) cost more CPU than the database's work. The rows here are
exactly what `Delivery(activity_id=..., inbox_url=..., host=..., next_attempt_at=...)` saved by bulk_create
wrote: the columns the model defaults (state, attempts, created_at) are filled with the same values, the
nullable ones left NULL, and datetimes passed as aware datetimes as the ORM passes them (asyncpg sends a
timestamptz; on SQLite tortoise's registered adapter stores the same ISO text). tests/federation/
test_delivery_rows.py compares a row written both ways, field by field and as stored.
"""
from __future__ import annotations

import functools
from datetime import datetime
from typing import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from federation.queue import utcnow
from models.queues import PENDING, Delivery

# The columns each new row sets; the others (locked_until, last_error, last_status, delivered_at) start NULL.
_COLUMNS = ("activity_id", "inbox_url", "host", "state", "attempts", "next_attempt_at", "created_at")
# 1,000 rows of 7 values is 7,000 parameters a statement: under SQLite's 32,766 (since 3.32) and the
# 32,767 of PostgreSQL's protocol, and few statements for the largest relay.
ROWS_PER_STATEMENT = 1000

NewDelivery = tuple[int, str, str]  # (activity id, inbox URL, host)


@functools.lru_cache(maxsize=32)
def _insert_sql(postgres: bool, rows: int) -> str:
    table = Delivery._meta.db_table
    names = ", ".join(f'"{Delivery._meta.fields_db_projection[name]}"' for name in _COLUMNS)
    width = len(_COLUMNS)
    if postgres:
        groups = ("(" + ", ".join(f"${row * width + column + 1}" for column in range(width)) + ")"
                  for row in range(rows))
    else:
        group = "(" + ", ".join("?" * width) + ")"
        groups = (group for _ in range(rows))
    return f'INSERT INTO "{table}" ({names}) VALUES {", ".join(groups)}'


async def insert_deliveries(db: BaseDBAsyncClient, rows: Sequence[NewDelivery], next_attempt_at: datetime,
                            per_statement: int = ROWS_PER_STATEMENT) -> None:
    """Insert one pending delivery per (activity id, inbox, host), due at next_attempt_at, on `db` (the caller's
    transaction), in statements of at most `per_statement` rows."""
    postgres = db.capabilities.dialect == "postgres"
    created_at = utcnow()
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        values: list[object] = []
        for activity_id, inbox_url, host in chunk:
            values += (activity_id, inbox_url, host, PENDING, 0, next_attempt_at, created_at)
        await db.execute_query(_insert_sql(postgres, len(chunk)), values)
