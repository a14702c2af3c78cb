"""/api/moot/v1: moderators, bans, mutes, held posts, and moderation of posts in groups."""
from __future__ import annotations

from typing import Awaitable, Callable

from aiohttp import web

from federation.actions import ActionError
from federation import review
from federation.groups import moderation
from federation.groups.access import is_moderator
from federation.context import FederationContext
from models.actors import Actor
from models.posts import Post
from models.groups import HELD, HeldActivity
from web import app_keys as keys
from web.api.auth import require_actor
from web.api.group_lookup import account_from, group_from_path, http_error, optional_datetime, post_from_path
from web.api.group_serializers import held as serialize_held
from web.api.group_serializers import post as serialize_post
from web.api.params import as_bool, int_id, read_params


async def _run(action: Awaitable[None]) -> None:
    try:
        await action
    except ActionError as exc:
        raise http_error(exc) from None


async def _actor_group_account(request: web.Request, account_id: object) -> tuple[Actor, Actor, Actor]:
    actor = await require_actor(request)
    group = await group_from_path(request)
    return actor, group, await account_from(account_id)


async def add_moderator(request: web.Request) -> web.Response:
    params = await read_params(request)
    owner, group, target = await _actor_group_account(request, params.get("account_id"))
    await _run(moderation.set_moderator(request.app[keys.FEDERATION], owner, group, target, True))
    return web.json_response({"group_id": str(group.id), "moderator": str(target.id)})


async def remove_moderator(request: web.Request) -> web.Response:
    owner, group, target = await _actor_group_account(request, request.match_info["account_id"])
    await _run(moderation.set_moderator(request.app[keys.FEDERATION], owner, group, target, False))
    return web.json_response({"group_id": str(group.id), "removed": str(target.id)})


async def ban(request: web.Request) -> web.Response:
    params = await read_params(request)
    moderator, group, target = await _actor_group_account(request, params.get("account_id"))
    await _run(moderation.ban_member(
        request.app[keys.FEDERATION], moderator, group, target, reason=str(params.get("reason") or ""),
        expires_at=optional_datetime(params.get("expires_at"), "expires_at"),
        remove_data=as_bool(params.get("remove_data", False)),
    ))
    return web.json_response({"group_id": str(group.id), "banned": str(target.id)})


async def unban(request: web.Request) -> web.Response:
    moderator, group, target = await _actor_group_account(request, request.match_info["account_id"])
    await _run(moderation.unban_member(request.app[keys.FEDERATION], moderator, group, target))
    return web.json_response({"group_id": str(group.id), "unbanned": str(target.id)})


async def mute(request: web.Request) -> web.Response:
    params = await read_params(request)
    moderator, group, target = await _actor_group_account(request, params.get("account_id"))
    await _run(moderation.mute_member(
        request.app[keys.FEDERATION], moderator, group, target, reason=str(params.get("reason") or ""),
        expires_at=optional_datetime(params.get("expires_at"), "expires_at"),
    ))
    return web.json_response({"group_id": str(group.id), "muted": str(target.id)})


async def unmute(request: web.Request) -> web.Response:
    moderator, group, target = await _actor_group_account(request, request.match_info["account_id"])
    await _run(moderation.unmute_member(request.app[keys.FEDERATION], moderator, group, target))
    return web.json_response({"group_id": str(group.id), "unmuted": str(target.id)})


async def held_items(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    group = await group_from_path(request)
    if not await is_moderator(group, actor):
        raise web.HTTPForbidden(text="only the group's moderators see held posts")
    items = await HeldActivity.filter(group=group, state=HELD).order_by("id")
    return web.json_response([await serialize_held(item) for item in items])


async def decide_held(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    group = await group_from_path(request)
    item = await HeldActivity.filter(id=int_id(request.match_info["held_id"], "held item"), group=group).first()
    if item is None:
        raise web.HTTPNotFound(text="no such held item in this group")
    fed = request.app[keys.FEDERATION]
    params = await read_params(request)
    if request.match_info["decision"] == "approve":
        await _run(review.approve(fed, actor, item, trust=as_bool(params.get("trust", False))))
    else:
        await _run(review.reject(fed, actor, item, str(params.get("reason") or "")))
    return web.json_response(await serialize_held(await HeldActivity.get(id=item.id)))


PostAction = Callable[[FederationContext, Actor, Post, str], Awaitable[None]]

POST_ACTIONS: dict[str, PostAction] = {
    "remove": lambda fed, mod, post, reason: moderation.remove_post(fed, mod, post, reason),
    "restore": lambda fed, mod, post, reason: moderation.remove_post(fed, mod, post, reason, restore=True),
    "lock": lambda fed, mod, post, reason: moderation.lock_post(fed, mod, post, reason),
    "unlock": lambda fed, mod, post, reason: moderation.lock_post(fed, mod, post, reason, locked=False),
    "pin": lambda fed, mod, post, reason: moderation.pin_post(fed, mod, post),
    "unpin": lambda fed, mod, post, reason: moderation.pin_post(fed, mod, post, pinned=False),
}


async def moderate_post(request: web.Request) -> web.Response:
    moderator = await require_actor(request)
    post = await post_from_path(request)
    params = await read_params(request)
    action = POST_ACTIONS[request.match_info["action"]]
    await _run(action(request.app[keys.FEDERATION], moderator, post, str(params.get("reason") or "")))
    return web.json_response(await serialize_post(await Post.get(id=post.id)))
