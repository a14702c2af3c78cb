"""Request timing and the access log, and GET /metrics (Prometheus text format, behind MOOT_METRICS_TOKEN).

The instruments live in federation/metrics.py (one registry per app); this module feeds them the HTTP side
and, at each scrape, the queue gauges read from the database.
"""
from __future__ import annotations

import hmac
import logging
import time
from typing import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from federation.metrics import Metrics
from federation.queue_admin import hosts_in_backoff, queue_stats
from models.database_context import activate
from server import keys

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

access_log = logging.getLogger("moot.access")
log = logging.getLogger(__name__)


def route_name(request: web.Request) -> str:
    """The route's name (never the raw path: ids would make every request a series of its own)."""
    route = request.match_info.route
    if route.name:
        return route.name
    resource = route.resource
    return resource.canonical if resource is not None else "unmatched"


def _metrics(request: web.Request) -> Metrics | None:
    fed = request.app.get(keys.FEDERATION)
    return fed.metrics if fed is not None else None


async def request_metrics(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Run the request; count it, time it and log one line, whatever the outcome."""
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        seconds = time.perf_counter() - started
        route = route_name(request)
        metrics = _metrics(request)
        if metrics is not None:
            metrics.count_request(route, request.method, status, seconds)
        ms = round(seconds * 1000, 1)
        access_log.info("%s %s %s %.1fms", request.method, route, status, ms,
                        extra={"method": request.method, "route": route, "status": status, "ms": ms})


def _token_of(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.query.get("token", "")


async def update_queue_gauges(metrics: Metrics) -> None:
    for stats in await queue_stats():
        metrics.queue_pending.labels(stats.queue).set(stats.pending)
        metrics.queue_due.labels(stats.queue).set(stats.due)
        metrics.queue_oldest_due_seconds.labels(stats.queue).set(stats.oldest_due_seconds or 0)
        metrics.queue_failed.labels(stats.queue).set(stats.failed)
    metrics.hosts_in_backoff.set(len(await hosts_in_backoff()))


async def metrics_handler(request: web.Request) -> web.Response:
    """Prometheus text format; 404 unless MOOT_METRICS_TOKEN is set, 401 without that token."""
    expected = request.app[keys.SETTINGS].metrics_token
    if not expected:
        raise web.HTTPNotFound(text="Not found")
    if not hmac.compare_digest(_token_of(request).encode(), expected.encode()):
        raise web.HTTPUnauthorized(text="a metrics token is required (Authorization: Bearer TOKEN or ?token=)",
                                   headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    metrics = _metrics(request)
    if metrics is None:
        raise web.HTTPNotFound(text="Not found")
    activate(request.app[keys.DATABASE])
    try:
        await update_queue_gauges(metrics)
    except Exception:  # the counters are still worth having when the database is down
        log.warning("could not read the queue depths for /metrics", exc_info=True)
    return web.Response(body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})
