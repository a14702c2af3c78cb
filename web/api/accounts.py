"""/api/v1/accounts: who am I, follow and unfollow."""
from __future__ import annotations

from aiohttp import web

from federation import actions
from federation.people.personal_filters import relationship_flags
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from web import app_keys as keys
from web.api.auth import require_actor
from web.api.params import int_id
from web.api.serializers import account as serialize_account, credential_account


async def verify_credentials(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    return web.json_response(await credential_account(actor))


async def show(request: web.Request) -> web.Response:
    actor = await Actor.filter(id=int_id(request.match_info["account_id"], "account"), deleted_at=None).first()
    if actor is None:
        raise web.HTTPNotFound(text="no such account")
    return web.json_response(await serialize_account(actor))


async def relationship(actor: Actor, target: Actor) -> dict:
    follow = await Follow.filter(follower=actor, target=target).first()
    followed_by = await Follow.filter(follower=target, target=actor, state=ACCEPTED).exists()
    return {
        "id": str(target.id),
        "following": follow is not None and follow.state == ACCEPTED,
        "requested": follow is not None and follow.state != ACCEPTED,
        "followed_by": followed_by,
        # blocking, blocked_by, muting, muting_notifications (federation/people/personal_filters.py)
        **(await relationship_flags(actor, [target.id]))[target.id],
    }


async def _target(request: web.Request) -> Actor:
    target = await Actor.filter(id=int_id(request.match_info["account_id"], "account"), deleted_at=None).first()
    if target is None:
        raise web.HTTPNotFound(text="no such account")
    return target


async def follow(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    target = await _target(request)
    if target.id == actor.id or target.type == "Application":
        raise web.HTTPUnprocessableEntity(text="this account cannot be followed")
    made = await actions.follow(request.app[keys.FEDERATION], actor, target)
    if made is None and target.type != "Group":  # a block either way (Mastodon answers 403 too)
        raise web.HTTPForbidden(text="this account cannot be followed while one of you blocks the other")
    return web.json_response(await relationship(actor, target))


async def unfollow(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    target = await _target(request)
    await actions.unfollow(request.app[keys.FEDERATION], actor, target)
    return web.json_response(await relationship(actor, target))
