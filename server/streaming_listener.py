"""LISTEN on PostgreSQL and wake something of this process when another process (or this one) commits rows:
`moot_stream` wakes the streaming hub for new posts and notifications (the trigger is in
models/migrations/0014_streaming.py), `moot_queue` the worker for new queue rows (0020_queue_wakeups.py)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Callable
from urllib.parse import urlsplit, urlunsplit

import asyncpg

log = logging.getLogger(__name__)

CHANNEL = "moot_stream"
QUEUE_CHANNEL = "moot_queue"
RETRY_SECONDS = 5.0


def _dsn(database_url: str) -> str:
    """The URL without tortoise's own query options (asyncpg does not know them)."""
    parts = urlsplit(database_url.replace("postgresql://", "postgres://", 1))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class StreamListener:
    def __init__(self, database_url: str, wake: Callable[[], None], channel: str = CHANNEL) -> None:
        self.dsn = _dsn(database_url)
        self.wake = wake
        self.channel = channel
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        """Keep one connection listening; after a lost connection, reconnect (the waker's poll covers the gap)."""
        while True:
            connection = None
            try:
                connection = await asyncpg.connect(self.dsn)
                lost = asyncio.Event()
                connection.add_termination_listener(lambda *_: lost.set())
                await connection.add_listener(self.channel, self._notified)
                self.wake()  # catch up on whatever committed while not listening
                await lost.wait()
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("cannot listen on %s (%s); retrying in %.0f s", self.channel, exc, RETRY_SECONDS)
            finally:
                if connection is not None and not connection.is_closed():
                    with contextlib.suppress(Exception):
                        await connection.close(timeout=2)
            await asyncio.sleep(RETRY_SECONDS)

    def _notified(self, *_: Any) -> None:
        self.wake()
