"""Placeholders for hand-written SQL on either engine, for the few hot paths where building a statement with the
ORM costs more than running it (an IN list of a few hundred ids costs the query builder milliseconds)."""
from __future__ import annotations

from typing import Any, Iterable, Sequence

from tortoise.backends.base.client import BaseDBAsyncClient


class Params:
    """The values of one statement, in order; each add() writes its placeholder ("?" on SQLite, "$n" on PostgreSQL)."""

    def __init__(self, db: BaseDBAsyncClient) -> None:
        self.values: list[Any] = []
        self._sqlite = db.capabilities.dialect == "sqlite"

    def add(self, value: Any) -> str:
        self.values.append(value)
        return "?" if self._sqlite else f"${len(self.values)}"

    def add_all(self, values: Iterable[Any]) -> str:
        """A comma-separated list of placeholders, for `IN (...)`; the caller makes sure it is not empty."""
        return ", ".join(self.add(value) for value in values)


# Placeholders in one statement: SQLite's default limit is 32,766 and PostgreSQL's 32,767; stay well under.
MAX_PARAMS = 30_000


async def insert_rows(db: BaseDBAsyncClient, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                      *, returning: Sequence[str] = ()) -> list[dict[str, Any]]:
    """INSERT the rows (plain tuples, in `columns` order, values the driver takes as they are) with multi-row
    VALUES, as few statements as the parameter limit allows; returns the `returning` columns of each inserted
    row, or [] without them. Neither engine promises RETURNING's order, so return a key with the id.

    For hot paths whose bulk_create cost is the ORM building one model object per row. The caller fills every
    column the model would default (no model object runs its defaults here) and encodes JSON itself."""
    if not rows:
        return []
    per_statement = max(1, MAX_PARAMS // len(columns))
    names = ", ".join(f'"{name}"' for name in columns)
    tail = " RETURNING " + ", ".join(f'"{name}"' for name in returning) if returning else ""
    found: list[dict[str, Any]] = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        p = Params(db)
        groups = ", ".join("(" + ", ".join(p.add(value) for value in row) + ")" for row in chunk)
        sql = f'INSERT INTO "{table}" ({names}) VALUES {groups}{tail}'
        if returning:
            found += [dict(record) for record in await db.execute_query_dict(sql, p.values)]
        else:
            await db.execute_query(sql, p.values)
    return found
