"""The inbox routes: read a capped body and hand it to federation intake. Nothing else happens here."""
from __future__ import annotations

from aiohttp import web

from federation.inbox.intake import MAX_BODY, receive
from web.activitypub import find_local_actor
from web import app_keys as keys



async def _read_body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=request.content_length,
                                            text=f"body is {request.content_length} bytes; the limit is {MAX_BODY}")
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body.extend(chunk)
        if len(body) > MAX_BODY:
            raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=len(body),
                                                text=f"body is over the {MAX_BODY}-byte limit")
    return bytes(body)


async def _receive(request: web.Request, recipient_uri: str | None) -> web.Response:
    body = await _read_body(request)
    result = await receive(
        request.app[keys.FEDERATION],
        method=request.method,
        # The signature covers the path exactly as sent, so use the raw (still percent-encoded) form.
        path=request.raw_path.split("?", 1)[0],
        query_string=request.raw_path.split("?", 1)[1] if "?" in request.raw_path else "",
        headers=request.headers,
        body=body,
        recipient_uri=recipient_uri,
    )
    headers = {"Retry-After": str(result.retry_after)} if result.retry_after else None
    return web.json_response({"status": result.reason} if result.status < 300 else {"error": result.reason},
                             status=result.status, headers=headers)


async def shared_inbox(request: web.Request) -> web.Response:
    return await _receive(request, None)


async def actor_inbox(request: web.Request) -> web.Response:
    kind = request.match_info.get("kind")
    if kind is None:
        actor = request.app[keys.FEDERATION].instance_actor
    else:
        actor = await find_local_actor(kind, request.match_info["name"])
    if actor is None:
        raise web.HTTPNotFound(text="no such inbox")
    return await _receive(request, actor.uri)
