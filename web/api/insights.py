"""/api/moot/v1/pages/{name}/insights: for the page's admins, the same figures as the web page.

`days` (1 to 365, default 30) chooses the period; every figure comes with the previous period's.
The first fields (followers, follower_servers, growth, posts) are kept as they were.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.insights.audience import LOCAL
from federation.insights.jobs import ensure_scheduled
from federation.insights.report import PageReport, PostRow, page_report
from federation.insights.rollups import DayFigures
from federation.local_actors import can_act_as
from federation.render import iso
from models.actors import Actor
from web.api.auth import require_actor
from web.timezones import viewer_zone

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day(d: DayFigures) -> dict[str, Any]:
    return {"day": d.day.isoformat(), "gained": d.gained, "lost": d.lost, "net": d.net, "followers": d.followers,
            "likes": d.likes, "boosts": d.boosts, "replies": d.replies, "interactions": d.interactions,
            "views": d.views, "lost_reasons": d.lost_reasons}


def _post(item: PostRow) -> dict[str, Any]:
    return {"id": str(item.id), "uri": item.uri, "title": item.title, "published": iso(item.published) if item.published else None,
            "language": item.language, "likes": item.likes, "boosts": item.boosts, "replies": item.replies,
            "engagement": item.interactions, "servers": item.servers, "followers_reached": item.followers_reached,
            "local_views": item.views, "engagement_rate": item.rate}


def report_json(data: PageReport) -> dict[str, Any]:
    growth = [data.previous_daily[-1], *data.daily]
    followers_now = data.figures["followers"].value
    local_followers = next((s.count for s in data.servers if s.name == LOCAL), 0)
    return {
        # the fields of the first version
        "followers": int(followers_now),
        "follower_servers": data.server_count + (1 if local_followers else 0),
        "growth": [{"day": d.day.isoformat(), "gained": d.gained, "lost": d.lost} for d in growth],
        "posts": [_post(item) for item in data.posts],
        # the period and its comparison
        "days": data.days,
        "since": data.first.isoformat(),
        "until": data.today.isoformat(),
        "figures": {key: {"value": f.value, "previous": f.previous, "change": f.change,
                          "change_percent": f.change_percent} for key, f in data.figures.items()},
        "daily": [_day(d) for d in data.daily],
        "previous_daily": [_day(d) for d in data.previous_daily],
        "lost_reasons": data.lost_reasons,
        "top_posts": [_post(item) for item in data.top_posts],
        "audience": {
            "servers": [{"host": s.name or None, "local": s.name == LOCAL, "followers": s.count} for s in data.servers],
            "other_servers_followers": data.other_servers,
            "server_count": data.server_count,
            "software": [{"software": s.name or None, "followers": s.count} for s in data.software],
            "languages": [{"language": row.language or None, "posts": row.posts,
                           "followers_reached": row.followers_reached, "interactions": row.interactions}
                          for row in data.languages],
            "taken_at": iso(data.audience_taken_at) if data.audience_taken_at else None,
        },
        "heatmap": {"weekdays": list(WEEKDAYS), "hours": data.heatmap},
    }


async def insights(request: web.Request) -> web.Response:
    viewer = await require_actor(request)
    page = await Actor.filter(local_name=request.match_info["name"], type="Service", is_local=True).first()
    if page is None:
        raise web.HTTPNotFound(text="no such page")
    if not await can_act_as(viewer, page):
        raise web.HTTPForbidden(text="only the page's admins see its insights")
    raw_days = request.query.get("days", "30")
    if not raw_days.isdigit() or not 1 <= int(raw_days) <= 365:
        raise web.HTTPBadRequest(text="days must be a whole number from 1 to 365")
    await ensure_scheduled()
    data = await page_report(page, days=int(raw_days), zone=viewer_zone(request))
    return web.json_response(report_json(data))
