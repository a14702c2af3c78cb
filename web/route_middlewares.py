"""Two middleware chains: all of them for routes people and apps call, a short one for the routes only servers call.

The inboxes take thousands of signed POSTs a second from other servers. Sessions, CSRF, error pages, API
scopes and CORS, static caching and the instance-info refresh all pass those requests through unchanged
(no cookie, an exempt path, JSON errors, no CORS prefix), yet each layer costs a coroutine per request and
a frame at every resume. `fold_middlewares` replaces the app's list with one middleware that composes,
once per handler, either every middleware or only those the server-to-server routes name, in the same order.
"""
from __future__ import annotations

import functools
from typing import Awaitable, Callable, Collection

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]

_SERVER_ROUTE = "moot_server_to_server"


def server_to_server(handler: Handler) -> Handler:
    """Mark a handler that only other servers call, authenticated by HTTP signatures (never by a session)."""
    setattr(handler, _SERVER_ROUTE, True)
    return handler


def is_server_to_server(handler: Handler) -> bool:
    return getattr(handler, _SERVER_ROUTE, False)


def fold_middlewares(app: web.Application, for_servers: Collection[Middleware]) -> None:
    """Call after every middleware is added: marked handlers then run only the middlewares in for_servers."""
    every = tuple(app.middlewares)
    servers = tuple(middleware for middleware in every if middleware in for_servers)

    @functools.lru_cache(maxsize=1024)
    def chain(handler: Handler) -> Handler:
        composed = handler
        for middleware in reversed(servers if is_server_to_server(handler) else every):
            composed = functools.partial(middleware, handler=composed)
        return composed

    @web.middleware
    async def by_route(request: web.Request, handler: Handler) -> web.StreamResponse:
        return await chain(handler)(request)

    app.middlewares.clear()
    app.middlewares.append(by_route)

