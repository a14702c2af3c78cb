"""Server-side CPU time per request, for the insights benchmarks that run Moot's app in their own process.

`measure_requests(app)` puts a middleware in front of every other one (before the app starts) that takes
time.process_time() around the handling of each request. With requests made one after another, the client is
idle while the server handles one, so the figure is the server's work: handler, middlewares, template, and on
SQLite the database's too (in this process, in its thread); on PostgreSQL the driver's but not the server's.
CPU time does not grow when other processes share the cores, unlike the wall time.
"""
from __future__ import annotations

import time
from typing import Awaitable, Callable

from aiohttp import web

from benchlib import percentile

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class RequestCpu:
    def __init__(self) -> None:
        self.samples: list[float] = []  # milliseconds, in the order the requests were handled

    def mark(self) -> int:
        return len(self.samples)

    def since(self, mark: int) -> list[float]:
        return sorted(self.samples[mark:])


def measure_requests(app: web.Application) -> RequestCpu:
    cpu = RequestCpu()

    @web.middleware
    async def process_time(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.process_time()
        try:
            return await handler(request)
        finally:
            cpu.samples.append((time.process_time() - started) * 1000)

    app.middlewares.insert(0, process_time)
    return cpu


def cpu_text(samples: list[float]) -> str:
    """The p50 and p95 of sorted CPU samples, for a benchmark's result line."""
    return f"server CPU p50 {percentile(samples, 0.5):.1f} ms, p95 {percentile(samples, 0.95):.1f} ms"
