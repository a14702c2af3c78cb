"""Claiming rows from the database queues.

On PostgreSQL, `SELECT ... FOR UPDATE SKIP LOCKED` lets any number of worker processes share a queue.
SQLite has no row locks; there one process does the claiming (the write lock serialises it).
Either way a claimed row gets a lease (locked_until, MOOT_QUEUE_LEASE_SECONDS from now); a worker that dies
loses its lease and the row is claimed again once it expires. A live worker renews the leases of the rows it is
still working on (federation/leases.py), so long work is never claimed twice.
"""
from __future__ import annotations

import random
from email.utils import parsedate_to_datetime
from datetime import datetime, timedelta, timezone
from typing import TypeVar

from federation.raw_sql import Params
from models.queues import PENDING, QueueRow

Row = TypeVar("Row", bound=QueueRow)

# How long a claimed row stays its worker's between renewals (the setting's default; the context carries the value).
DEFAULT_LEASE = timedelta(seconds=120)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


async def claim(model: type[Row], *, limit: int, lease: timedelta, due_by: datetime | None = None) -> list[Row]:
    """Lease up to `limit` rows of `model` due by `due_by` (default: now), oldest due first; leases run on the clock.

    Each row comes back with the locked_until it was given: the mark by which its worker later renews the lease
    (federation/leases.py) only while the row is still its own.

    One statement, `UPDATE ... WHERE id IN (SELECT ... LIMIT n [FOR UPDATE SKIP LOCKED]) RETURNING *`, which
    is atomic on its own: no transaction around a SELECT and an UPDATE (four round trips instead of one). On
    PostgreSQL the inner SELECT skips rows another worker is claiming at that moment; SQLite's one writer at
    a time makes the statement exclusive there."""
    now = utcnow()
    until = now + lease
    db = model._meta.db
    postgres = db.capabilities.dialect == "postgres"
    table = model._meta.db_table
    p = Params(db)
    sql = (f'UPDATE "{table}" SET locked_until = {p.add(until)} WHERE id IN ('
           f'SELECT id FROM "{table}" WHERE state = {p.add(PENDING)} AND next_attempt_at <= {p.add(due_by or now)} '
           f'AND (locked_until IS NULL OR locked_until < {p.add(now)}) ORDER BY next_attempt_at, id '
           f'LIMIT {p.add(limit)}{" FOR UPDATE SKIP LOCKED" if postgres else ""}) RETURNING *')
    rows = [model._init_from_db(**record) for record in await db.execute_query_dict(sql, p.values)]
    for row in rows:
        row.locked_until = until  # the very value written, which the lease keeper and the fence pass back
    rows.sort(key=lambda row: (row.next_attempt_at, row.pk))  # RETURNING keeps no order
    return rows


def backoff_delay(attempts: int, *, base: float = 30.0, cap: float = 6 * 3600.0) -> timedelta:
    """Exponential backoff with jitter: 30 s, 1 min, 2 min ... capped at 6 h."""
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=delay * random.uniform(0.8, 1.2))


def retry_after(header: str | None, now: datetime) -> timedelta | None:
    """Parse a Retry-After header (seconds or an HTTP date); None when absent or unreadable."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return timedelta(seconds=int(header))
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(timedelta(0), when - now)
