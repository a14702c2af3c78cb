"""GET /healthz (the process is up), GET /readyz (it can do its work) and GET /metrics, wired before every
other middleware so that neither a broken database nor a session lookup stands in their way.

/readyz checks that the database answers a short query, that every migration of this version is applied,
and, when this process runs the workers, that the worker loop turned recently.
"""
from __future__ import annotations

import asyncio
import pkgutil
import time
from typing import Any, Awaitable, Callable

from aiohttp import web
from tortoise.context import TortoiseContext
from tortoise.migrations.recorder import MigrationRecorder

import models.migrations
from models.database_context import activate
from federation.context import FederationContext
from server import keys
from server.metrics import metrics_handler, request_metrics
from server.settings import Settings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

DATABASE_TIMEOUT = 2.0
# The worker loop turns at least every second when idle; a pass over a full batch takes far less than this.
WORKER_STALE_SECONDS = 60.0
_clock = time.monotonic  # the same clock as federation.metrics.heartbeat


async def healthz(request: web.Request) -> web.Response:
    """The process answers; nothing else is looked at (a load balancer's liveness probe)."""
    return web.json_response({"status": "ok"})


def code_migrations() -> set[str]:
    return {module.name for module in pkgutil.iter_modules(models.migrations.__path__)}


async def _check_database(request: web.Request) -> dict[str, str]:
    database = request.app[keys.DATABASE]
    checks: dict[str, str] = {}
    try:
        connection = database.db()
        await asyncio.wait_for(connection.execute_query("SELECT 1"), DATABASE_TIMEOUT)
    except Exception as exc:  # any failure means "not ready"; the reason goes in the body
        checks["database"] = f"unreachable: {type(exc).__name__}"
        checks["migrations"] = "unknown"
        return checks
    checks["database"] = "ok"
    try:
        applied = await asyncio.wait_for(MigrationRecorder(connection).applied_migrations(), DATABASE_TIMEOUT)
        missing = sorted(code_migrations() - {key.name for key in applied if key.app_label == "models"})
    except Exception as exc:
        checks["migrations"] = f"unreadable: {type(exc).__name__}"
        return checks
    checks["migrations"] = "ok" if not missing else f"not applied: {', '.join(missing)} (run moot migrate)"
    return checks


def _check_workers(request: web.Request) -> str:
    if not request.app[keys.SETTINGS].run_workers:
        return "external"
    metrics = request.app[keys.FEDERATION].metrics
    beat = metrics.worker_heartbeat if metrics is not None else None
    if beat is None:
        return "not started"
    age = _clock() - beat
    return "ok" if age <= WORKER_STALE_SECONDS else f"stalled: no turn for {age:.0f} s"


async def readyz(request: web.Request) -> web.Response:
    """200 when the database answers, the schema is current and the workers (if ours) are alive; else 503,
    with each check's result."""
    activate(request.app[keys.DATABASE])
    checks: dict[str, Any] = await _check_database(request)
    checks["workers"] = _check_workers(request)
    ready = all(value in ("ok", "external") for value in checks.values())
    return web.json_response({"status": "ok" if ready else "unavailable", "checks": checks},
                             status=200 if ready else 503)


OPERATIONS_PATHS: dict[str, Handler] = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics_handler}


@web.middleware
async def operations(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The outermost middleware: times and logs every request, and answers the operations endpoints itself."""
    own = OPERATIONS_PATHS.get(request.path) if request.method in ("GET", "HEAD") else None
    return await request_metrics(request, own or handler)


def setup_operations(app: web.Application) -> None:
    """Register the endpoints (so they are named routes), and the middleware at the front of the chain."""
    app.middlewares.insert(0, operations)
    for path, handler in OPERATIONS_PATHS.items():
        app.router.add_get(path, handler, name=path.strip("/"))


async def serve_worker_endpoints(fed: FederationContext, settings: Settings, database: TortoiseContext,
                                 listen: str) -> web.AppRunner:
    """/healthz, /readyz and /metrics for a `moot worker` process (`moot worker --listen 127.0.0.1:9100`),
    whose counters (deliveries, processed items) live in its own process. Stop it with `runner.cleanup()`."""
    app = web.Application(middlewares=[operations])
    app[keys.SETTINGS] = settings.with_overrides(run_workers=True)  # this process is the workers
    app[keys.FEDERATION] = fed
    app[keys.DATABASE] = database
    for path, handler in OPERATIONS_PATHS.items():
        app.router.add_get(path, handler, name=path.strip("/"))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    host, _, port = listen.rpartition(":")
    await web.TCPSite(runner, host.strip("[]") or "127.0.0.1", int(port)).start()
    return runner
