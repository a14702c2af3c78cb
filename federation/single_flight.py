"""One fetch per key at a time: callers that ask for the same thing while it is being fetched share the
result (or the error) of the one fetch in flight, instead of each fetching it again."""
from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, TypeVar

T = TypeVar("T")


class SingleFlight:
    def __init__(self) -> None:
        self._flights: dict[str, asyncio.Future] = {}

    def in_flight(self, key: str) -> bool:
        return key in self._flights

    async def run(self, key: str, fetch: Callable[[], Awaitable[T]]) -> T:
        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(fetch())
            self._flights[key] = flight
            flight.add_done_callback(lambda _: self._flights.pop(key, None))
        # shield: one caller giving up (a client hanging up) must not cancel the fetch the others wait for.
        return await asyncio.shield(flight)
