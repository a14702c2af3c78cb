"""LISTEN `moot_stream` on PostgreSQL and wake this process's streaming hub when another process (or this one)
commits new posts or notifications (the trigger is in models/migrations/0014_streaming.py)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Callable
from urllib.parse import urlsplit, urlunsplit

import asyncpg

log = logging.getLogger(__name__)

CHANNEL = "moot_stream"
RETRY_SECONDS = 5.0


def _dsn(database_url: str) -> str:
    """The URL without tortoise's own query options (asyncpg does not know them)."""
    parts = urlsplit(database_url.replace("postgresql://", "postgres://", 1))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class StreamListener:
    def __init__(self, database_url: str, wake: Callable[[], None]) -> None:
        self.dsn = _dsn(database_url)
        self.wake = wake
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        """Keep one connection listening; after a lost connection, reconnect (the hub's poll covers the gap)."""
        while True:
            connection = None
            try:
                connection = await asyncpg.connect(self.dsn)
                lost = asyncio.Event()
                connection.add_termination_listener(lambda *_: lost.set())
                await connection.add_listener(CHANNEL, self._notified)
                self.wake()  # catch up on whatever committed while not listening
                await lost.wait()
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("streaming: cannot listen on %s (%s); retrying in %.0f s", CHANNEL, exc, RETRY_SECONDS)
            finally:
                if connection is not None and not connection.is_closed():
                    with contextlib.suppress(Exception):
                        await connection.close(timeout=2)
            await asyncio.sleep(RETRY_SECONDS)

    def _notified(self, *_: Any) -> None:
        self.wake()
