"""/api/moot/v1: draws of groups and pages (federation/activities/draws.py).

    POST /api/moot/v1/groups/{group_id}/draws      a group's moderator makes a draw
    POST /api/moot/v1/pages/{name}/draws           a page's admin (or the page's own token) makes one
    GET  /api/moot/v1/groups/{group_id}/draws      the group's draws the viewer may see
    GET  /api/moot/v1/pages/{name}/draws           the page's draws the viewer may see
    GET  /api/moot/v1/draws/{draw_id}              one draw: state, commitment, seed once drawn, winners
    POST /api/moot/v1/draws/{draw_id}/cancel       cancel before the deadline, with a reason

A draw is visible to whoever may see its post; a hidden one answers 404 like a missing one.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from federation import audience
from federation.actions import ActionError
from federation.activities import draws
from federation.activities.draw_algorithm import eligible_digest
from federation.activities.draws_read import revealed, visible_draw, visible_draws
from federation.activities.draws_text import HOW_TO_VERIFY, audit_path
from federation.render import iso
from models.actors import Actor
from models.draws import ELIGIBLE_REPLIED_OR_LIKED, Draw
from models.posts import Post
from web import app_keys as keys
from web.api.auth import optional_actor, require_actor
from web.api.group_lookup import group_from_path, http_error, optional_datetime
from web.api.params import read_params
from web.api.serializers import account


def _number(params: dict[str, Any], name: str, default: int | None = None) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, str) and raw.strip().isdigit())):
        raise web.HTTPUnprocessableEntity(text=f"{name} must be a whole number")
    value = int(raw)
    if value > 10**12:
        raise web.HTTPUnprocessableEntity(text=f"{name} is too large")
    return value


def _day(params: dict[str, Any], name: str) -> date | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return date.fromisoformat(str(raw)[:10])
    except ValueError:
        raise web.HTTPUnprocessableEntity(text=f"{name} must be a date like 2026-12-01") from None


def spec_from(params: dict[str, Any]) -> draws.DrawSpec:
    deadline = optional_datetime(params.get("deadline"), "deadline")
    if deadline is None:
        raise web.HTTPUnprocessableEntity(text="deadline is required (an ISO 8601 date and time)")
    winners = _number(params, "winners_count", None)
    return draws.DrawSpec(
        prize=str(params.get("prize") or "").strip(),
        winners_count=winners if winners is not None else (_number(params, "winners", 1) or 0),
        deadline=deadline,
        eligibility=str(params.get("eligibility") or ELIGIBLE_REPLIED_OR_LIKED),
        event_id=_number(params, "event_id"),
        series_id=_number(params, "series_id"),
        min_checkins=_number(params, "min_checkins"),
        since=_day(params, "since"),
        until=_day(params, "until"),
        description=str(params.get("description") or ""),
    )


async def serialize(draw: Draw, base_url: str) -> dict[str, Any]:
    host = await Actor.get(id=draw.host_id)
    post = await Post.filter(id=draw.post_id).first() if draw.post_id else None
    shown = revealed(draw)
    eligible = list(draw.eligible or [])
    winners_by_uri = {actor.uri: actor for actor in await Actor.filter(uri__in=list(draw.winners or []))}
    params = draw.eligibility_params if isinstance(draw.eligibility_params, dict) else {}
    return {
        "id": str(draw.id),
        "host": {"id": str(host.id), "type": "group" if host.type == "Group" else "page",
                 "name": host.username, "handle": f"{host.username}@{host.domain}",
                 "display_name": host.display_name or host.username},
        "post_id": str(draw.post_id) if draw.post_id else None,
        "post_uri": post.uri if post else None,
        "result_post_id": str(draw.result_post_id) if draw.result_post_id else None,
        "state": draw.state,
        "prize": draw.prize,
        "winners_count": draw.winners_count,
        "deadline": iso(draw.deadline),
        "eligibility": draw.eligibility,
        "eligibility_params": {key: str(value) for key, value in params.items()},
        "commitment": draw.commitment,
        "seed": draw.seed_hex if shown else None,
        "eligible_count": len(eligible) if shown else None,
        "eligible_sha256": eligible_digest(eligible) if shown else None,
        "winners": [await account(winners_by_uri[uri]) for uri in draw.winners or [] if uri in winners_by_uri],
        "audit_url": base_url + audit_path(draw.id),
        "how_to_verify_url": base_url + HOW_TO_VERIFY,
        "created_at": iso(draw.created_at),
        "drawn_at": iso(draw.drawn_at),
        "cancelled_at": iso(draw.cancelled_at),
        "cancel_reason": draw.cancel_reason,
    }


async def _page_from_path(request: web.Request) -> Actor:
    page = await Actor.filter(local_name=request.match_info["name"].lower(), type="Service", is_local=True,
                              deleted_at=None).first()
    if page is None:
        raise web.HTTPNotFound(text="no such page")
    return page


async def _create(request: web.Request, host: Actor) -> web.Response:
    user = await require_actor(request)
    spec = spec_from(await read_params(request))
    ctx = request.app[keys.FEDERATION]
    try:
        draw = await draws.create_draw(ctx, user, host, spec)
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response(await serialize(draw, ctx.base_url), status=201)


async def create_in_group(request: web.Request) -> web.Response:
    group = await group_from_path(request)
    return await _create(request, group)


async def create_on_page(request: web.Request) -> web.Response:
    return await _create(request, await _page_from_path(request))


async def _listing(request: web.Request, host: Actor) -> web.Response:
    viewer = audience.viewer_of(await optional_actor(request))
    if host.type == "Group" and not await audience.may_see_group_content(host, viewer):
        raise web.HTTPForbidden(text="this group is private: only its members can read it")
    base_url = request.app[keys.FEDERATION].base_url
    found = await visible_draws(host, viewer, limit=100)
    return web.json_response([await serialize(draw, base_url) for draw in found])


async def group_draws(request: web.Request) -> web.Response:
    return await _listing(request, await group_from_path(request))


async def page_draws(request: web.Request) -> web.Response:
    return await _listing(request, await _page_from_path(request))


async def _draw_from_path(request: web.Request, viewer: Actor | None) -> Draw:
    draw = await visible_draw(request.match_info["draw_id"], audience.viewer_of(viewer))
    if draw is None:
        raise web.HTTPNotFound(text="no such draw")
    return draw


async def show(request: web.Request) -> web.Response:
    viewer = await optional_actor(request)
    draw = await _draw_from_path(request, viewer)
    return web.json_response(await serialize(draw, request.app[keys.FEDERATION].base_url))


async def cancel(request: web.Request) -> web.Response:
    user = await require_actor(request)
    draw = await _draw_from_path(request, user)
    params = await read_params(request)
    ctx = request.app[keys.FEDERATION]
    try:
        draw = await draws.cancel_draw(ctx, user, draw, str(params.get("reason") or ""))
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response(await serialize(draw, ctx.base_url))


def setup(app: web.Application) -> None:
    r = app.router
    r.add_post("/api/moot/v1/groups/{group_id}/draws", create_in_group, name="api_group_draw_create")
    r.add_get("/api/moot/v1/groups/{group_id}/draws", group_draws, name="api_group_draws")
    r.add_post("/api/moot/v1/pages/{name}/draws", create_on_page, name="api_page_draw_create")
    r.add_get("/api/moot/v1/pages/{name}/draws", page_draws, name="api_page_draws")
    r.add_get("/api/moot/v1/draws/{draw_id}", show, name="api_draw")
    r.add_post("/api/moot/v1/draws/{draw_id}/cancel", cancel, name="api_draw_cancel")
