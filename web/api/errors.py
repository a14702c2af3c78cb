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
        return web.json_response({"error": exception_message(exc, exc.reason)}, status=exc.status,
                                 headers=kept_headers(exc))
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return web.json_response({"error": "internal server error"}, status=500)


def exception_message(exc: web.HTTPException, default: str) -> str:
    """The message a handler gave the exception, or `default` when it kept aiohttp's "404: Not Found"."""
    return exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else default


def kept_headers(exc: web.HTTPException) -> dict[str, str]:
    """Headers of an error that the client needs to act on it."""
    return {name: exc.headers[name] for name in ("Retry-After", "WWW-Authenticate", "Allow") if name in exc.headers}
