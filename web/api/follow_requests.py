"""/api/v1/follow_requests: pending followers of the token's actor, approved or rejected by hand."""
from __future__ import annotations

from aiohttp import web

from federation import actions
from models.actors import Actor
from models.follows import PENDING, Follow
from web import app_keys as keys
from web.api.auth import require_actor
from web.api.pagination import fetch_page, link_header, page_params
from web.api.params import int_id
from web.api.serializers import account as serialize_account


async def index(request: web.Request) -> web.Response:
    """Newest first, paged by the request's id (Link header), as Mastodon does."""
    actor = await require_actor(request)
    params = page_params(request)
    follows = await fetch_page(Follow.filter(target=actor, state=PENDING).prefetch_related("follower"), params)
    return web.json_response([await serialize_account(follow.follower) for follow in follows],
                             headers=link_header(request, [follow.id for follow in follows], params))


async def _pending(request: web.Request) -> tuple[Actor, Follow]:
    actor = await require_actor(request)
    account_id = int_id(request.match_info["account_id"], "account")
    follow = await Follow.filter(target=actor, follower_id=account_id, state=PENDING).first()
    if follow is None:
        raise web.HTTPNotFound(text="no pending follow request from that account")
    return actor, follow


async def _relationship(actor: Actor, follower_id: int, followed_by: bool) -> dict:
    return {"id": str(follower_id), "followed_by": followed_by, "requested_by": False}


async def authorize(request: web.Request) -> web.Response:
    actor, follow = await _pending(request)
    await actions.approve_follow(request.app[keys.FEDERATION], follow)
    return web.json_response(await _relationship(actor, follow.follower_id, True))


async def reject(request: web.Request) -> web.Response:
    actor, follow = await _pending(request)
    await actions.reject_follow(request.app[keys.FEDERATION], follow)
    return web.json_response(await _relationship(actor, follow.follower_id, False))
