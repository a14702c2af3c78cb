"""A query log for the insights benchmarks: while active, every SQL statement the ORM sends (in this process)
is counted and timed, so a benchmark can say how many queries a page costs and which ones take the time.

    with QueryLog() as log:
        ... requests ...
    for line in log.summary(requests=40):
        say(line)

Only for benchmarks: it wraps the database clients' execute methods and puts them back on exit.
"""
from __future__ import annotations

import re
import time
from collections import defaultdict
from typing import Any, Callable

from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.backends.sqlite.client import SqliteClient

_METHODS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many")
_NUMBERS = re.compile(r"\b\d+\b|'[^']*'|\$\d+")


def _shape(sql: str) -> str:
    """The statement with its literals taken out, so the same query with other values adds up."""
    return " ".join(_NUMBERS.sub("?", sql).split())[:220]


class QueryLog:
    def __init__(self) -> None:
        self.calls: dict[str, list[float]] = defaultdict(list)
        self._saved: list[tuple[type, str, Callable[..., Any]]] = []

    def __enter__(self) -> "QueryLog":
        for cls in (SqliteClient, AsyncpgDBClient):
            for name in _METHODS:
                original = cls.__dict__.get(name)
                if original is None:
                    continue
                self._saved.append((cls, name, original))
                setattr(cls, name, self._wrap(original))
        return self

    def __exit__(self, *exc: object) -> None:
        for cls, name, original in reversed(self._saved):
            setattr(cls, name, original)
        self._saved.clear()

    def _wrap(self, original: Callable[..., Any]) -> Callable[..., Any]:
        log = self

        async def timed(client: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(client, query, *args, **kwargs)
            finally:
                log.calls[_shape(query)].append((time.perf_counter() - started) * 1000)

        return timed

    def summary(self, requests: int, top: int = 8) -> list[str]:
        """Queries per request, database time per request, and the costliest statements."""
        count = sum(len(v) for v in self.calls.values())
        total = sum(sum(v) for v in self.calls.values())
        per = max(1, requests)
        lines = [f"  queries: {count / per:.1f} per request, {total / per:.1f} ms of database time per request"]
        ranked = sorted(self.calls.items(), key=lambda item: -sum(item[1]))[:top]
        for shape, times in ranked:
            lines.append(f"    {sum(times) / per:7.2f} ms/request  x{len(times) / per:.1f}  {shape}")
        return lines
