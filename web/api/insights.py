"""/api/moot/v1/pages/{name}/insights: for the page's admins."""
from __future__ import annotations

from aiohttp import web

from federation.insights import page_insights
from federation.local_actors import can_act_as
from federation.render import iso
from models.actors import Actor
from web.api.auth import require_actor


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
    data = await page_insights(page, days=int(raw_days))
    return web.json_response({
        "followers": data.followers,
        "follower_servers": data.servers,
        "growth": [{"day": day, "gained": gained, "lost": lost} for day, gained, lost in data.growth],
        "posts": [
            {"id": str(item.post.id), "uri": item.post.uri, "published": iso(item.post.published),
             "likes": item.likes, "boosts": item.boosts, "replies": item.replies, "engagement": item.engagement}
            for item in data.posts
        ],
    })
