"""Mastodon's streaming API: `/api/v1/streaming` over WebSocket (with subscribe and unsubscribe messages) and
the server-sent-event paths (`/api/v1/streaming/user`, `/public`, `/hashtag?tag=`...). The token comes as
`Authorization: Bearer`, `?access_token=` or the WebSocket protocol header, as Mastodon's clients send it."""
from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from federation.home_timeline import HomeEntry
from models.actors import Actor
from models.notifications import Notification
from web.api.notifications import notification_json
from web.api.scopes import OUT_OF_SCOPE, allows, bearer_token, grant_for_token
from web.api.home_entries import entry_json
from web.api.serializers import status as serialize_status
from web.streaming.hub import StreamHub, Subscriber
from web.streaming.streams import Stream, StreamError, parse_stream

HUB = web.AppKey("stream_hub", StreamHub)
HEARTBEAT_SECONDS = 15.0
MAX_CLIENT_MESSAGE = 4096
SSE_PATHS = {
    "user": "user", "user/notification": "user:notification", "public": "public", "public/local": "public:local",
    "public/remote": "public:remote", "hashtag": "hashtag", "hashtag/local": "hashtag:local",
}


def new_hub() -> StreamHub:
    return StreamHub(serialize_status, _notification_payload, serialize_entry=_entry_payload)


async def _entry_payload(entry: HomeEntry) -> dict[str, Any]:
    return await entry_json(entry, None)  # shared by every listener, like a post's payload


async def _notification_payload(row: Notification) -> dict[str, Any] | None:
    recipient = await Actor.filter(id=row.recipient_id).first()
    return await notification_json(row, recipient) if recipient is not None else None


def _token(request: web.Request) -> str:
    bearer = bearer_token(request)
    if bearer:
        return bearer
    if request.query.get("access_token"):
        return request.query["access_token"].strip()
    return request.headers.get("Sec-WebSocket-Protocol", "").strip()


@dataclass(frozen=True)
class Viewer:
    actor: Actor | None = None
    scopes: frozenset[str] | None = frozenset()


async def _viewer(request: web.Request) -> Viewer:
    """Who is listening: the token's person or page and the token's scopes (anonymous without a token)."""
    token = _token(request)
    if not token:
        return Viewer()
    grant = await grant_for_token(token)
    if grant is None or grant.actor is None:
        raise web.HTTPUnauthorized(text="Error: Invalid access token")
    return Viewer(grant.actor, grant.scopes)


def _refusal(stream: Stream, viewer: Viewer) -> str | None:
    """Why this viewer may not have this stream (Mastodon's wording), or None."""
    if not stream.needs_user:
        return None
    if viewer.actor is None:
        return "Missing access token"
    needed = "read:notifications" if stream.kind == "user:notification" else "read:statuses"
    return None if allows(viewer.scopes, needed) else OUT_OF_SCOPE


def _stream_from(kind: str, tag: str | None, viewer: Viewer) -> Stream:
    try:
        stream = parse_stream(kind, tag)
    except StreamError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    refusal = _refusal(stream, viewer)
    if refusal is not None:
        raise (web.HTTPUnauthorized if viewer.actor is None else web.HTTPForbidden)(text=f"Error: {refusal}")
    return stream


async def health(request: web.Request) -> web.Response:
    return web.Response(text="OK")


async def server_sent_events(request: web.Request) -> web.StreamResponse:
    viewer = await _viewer(request)
    stream = _stream_from(SSE_PATHS[request.match_info["path"]], request.query.get("tag"), viewer)
    hub = request.app[HUB]
    subscriber = await hub.subscribe(viewer.actor, {stream})
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store",
                                           "X-Accel-Buffering": "no"})
    await response.prepare(request)
    try:
        await response.write(b":)\n\n")
        while not subscriber.closed:
            try:
                message = await asyncio.wait_for(subscriber.queue.get(), timeout=HEARTBEAT_SECONDS)
            except asyncio.TimeoutError:
                await response.write(b":thump\n\n")
                continue
            event = json.loads(message)
            await response.write(f"event: {event['event']}\ndata: {event['payload']}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        hub.unsubscribe(subscriber)
    return response


async def websocket(request: web.Request) -> web.StreamResponse:
    if request.headers.get("Upgrade", "").lower() != "websocket":
        raise web.HTTPBadRequest(text="this endpoint speaks WebSocket; server-sent events are under /api/v1/streaming/…")
    viewer = await _viewer(request)
    streams: set[Stream] = set()
    if request.query.get("stream"):
        streams.add(_stream_from(request.query["stream"], request.query.get("tag"), viewer))
    protocol = request.headers.get("Sec-WebSocket-Protocol", "").strip()
    socket = web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS, max_msg_size=MAX_CLIENT_MESSAGE,
                                   protocols=(protocol,) if protocol else ())
    await socket.prepare(request)
    hub = request.app[HUB]
    subscriber = await hub.subscribe(viewer.actor, streams)
    sender = asyncio.create_task(_send_loop(socket, subscriber))
    try:
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                continue
            await _client_message(socket, subscriber, viewer, message.data)
    finally:
        hub.unsubscribe(subscriber)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
    return socket


async def _client_message(socket: web.WebSocketResponse, subscriber: Subscriber, viewer: Viewer,
                          data: str) -> None:
    """{"type": "subscribe"|"unsubscribe", "stream": "...", "tag": "..."}; errors answer {"error": ...}."""
    try:
        request = json.loads(data)
        if not isinstance(request, dict) or request.get("type") not in ("subscribe", "unsubscribe"):
            raise ValueError("Unknown message type")
        stream = parse_stream(str(request.get("stream", "")), request.get("tag") if isinstance(request.get("tag"), str) else None)
        refusal = _refusal(stream, viewer)
        if refusal is not None:
            raise ValueError(refusal)
    except (ValueError, StreamError) as exc:
        await socket.send_json({"error": str(exc), "status": 400})
        return
    if request["type"] == "subscribe":
        subscriber.streams.add(stream)
    else:
        subscriber.streams.discard(stream)


async def _send_loop(socket: web.WebSocketResponse, subscriber: Subscriber) -> None:
    while not subscriber.closed and not socket.closed:
        try:
            message = await asyncio.wait_for(subscriber.queue.get(), timeout=HEARTBEAT_SECONDS)
        except asyncio.TimeoutError:
            continue
        await socket.send_str(message)
    if subscriber.closed and not socket.closed:
        await socket.close(message=b"too far behind")


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/v1/streaming/health", health, name="api_streaming_health")
    r.add_get("/api/v1/streaming", websocket, name="api_streaming")
    r.add_get("/api/v1/streaming/{path:user|user/notification|public|public/local|public/remote|hashtag|hashtag/local}",
              server_sent_events, name="api_streaming_sse")


