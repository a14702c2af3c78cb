"""/api/v1/notifications in Mastodon's shapes: list (types[], exclude_types[], max_id/since_id/min_id/limit with
a Link header), one, dismiss, clear, and unread_count (Mastodon 4.3's {"count": N}).

Mastodon's types are mention, favourite, reblog, follow, follow_request, poll and admin.report (a reply is a
mention, as on Mastodon). Moot's own kinds are "moot.<kind>" (moot.join_request, moot.post_removed,
moot.event_reminder...) and are returned only when types[] asks for them, so apps never meet a type they
do not know. Only the token's own actor's notifications: a page's token reads the page's.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from federation.notifications import core
from federation.notifications import kinds as k
from federation.render import iso
from models.actors import Actor
from models.moderation import Report
from models.notifications import Notification
from models.posts import Post
from web import app_keys as keys
from web.api.auth import require_actor
from web.api.serializers import account as serialize_account
from web.api.serializers import accounts as serialize_accounts
from web.api.serializers import statuses as serialize_statuses

DEFAULT_LIMIT = 40
MAX_LIMIT = 80
MAX_UNREAD = 1000


def _listed(request: web.Request, name: str) -> list[str]:
    return [v for key in (f"{name}[]", name) for v in request.query.getall(key, [])][:50]


def _kinds(request: web.Request) -> list[str]:
    """The kinds asked for: types[] (Mastodon's names and moot.*), else Mastodon's own; minus exclude_types[]."""
    wanted = _listed(request, "types")
    if wanted:
        kinds = [kind for kind in k.KINDS if k.api_type(kind) in wanted]
    else:
        kinds = [kind for kind in k.KINDS if k.api_type(kind) in k.MASTODON_TYPES]
    excluded = set(_listed(request, "exclude_types"))
    return [kind for kind in kinds if k.api_type(kind) not in excluded]


def _id_param(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def _limit(request: web.Request, default: int = DEFAULT_LIMIT, most: int = MAX_LIMIT) -> int:
    raw = request.query.get("limit", "")
    return max(1, min(int(raw), most)) if raw.isdigit() and len(raw) < 6 else default


async def _report_json(report_id: Any) -> dict[str, Any] | None:
    report = await Report.filter(id=report_id).first() if isinstance(report_id, int) else None
    if report is None:
        return None
    target = await Actor.filter(id=report.target_actor_id).first() if report.target_actor_id else None
    post_ids = await report.posts.all().values_list("id", flat=True)
    return {
        "id": str(report.id), "action_taken": report.state != "open", "action_taken_at": iso(report.resolved_at),
        "category": "other", "comment": report.comment, "forwarded": report.forwarded,
        "created_at": iso(report.created_at), "status_ids": [str(i) for i in post_ids], "rule_ids": [],
        "target_account": await serialize_account(target) if target is not None else None,
    }


async def notification_json(note: Notification, viewer: Actor) -> dict[str, Any]:
    return (await notifications_json([note], viewer))[0]


async def notifications_json(notes: list[Notification], viewer: Actor) -> list[dict[str, Any]]:
    """Mastodon's Notifications; `account` is who caused it (for Moot's kinds without one: the group, or you).
    The actors, statuses and accounts are loaded for the whole list at once."""
    actor_ids = {i for note in notes for i in (note.from_actor_id, note.group_id) if i}
    actors = {actor.id: actor for actor in await Actor.filter(id__in=actor_ids)} if actor_ids else {}
    post_ids = {note.post_id for note in notes if note.post_id}
    posts = {post.id: post for post in await Post.filter(id__in=post_ids)} if post_ids else {}
    listed = [posts[note.post_id] for note in notes if note.post_id in posts]
    statuses = {post.id: body for post, body in zip(listed, await serialize_statuses(listed, viewer))}
    people = await serialize_accounts([*actors.values(), viewer])
    return [await _notification_json(note, viewer, actors, statuses, people) for note in notes]


async def _notification_json(note: Notification, viewer: Actor, actors: dict[int, Actor],
                             statuses: dict[int, dict[str, Any]], people: dict[int, dict[str, Any]]) -> dict[str, Any]:
    who = actors.get(note.from_actor_id) if note.from_actor_id else None
    group = actors.get(note.group_id) if note.group_id else None
    body: dict[str, Any] = {
        "id": str(note.id),
        "type": k.api_type(note.kind),
        "created_at": iso(note.created_at),
        "group_key": f"ungrouped-{note.id}",
        "account": people[(who or group or viewer).id],
        "status": statuses.get(note.post_id) if note.post_id else None,
    }
    if note.kind == k.REPORT:
        body["report"] = await _report_json((note.extra or {}).get("report_id"))
    if body["type"].startswith("moot."):
        body["moot"] = {"kind": note.kind, "reason": (note.extra or {}).get("reason") or None,
                        "group": people[group.id] if group is not None else None}
    return body


def _link(request: web.Request, rows: list[Notification]) -> str:
    base = request.app[keys.FEDERATION].base_url + request.path
    kept = [(key, value) for key, value in request.query.items() if key not in ("max_id", "min_id", "since_id")]
    return ", ".join([
        f'<{base}?{urlencode([*kept, ("max_id", str(rows[-1].id))])}>; rel="next"',
        f'<{base}?{urlencode([*kept, ("min_id", str(rows[0].id))])}>; rel="prev"',
    ])


async def list_notifications(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    query = Notification.filter(core.listed(actor), kind__in=_kinds(request))
    max_id, since_id, min_id = (_id_param(request, name) for name in ("max_id", "since_id", "min_id"))
    if max_id is not None:
        query = query.filter(id__lt=max_id)
    if since_id is not None:
        query = query.filter(id__gt=since_id)
    limit = _limit(request)
    if min_id is not None:  # the page just after min_id, oldest first, shown newest first
        rows = list(reversed(await query.filter(id__gt=min_id).order_by("id").limit(limit)))
    else:
        rows = await query.order_by("-id").limit(limit)
    rows = await core.only_visible(rows)
    response = web.json_response(await notifications_json(rows, actor))
    if rows:
        response.headers["Link"] = _link(request, rows)
    return response


async def _own(request: web.Request, actor: Actor) -> Notification:
    raw = request.match_info["notification_id"]
    note = await Notification.filter(core.listed(actor), id=int(raw)).first() \
        if raw.isdigit() and len(raw) < 19 else None
    if note is None or not await core.only_visible([note]):
        raise web.HTTPNotFound(text="Record not found")
    return note


async def get_notification(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    return web.json_response(await notification_json(await _own(request, actor), actor))


async def dismiss(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    note = await _own(request, actor)
    await core.dismiss(actor, note.id)
    return web.json_response({})


async def clear(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    await core.dismiss(actor)
    return web.json_response({})


async def unread_count(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    limit = _limit(request, default=100, most=MAX_UNREAD)
    ids = await Notification.filter(core.listed(actor), read_at=None, kind__in=_kinds(request)) \
        .order_by("-id").limit(limit).values_list("id", flat=True)
    return web.json_response({"count": len(ids)})


def setup(app: web.Application) -> None:
    r = app.router
    base = "/api/v1/notifications"
    r.add_get(base, list_notifications, name="api_notifications")
    r.add_get(base + "/unread_count", unread_count, name="api_notifications_unread_count")
    r.add_post(base + "/clear", clear, name="api_notifications_clear")
    r.add_get(base + "/{notification_id}", get_notification, name="api_notification")
    r.add_post(base + "/{notification_id}/dismiss", dismiss, name="api_notification_dismiss")
