"""/api/moot/v1/groups/{group_id}/checkins: a group's check-in (series, today, leaderboard), checking in, a
member's days and streaks, and the moderators' settings (POST/PATCH .../checkins/series).

A private group's check-ins answer 404 to anyone outside it, exactly like a group with none (audience module).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from federation import audience
from federation.actions import ActionError
from federation.activities import checkins as actions
from federation.activities.checkin_streaks import Streaks, local_day, next_run_day
from federation.activities.checkins_board import (
    day_checkins, leaderboard, member_days, member_streaks, notes_for,
)
from federation.activities.checkins_replies import zone_of
from federation.render import iso
from models.actors import Actor
from models.checkins import Checkin, CheckinSeries
from web import app_keys as keys
from web.api.auth import optional_actor, require_actor
from web.api.group_lookup import group_from_path, http_error
from web.api.params import read_params

STATES = ("active", "paused", "ended")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def account_brief(actor: Actor) -> dict[str, Any]:
    return {"id": str(actor.id), "username": actor.username,
            "acct": actor.username if actor.is_local else actor.handle, "display_name": actor.display_name or "",
            "url": actor.url or actor.uri, "avatar": actor.icon_url}


def series_json(series: CheckinSeries, now: datetime) -> dict[str, Any]:
    state = "ended" if series.ended_at else ("active" if series.active else "paused")
    following = next_run_day(series.weekdays, local_day(now, zone_of(series))) if state == "active" else None
    return {"id": str(series.id), "prompt": series.prompt, "time_zone": series.time_zone,
            "weekdays": [int(day) for day in series.weekdays], "state": state,
            "created_at": iso(series.created_at), "ended_at": iso(series.ended_at),
            "next_day": following.isoformat() if following else None}


def streaks_json(streaks: Streaks) -> dict[str, int]:
    return {"current_streak": streaks.current, "longest_streak": streaks.longest, "total": streaks.total}


def checkin_json(checkin: Checkin, notes: dict[int, str], actor: Actor | None = None) -> dict[str, Any]:
    doc = {"day": checkin.day.isoformat(), "note": notes.get(checkin.id),
           "post_id": str(checkin.post_id) if checkin.post_id else None, "created_at": iso(checkin.created_at)}
    if actor is not None:
        doc["account"] = account_brief(actor)
    return doc


async def _group_and_viewer(request: web.Request, *, signed_in: bool = False) -> tuple[Actor, Actor | None]:
    viewer = await require_actor(request) if signed_in else await optional_actor(request)
    group = await group_from_path(request)
    if not await audience.may_see_group_content(group, audience.viewer_of(viewer)):
        raise web.HTTPNotFound(text=f"no group {request.match_info['group_id']!r}")
    return group, viewer


async def _series(group: Actor) -> CheckinSeries:
    series = await actions.current_series(group)
    if series is None:
        raise web.HTTPNotFound(text="this group runs no check-in")
    return series


async def overview(request: web.Request) -> web.Response:
    group, viewer = await _group_and_viewer(request)
    series = await actions.current_series(group)
    if series is None:
        return web.json_response({"series": None, "today": None, "leaderboard": []})
    now = _now()
    seen_by = audience.viewer_of(viewer)
    found = await actions.open_day(series, now)
    today: dict[str, Any] | None = None
    if found is not None:
        checkins = await day_checkins(series, found.day)
        notes = await notes_for(checkins, seen_by)
        today = {"day": found.day.isoformat(),
                 "thread_id": str(found.row.thread_id) if found.row and found.row.thread_id else None,
                 "checked_in": any(c.actor_id == viewer.id for c in checkins) if viewer else None,
                 "checkins": [checkin_json(c, notes, c.actor) for c in checkins]}
    board = [{"account": account_brief(s.actor), **streaks_json(s.streaks), "last_day": s.last_day.isoformat()}
             for s in await leaderboard(series, now)]
    return web.json_response({"series": series_json(series, now), "today": today, "leaderboard": board})


async def check_in(request: web.Request) -> web.Response:
    group, viewer = await _group_and_viewer(request, signed_in=True)
    assert viewer is not None
    series = await _series(group)
    params = await read_params(request)
    note = params.get("note") or ""
    if not isinstance(note, str):
        raise web.HTTPUnprocessableEntity(text="note must be text")
    try:
        checkin = await actions.check_in(request.app[keys.FEDERATION], viewer, series, note)
    except ActionError as exc:
        raise http_error(exc) from None
    notes = {checkin.id: checkin.note} if checkin.note else {}
    body = {**checkin_json(checkin, notes, viewer), **streaks_json(await member_streaks(series, viewer, _now()))}
    return web.json_response(body, status=201)


async def member(request: web.Request) -> web.Response:
    group, viewer = await _group_and_viewer(request)
    series = await _series(group)
    raw = request.match_info["account_id"]
    actor = await Actor.filter(id=int(raw), deleted_at=None).first() if raw.isdigit() else None
    if actor is None:
        raise web.HTTPNotFound(text=f"no account {raw!r}")
    days = await member_days(series, actor)
    notes = await notes_for(days, audience.viewer_of(viewer))
    return web.json_response({"account": account_brief(actor), "series_id": str(series.id),
                              **streaks_json(await member_streaks(series, actor, _now())),
                              "days": [checkin_json(day, notes) for day in days]})


async def create_series(request: web.Request) -> web.Response:
    group, viewer = await _group_and_viewer(request, signed_in=True)
    assert viewer is not None
    params = await read_params(request)
    try:
        settings = actions.parse_settings(params.get("prompt"), params.get("time_zone"), params.get("weekdays"))
        series = await actions.start_series(request.app[keys.FEDERATION], viewer, group, settings)
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response(series_json(series, _now()), status=201)


async def update_series(request: web.Request) -> web.Response:
    """Change the prompt, zone or days (each optional), and/or the state: active, paused or ended."""
    group, viewer = await _group_and_viewer(request, signed_in=True)
    assert viewer is not None
    series = await CheckinSeries.filter(group=group, ended_at=None).order_by("-id").first()
    if series is None:
        raise web.HTTPNotFound(text="this group runs no check-in")
    params = await read_params(request)
    state = params.get("state")
    if state is not None and state not in STATES:
        raise web.HTTPUnprocessableEntity(text=f"state must be one of {', '.join(STATES)}")
    ctx = request.app[keys.FEDERATION]
    try:
        if any(key in params for key in ("prompt", "time_zone", "weekdays")):
            settings = actions.parse_settings(params.get("prompt", series.prompt),
                                              params.get("time_zone", series.time_zone),
                                              params.get("weekdays", series.weekdays))
            series = await actions.edit_series(ctx, viewer, series, settings)
        if state == "ended":
            series = await actions.end_series(ctx, viewer, series)
        elif state is not None:
            series = await actions.set_paused(ctx, viewer, series, state == "paused")
        elif not any(key in params for key in ("prompt", "time_zone", "weekdays")):
            raise web.HTTPUnprocessableEntity(text="give prompt, time_zone, weekdays or state")
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response(series_json(series, _now()))


def setup(app: web.Application) -> None:
    r = app.router
    base = "/api/moot/v1/groups/{group_id}/checkins"
    r.add_post(base + "/series", create_series, name="api_checkin_series_create")
    r.add_patch(base + "/series", update_series, name="api_checkin_series_update")
    r.add_get(base, overview, name="api_checkins")
    r.add_post(base, check_in, name="api_checkin")
    r.add_get(base + "/{account_id}", member, name="api_checkin_member")
