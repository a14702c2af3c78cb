"""/healthz and /readyz: liveness without the database, readiness with the database, the schema and the workers."""
from __future__ import annotations

import asyncio
import time

from tortoise.migrations.recorder import MigrationRecorder

import server.health
from aiohttp.test_utils import unused_port
from federation.metrics import heartbeat
from server import keys
from server.health import WORKER_STALE_SECONDS, code_migrations, serve_worker_endpoints
from tests.conftest import MootInstance


async def test_healthz_answers_ok(moot: MootInstance) -> None:
    assert await moot.api("GET", "/healthz") == (200, {"status": "ok"})


async def test_readyz_ready_with_external_workers(moot: MootInstance) -> None:
    status, body = await moot.api("GET", "/readyz")
    assert status == 200, body
    assert body == {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "workers": "external"}}


async def test_readyz_503_when_a_migration_is_missing(moot: MootInstance) -> None:
    last = max(code_migrations())
    await MigrationRecorder(moot.database.db()).record_unapplied("models", last)
    status, body = await moot.api("GET", "/readyz")
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert last in body["checks"]["migrations"] and "moot migrate" in body["checks"]["migrations"]
    # Liveness does not care: the process is up.
    assert (await moot.api("GET", "/healthz"))[0] == 200


async def test_readyz_503_when_the_database_fails(moot: MootInstance, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    connection = moot.database.db()

    async def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("database is down")

    monkeypatch.setattr(connection, "execute_query", broken)
    status, body = await moot.api("GET", "/readyz")
    assert status == 503
    assert body["checks"]["database"].startswith("unreachable")
    # /healthz touches no database, so the broken connection does not matter to it.
    assert await moot.api("GET", "/healthz") == (200, {"status": "ok"})


async def test_readyz_checks_the_worker_heartbeat(moot_factory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    moot = await moot_factory(run_workers=True)
    for _ in range(100):  # the worker task starts with the app; its first turn beats at once
        if moot.fed.metrics.worker_heartbeat is not None:
            break
        await asyncio.sleep(0)
    status, body = await moot.api("GET", "/readyz")
    assert status == 200 and body["checks"]["workers"] == "ok", body
    # A worker that stops turning (stuck, or crashed) makes the instance not ready: look from the future.
    later = time.monotonic() + WORKER_STALE_SECONDS + 5
    monkeypatch.setattr(server.health, "_clock", lambda: later)
    status, body = await moot.api("GET", "/readyz")
    assert status == 503 and body["checks"]["workers"].startswith("stalled"), body


async def test_a_worker_process_answers_health_and_metrics(moot: MootInstance) -> None:
    """`moot worker --listen`: the worker's own counters and heartbeat, on its own port."""
    settings = moot.app[keys.SETTINGS].with_overrides(metrics_token="worker-token", run_workers=False)
    port = unused_port()
    runner = await serve_worker_endpoints(moot.fed, settings, moot.database, f"127.0.0.1:{port}")
    try:
        heartbeat(moot.fed)
        base = f"http://127.0.0.1:{port}"
        async with moot.session.get(base + "/healthz") as resp:
            assert resp.status == 200 and await resp.json() == {"status": "ok"}
        async with moot.session.get(base + "/readyz") as resp:
            body = await resp.json()
            assert resp.status == 200 and body["checks"]["workers"] == "ok", body  # this process is the workers
        async with moot.session.get(base + "/metrics") as resp:
            assert resp.status == 401
        async with moot.session.get(base + "/metrics?token=worker-token") as resp:
            assert resp.status == 200 and "moot_deliveries_total" in await resp.text()
        async with moot.session.get(base + "/admin/queues") as resp:
            assert resp.status == 404  # nothing else is served there
    finally:
        await runner.cleanup()
