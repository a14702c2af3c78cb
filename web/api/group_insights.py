"""GET /api/moot/v1/groups/{group_id}/insights (the group's moderators and the admins) and
GET /api/moot/v1/admin/insights (admins): the figures of the insights pages, numbers only."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from aiohttp import web

from federation.group_insights import PERIODS, Preparing, group_insights
from federation.groups.access import is_moderator
from federation.instance_insights import instance_insights
from federation.render import iso
from models.actors import LocalUser
from web.api.auth import require_actor, require_admin
from web.api.group_lookup import group_from_path


def _days(request: web.Request) -> int:
    raw = request.query.get("days", "30")
    if not raw.isdigit() or int(raw) not in PERIODS:
        raise web.HTTPUnprocessableEntity(text="days must be 7, 30 or 90")
    return int(raw)


def _plain(value: Any) -> Any:
    """Dataclasses, dates and lists as JSON values."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


async def group_insights_api(request: web.Request) -> web.Response:
    viewer = await require_actor(request)
    group = await group_from_path(request)
    allowed = group.is_local and (await is_moderator(group, viewer)
                                  or await LocalUser.filter(actor=viewer, is_admin=True).exists())
    if not allowed:  # the same answer as for a group that does not exist
        raise web.HTTPNotFound(text=f"no group {request.match_info['group_id']!r}")
    try:
        data = await group_insights(group, _days(request))
    except Preparing:
        raise web.HTTPServiceUnavailable(text="this group's insights are being prepared: try again in a few minutes",
                                         headers={"Retry-After": "60"})
    return web.json_response({
        "group_id": str(group.id),
        "days": data.period.days,
        "first_day": data.period.first.isoformat(),
        "today": data.period.today.isoformat(),
        "members": data.members,
        "summary": {f.name: {"value": f.value, "previous": f.previous} for f in data.summary},
        "daily": [{"day": row.day.isoformat(), "members": row.members, "net": row.net,
                   "checkin_rate": row.checkin_rate, **_plain(row.figures)} for row in data.days],
        "moderation_weekly": _plain(data.moderation),
        "join_requests": _plain(data.join_waits),
        "top_contributors": [{"account_id": str(c.actor.id), "posts": c.posts, "replies": c.replies}
                             for c in data.contributors],
        "servers": _plain(data.servers),
        "server_count": data.server_count,
        "retention": _plain(data.cohorts),
        "polls": [{"post_id": str(p.post_id), "published": iso(p.published), "voters": p.voters,
                   "participation": p.participation} for p in data.polls],
        "events": [{"post_id": str(e.post_id), "starts_at": iso(e.starts_at), "participants": e.participants,
                    "capacity": e.capacity, "attendance": e.attendance} for e in data.events],
    })


async def instance_insights_api(request: web.Request) -> web.Response:
    await require_admin(request)
    data = await instance_insights(_days(request))
    plain = _plain(data)
    plain.pop("period")
    return web.json_response({"days": data.period.days, "first_day": data.period.first.isoformat(),
                              "today": data.period.today.isoformat(), **plain})


def setup(app: web.Application) -> None:
    app.router.add_get("/api/moot/v1/groups/{group_id}/insights", group_insights_api, name="api_group_insights")
    app.router.add_get("/api/moot/v1/admin/insights", instance_insights_api, name="api_instance_insights")
