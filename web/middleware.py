"""Request middlewares: the app's database for each request, the instance's settings, and security headers."""
from __future__ import annotations

from typing import Awaitable, Callable

from aiohttp import web

from web import app_keys as keys
from models.database_context import activate

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def use_app_database(request: web.Request, handler: Handler) -> web.StreamResponse:
    activate(request.app[keys.DATABASE])
    return await handler(request)


@web.middleware
async def fresh_instance_info(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Pages render synchronously with the cached name, description and rules: refresh them when stale."""
    await request.app[keys.FEDERATION].instance_info.get()
    return await handler(request)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # No inline script anywhere; images may come from other servers (remote avatars and attachments).
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self' https: http:",
    )
    return response
