"""Errors as JSON {"error": "..."} with the right status, for the API and the inbox."""
from __future__ import annotations

import logging
from typing import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)

JSON_PREFIXES = ("/api/", "/inbox", "/.well-known/", "/nodeinfo/")


def wants_json_errors(request: web.Request) -> bool:
    return request.path.startswith(JSON_PREFIXES) or request.path.endswith("/inbox")


@web.middleware
async def json_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    if not wants_json_errors(request):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        return web.json_response({"error": message}, status=exc.status, headers=_kept_headers(exc))
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return web.json_response({"error": "internal server error"}, status=500)


def _kept_headers(exc: web.HTTPException) -> dict[str, str]:
    return {name: exc.headers[name] for name in ("Retry-After", "WWW-Authenticate", "Allow") if name in exc.headers}
