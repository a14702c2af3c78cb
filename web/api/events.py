"""/api/moot/v1/events: an event with its counts and the viewer's registration, registering and leaving, the
organisers' participant list and decisions, invitations, and creating, editing and cancelling events.

An event the viewer may not see (federation/audience.py) answers 404, exactly like one that does not exist.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web
from tortoise.expressions import Subquery

from federation import audience
from federation.actions import ActionError
from federation.activities import events_elsewhere, events_manage, events_registration
from federation.activities.events import EVENT_TYPE, EventView, event_view, upcoming
from federation.activities.events_manage import EventInputError, parse_event_input
from federation.activities.events_registration import RegistrationError
from federation.queue import utcnow
from federation.render import iso
from models.actors import Actor
from models.events import Event, EventParticipant
from models.posts import Post
from web import app_keys as keys
from web.api.auth import optional_actor, require_actor
from web.api.group_lookup import account_from, group_from_path, http_error
from web.api.params import int_id, read_params
from web.pages.community_common import LookupFailed, lookup_actor

MAX_LISTED = 200
STATE_ORDER = ("pending", "participant", "waitlisted", "invited", "requested", "rejected", "left")


def event_json(view: EventView, base_url: str) -> dict[str, Any]:
    post, event = view.post, view.event
    body: dict[str, Any] = {
        "id": str(post.id),
        "uri": post.uri,
        "url": f"{base_url}/threads/{post.id}",
        "title": post.name or "",
        "description": post.content,
        "starts_at": iso(event.starts_at),
        "ends_at": iso(event.ends_at),
        "time_zone": event.time_zone,
        "place": {"name": event.place_name, "address": event.place_address}
        if event.place_name or event.place_address else None,
        "online_url": event.online_url,
        "capacity": event.capacity,
        "join_mode": event.join_mode,
        "status": event.status,
        "cancel_reason": event.cancel_reason,
        "local": view.local,
        "participant_count": view.counts.participants,
        "remaining_seats": view.remaining,
        "waitlist_count": view.counts.waitlisted,
        "ics": f"{base_url}/threads/{post.id}/event.ics",
        "viewer": {"state": view.state, "organiser": view.organiser, "can_register": not view.closed,
                   "closed_reason": view.closed or None},
    }
    if view.organiser:
        body["pending_count"] = view.counts.pending
        body["invited_count"] = view.counts.invited
    return body


async def visible_event(request: web.Request, viewer: Actor | None) -> tuple[Post, Event]:
    """The Event post of the path, if this viewer may see it; 404 alike when missing or hidden."""
    post = await Post.filter(audience.visible_posts(audience.viewer_of(viewer)), type=EVENT_TYPE,
                             id=int_id(request.match_info["post_id"], "event")).first()
    event = await Event.filter(post_id=post.id).first() if post is not None else None
    if post is None or event is None or post.removed_at is not None:
        raise web.HTTPNotFound(text="no such event")
    return post, event


async def _answer(request: web.Request, post: Post, viewer: Actor | None, status: int = 200) -> web.Response:
    view = await event_view(post, viewer)
    assert view is not None
    return web.json_response(event_json(view, request.app[keys.FEDERATION].base_url), status=status)


def _refused(exc: ActionError) -> web.HTTPException:
    if isinstance(exc, EventInputError):
        return web.HTTPUnprocessableEntity(text=f"{exc.field}: {exc}")
    if isinstance(exc, RegistrationError):
        return {403: web.HTTPForbidden, 422: web.HTTPUnprocessableEntity}.get(exc.status, web.HTTPConflict)(
            text=f"{exc.key}: {exc}")
    return http_error(exc)


async def show(request: web.Request) -> web.Response:
    viewer = await optional_actor(request)
    post, _ = await visible_event(request, viewer)
    return await _answer(request, post, viewer)


async def register(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    post, event = await visible_event(request, actor)
    params = await read_params(request)
    message = str(params.get("message") or "")[:events_registration.MAX_MESSAGE]
    ctx = request.app[keys.FEDERATION]
    try:
        if post.is_local:
            await events_registration.register(ctx, post, event, actor, message=message)
        else:
            await events_elsewhere.request(ctx, post, event, actor, message=message)
    except ActionError as exc:
        raise _refused(exc) from None
    return await _answer(request, post, actor)


async def leave(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    post, event = await visible_event(request, actor)
    ctx = request.app[keys.FEDERATION]
    if post.is_local:
        done = await events_registration.leave(ctx, post, event, actor)
    else:
        done = await events_elsewhere.withdraw(ctx, post, event, actor)
    if not done:
        raise web.HTTPConflict(text="you are not registered for this event")
    return await _answer(request, post, actor)


async def _organiser_event(request: web.Request) -> tuple[Actor, Post, Event]:
    actor = await require_actor(request)
    post, event = await visible_event(request, actor)
    view = await event_view(post, actor)
    if view is None or not view.organiser:
        raise web.HTTPForbidden(text="only the organisers see and manage the participants")
    return actor, post, event


def participant_json(row: EventParticipant) -> dict[str, Any]:
    actor = row.actor
    return {
        "account": {"id": str(actor.id), "acct": actor.username if actor.is_local else actor.handle,
                    "display_name": actor.display_name or "", "uri": actor.uri, "url": actor.url or actor.uri},
        "state": row.state,
        "message": row.message,
        "reason": row.reason,
        "registered_at": iso(row.queued_at),
    }


async def participants_of(event: Event) -> list[EventParticipant]:
    """Everyone with a registration, by state (pending first), then in the order they came."""
    rows = await EventParticipant.filter(event_id=event.id).order_by("queued_at", "id").limit(MAX_LISTED * 5) \
        .prefetch_related("actor")
    return sorted(rows, key=lambda row: STATE_ORDER.index(row.state) if row.state in STATE_ORDER else 99)


async def participants(request: web.Request) -> web.Response:
    _, _, event = await _organiser_event(request)
    return web.json_response([participant_json(row) for row in await participants_of(event)])


async def decide(request: web.Request) -> web.Response:
    organiser, post, event = await _organiser_event(request)
    person = await account_from(request.match_info["account_id"])
    params = await read_params(request)
    approve = request.match_info["decision"] == "approve"
    try:
        row = await events_registration.decide(request.app[keys.FEDERATION], organiser, post, event, person, approve,
                                               str(params.get("reason") or ""))
    except ActionError as exc:
        raise _refused(exc) from None
    row.actor = person
    return web.json_response(participant_json(row))


async def invite(request: web.Request) -> web.Response:
    organiser, post, event = await _organiser_event(request)
    params = await read_params(request)
    if params.get("handle") and not params.get("account_id"):
        try:
            person = await lookup_actor(request, str(params["handle"])[:300])
        except LookupFailed:
            raise web.HTTPNotFound(text=f"nobody was found as {str(params['handle'])[:300]!r}") from None
    else:
        person = await account_from(params.get("account_id"))
    try:
        row = await events_registration.invite(request.app[keys.FEDERATION], organiser, post, event, person)
    except ActionError as exc:
        raise _refused(exc) from None
    row.actor = person
    return web.json_response(participant_json(row), status=201)


async def _create(request: web.Request, author: Actor, group: Actor | None) -> web.Response:
    params = await read_params(request)
    visibility = str(params.get("visibility") or "public")
    if visibility not in ("public", "unlisted", "private"):
        raise web.HTTPUnprocessableEntity(text="visibility must be public, unlisted or private")
    try:
        data = parse_event_input(params)
        post = await events_manage.create_event(request.app[keys.FEDERATION], author, data, group=group,
                                                visibility=visibility)
    except ActionError as exc:
        raise _refused(exc) from None
    held = group is not None and post.group_id != group.id
    return await _answer(request, post, author, status=202 if held else 201)


async def create_in_group(request: web.Request) -> web.Response:
    author = await require_actor(request)
    group = await group_from_path(request)
    if not await audience.may_see_group_content(group, audience.viewer_of(author)):
        raise web.HTTPNotFound(text=f"no group {request.match_info['group_id']!r}")
    return await _create(request, author, group)


async def create_own(request: web.Request) -> web.Response:
    """An event on the token's own profile: a page's event (or a person's)."""
    author = await require_actor(request)
    if author.type not in ("Person", "Service"):
        raise web.HTTPForbidden(text="only people and pages create events")
    return await _create(request, author, None)


async def group_events(request: web.Request) -> web.Response:
    viewer = await optional_actor(request)
    group = await group_from_path(request)
    seen_by = audience.viewer_of(viewer)
    if not await audience.may_see_group_content(group, seen_by):
        raise web.HTTPForbidden(text="this group is private: only its members can read it")
    posts = Post.filter(audience.visible_posts(seen_by), group=group, type=EVENT_TYPE, removed_at=None)
    events = await Event.filter(upcoming(utcnow()), post_id__in=Subquery(posts.values("id"))) \
        .order_by("starts_at", "id").limit(MAX_LISTED).prefetch_related("post")
    base = request.app[keys.FEDERATION].base_url
    body = []
    for event in events:
        view = await event_view(event.post, viewer)
        if view is not None:
            body.append(event_json(view, base))
    return web.json_response(body)


async def edit(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    post, event = await visible_event(request, actor)
    params = await read_params(request)
    # A PATCH names what changes; the rest stays as it is.
    current = {
        "title": post.name, "description": post.source or "", "starts_at": iso(event.starts_at),
        "ends_at": iso(event.ends_at) or "", "time_zone": event.time_zone, "place_name": event.place_name or "",
        "place_address": event.place_address or "", "online_url": event.online_url or "",
        "capacity": event.capacity or "", "join_mode": event.join_mode,
    }
    try:
        data = parse_event_input({**current, **{k: v for k, v in params.items() if k in current}})
        await events_manage.edit_event(request.app[keys.FEDERATION], actor, post, data)
    except ActionError as exc:
        raise _refused(exc) from None
    return await _answer(request, post, actor)


async def cancel(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    post, _ = await visible_event(request, actor)
    params = await read_params(request)
    try:
        await events_manage.cancel_event(request.app[keys.FEDERATION], actor, post, str(params.get("reason") or ""))
    except ActionError as exc:
        raise _refused(exc) from None
    return await _answer(request, post, actor)


def setup(app: web.Application) -> None:
    r = app.router
    base = "/api/moot/v1/events"
    one = base + "/{post_id}"
    r.add_post(base, create_own, name="api_events_create")
    r.add_get(one, show, name="api_event")
    r.add_patch(one, edit, name="api_event_edit")
    r.add_post(one + "/cancel", cancel, name="api_event_cancel")
    r.add_post(one + "/register", register, name="api_event_register")
    r.add_post(one + "/leave", leave, name="api_event_leave")
    r.add_get(one + "/participants", participants, name="api_event_participants")
    r.add_post(one + "/participants/{account_id}/{decision:approve|reject}", decide, name="api_event_decision")
    r.add_post(one + "/invitations", invite, name="api_event_invite")
    r.add_get("/api/moot/v1/groups/{group_id}/events", group_events, name="api_group_events")
    r.add_post("/api/moot/v1/groups/{group_id}/events", create_in_group, name="api_group_event_create")
