"""Placeholders for hand-written SQL on either engine, for the few hot paths where building a statement with the
ORM costs more than running it (an IN list of a few hundred ids costs the query builder milliseconds)."""
from __future__ import annotations

from typing import Any, Iterable

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
