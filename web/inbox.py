"""The inbox routes: read a capped body and hand it to federation intake. Nothing else happens here."""
from __future__ import annotations

import functools
import json

from aiohttp import web

from federation.inbox.intake import MAX_BODY, receive
from web.activitypub import find_local_actor
from web.route_middlewares import server_to_server
from web import app_keys as keys


async def _read_body(request: web.Request) -> bytes:
    length = request.content_length
    if length is not None:
        if length > MAX_BODY:
            raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=length,
                                                text=f"body is {length} bytes; the limit is {MAX_BODY}")
        # The parser frames the body by its Content-Length: one read, no more than that.
        return await request.read()
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body.extend(chunk)
        if len(body) > MAX_BODY:
            raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=len(body),
                                                text=f"body is over the {MAX_BODY}-byte limit")
    return bytes(body)


@functools.lru_cache(maxsize=32)
def _answer_body(key: str, reason: str) -> bytes:
    """The few answers a sender gets again and again ("accepted"), encoded once."""
    return json.dumps({key: reason}).encode()


def _answer(status: int, reason: str, retry_after: int | None) -> web.Response:
    key = "status" if status < 300 else "error"
    # Success reasons are a handful of fixed sentences; refusals name the sender's details, so no caching.
    body = _answer_body(key, reason) if status < 300 else json.dumps({key: reason}).encode()
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return web.Response(body=body, status=status, content_type="application/json", charset="utf-8",
                        headers=headers)


async def _receive(request: web.Request, recipient_uri: str | None) -> web.Response:
    body = await _read_body(request)
    path, _, query = request.raw_path.partition("?")
    result = await receive(
        request.app[keys.FEDERATION],
        method=request.method,
        # The signature covers the path exactly as sent, so use the raw (still percent-encoded) form.
        path=path,
        query_string=query,
        headers=request.headers,
        body=body,
        recipient_uri=recipient_uri,
    )
    return _answer(result.status, result.reason, result.retry_after)


@server_to_server
async def shared_inbox(request: web.Request) -> web.Response:
    return await _receive(request, None)


@server_to_server
async def actor_inbox(request: web.Request) -> web.Response:
    kind = request.match_info.get("kind")
    if kind is None:
        actor = request.app[keys.FEDERATION].instance_actor
    else:
        actor = await find_local_actor(kind, request.match_info["name"])
    if actor is None:
        raise web.HTTPNotFound(text="no such inbox")
    return await _receive(request, actor.uri)
