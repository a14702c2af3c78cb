"""The inboxes run a short middleware chain (web/route_middlewares.py); everything else runs all of them."""
from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.conftest import MootInstance
from web.route_middlewares import Handler, fold_middlewares, server_to_server


def recording(name: str, seen: list[str]) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        seen.append(name)
        return await handler(request)
    return middleware


async def test_marked_handlers_run_only_the_server_middlewares_in_order() -> None:
    seen: list[str] = []
    first, session, database, csrf = (recording(name, seen) for name in ("first", "session", "database", "csrf"))
    app = web.Application(middlewares=[first, session, database, csrf])

    @server_to_server
    async def inbox(request: web.Request) -> web.Response:
        return web.Response(status=202, text="accepted")

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="page")

    app.router.add_post("/inbox", inbox)
    app.router.add_get("/page", page)
    fold_middlewares(app, (first, database))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        for _ in range(2):  # the second time from the per-handler cache
            seen.clear()
            response = await client.post("/inbox", data=b"{}")
            assert (response.status, await response.text()) == (202, "accepted")
            assert seen == ["first", "database"]
            seen.clear()
            response = await client.get("/page")
            assert (response.status, await response.text()) == (200, "page")
            assert seen == ["first", "session", "database", "csrf"]
        seen.clear()
        response = await client.get("/nowhere")  # aiohttp's own 404 handler runs them all too
        assert response.status == 404 and seen == ["first", "session", "database", "csrf"]


async def test_inbox_answers_keep_their_headers_json_errors_and_metrics(moot: MootInstance) -> None:
    unsigned = await moot.session.post(f"{moot.server.make_url('/inbox')}", data=b'{"type": "Like"}',
                                       headers={"Content-Type": "application/activity+json",
                                                "Cookie": "moot_session=not-a-session"})
    assert unsigned.status == 401
    assert "signature" in (await unsigned.json())["error"]
    for header, value in (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY")):
        assert unsigned.headers[header] == value
    assert "moot_csrf" not in unsigned.cookies
    missing = await moot.session.post(f"{moot.server.make_url('/users/nobody/inbox')}", data=b"{}",
                                      headers={"Content-Type": "application/activity+json"})
    assert missing.status == 404
    assert await missing.json() == {"error": "no such inbox"}
    assert missing.headers["Referrer-Policy"] == "same-origin"
    metrics = moot.fed.metrics
    assert metrics is not None
    counted = metrics.http_requests.labels("shared_inbox", "POST", "401")._value.get()
    assert counted == 1
    assert metrics.inbox_received.labels("refused", "signature")._value.get() == 1
