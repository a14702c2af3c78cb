"""Inboxes that misbehave never hold a delivery slot past the delivery timeout: one that stalls, one that
drops the connection, and one that answers 202 with a 10 MB body (delivered: only the status counts)."""
from __future__ import annotations

import asyncio
import time
from typing import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from federation import delivery as delivery_module
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.queues import DONE, Delivery
from tests.conftest import MootInstance


@pytest.fixture
async def hostile() -> AsyncIterator[TestServer]:
    async def stall(request: web.Request) -> web.Response:
        await asyncio.sleep(60)
        return web.Response(status=202)

    async def huge(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(status=202)
        await response.prepare(request)
        chunk = b"x" * 65536
        for _ in range(160):  # 10 MB
            await response.write(chunk)
        return response

    async def drop(request: web.Request) -> web.Response:
        request.transport.close()  # type: ignore[union-attr]
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/stall/inbox", stall)
    app.router.add_post("/huge/inbox", huge)
    app.router.add_post("/drop/inbox", drop)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


async def test_misbehaving_inboxes_give_the_slot_back(moot: MootInstance, hostile: TestServer,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery_module, "DELIVERY_TIMEOUT_SECONDS", 1.0)
    owner, _ = await moot.user("owner")
    page, token = await moot.page("news", owner)
    base = f"http://127.0.0.1:{hostile.port}"
    for name in ("stall", "huge", "drop"):
        follower = await Actor.create(uri=f"{base}/{name}", type="Person", username=name, domain=f"127.0.0.1:{hostile.port}",
                                      inbox=f"{base}/{name}/inbox")
        await Follow.create(follower=follower, target=page, state=ACCEPTED)
    await moot.api("POST", "/api/v1/statuses", token, json={"status": "hello"})
    began = time.monotonic()
    await moot.drain()
    assert time.monotonic() - began < 8  # not the stalled inbox's 60 s, nor the 15 s fetch timeout
    rows = {row.inbox_url.rsplit("/", 2)[1]: row for row in await Delivery.all()}
    assert rows["huge"].state == DONE  # a 202 is a 202, whatever follows it
    assert rows["stall"].state != DONE and "timeout" in (rows["stall"].last_error or "")
    assert rows["drop"].state != DONE and rows["drop"].last_error
