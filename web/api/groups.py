"""/api/moot/v1/groups: create and edit groups, join and leave, membership requests and members."""
from __future__ import annotations

from aiohttp import web

from federation import actions, audience
from federation.groups import moderation
from federation.community.subgroups_access import missing_parent_membership
from federation.groups.access import is_moderator
from federation.groups.admin import GroupSettings, create_group, update_group
from federation.groups.membership import decide_join
from federation.community.joining import answer_json, answers_for
from federation.local_actors import LocalActorError
from federation.actions import ActionError
from models.actors import Actor
from models.follows import ACCEPTED, PENDING, Follow
from web import app_keys as keys
from web.api.auth import require_actor
from web.api.group_lookup import account_from, group_from_path, http_error
from web.api import joining as joining_api
from web.api.group_serializers import group as serialize_group
from web.api.params import as_bool, read_params
from web.api.serializers import account as serialize_account

SETTING_FIELDS = ("display_name", "description", "rules", "non_member_posts")
FLAG_FIELDS = {"private": "private", "restricted_posting": "restricted_posting", "discoverable": "discoverable"}


async def create(request: web.Request) -> web.Response:
    owner = await require_actor(request)
    params = await read_params(request)
    name = str(params.get("name") or "").strip()
    if not name:
        raise web.HTTPUnprocessableEntity(text="name is required")
    settings = GroupSettings(
        display_name=params.get("display_name") or None,
        description=str(params.get("description") or params.get("summary") or ""),
        rules=str(params.get("rules") or ""),
        private=as_bool(params.get("private", False)),
        restricted_posting=as_bool(params.get("restricted_posting", False)),
        non_member_posts=params.get("non_member_posts") or None,
    )
    try:
        group = await create_group(request.app[keys.FEDERATION], name, owner, settings)
    except LocalActorError as exc:
        raise web.HTTPUnprocessableEntity(text=str(exc)) from None
    return web.json_response(await serialize_group(group), status=201)


async def show(request: web.Request) -> web.Response:
    return web.json_response(await serialize_group(await group_from_path(request)))


async def edit(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    group = await group_from_path(request)
    if not group.is_local or not await is_moderator(group, actor):
        raise web.HTTPForbidden(text="only the group's moderators can change its settings")
    params = await read_params(request)
    changes: dict[str, object] = {name: params[name] for name in SETTING_FIELDS if name in params}
    changes.update({field: as_bool(params[name]) for name, field in FLAG_FIELDS.items() if name in params})
    await joining_api.apply_settings_params(request, actor, group, params)  # join questions, rules, welcome
    try:
        group = await update_group(request.app[keys.FEDERATION], group, **changes)
    except LocalActorError as exc:
        raise web.HTTPUnprocessableEntity(text=str(exc)) from None
    return web.json_response(await serialize_group(group))


async def _membership(actor: Actor, group: Actor) -> dict[str, object]:
    follow = await Follow.filter(follower=actor, target=group).first()
    state = "none" if follow is None else ("member" if follow.state == ACCEPTED else "pending")
    return {"group_id": str(group.id), "state": state}


async def join(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    group = await group_from_path(request)
    needed_parent = await missing_parent_membership(group, actor)  # a sub-group for its parent's members only
    if needed_parent is not None:
        raise web.HTTPForbidden(text=f"only members of the parent group {needed_parent.group_name} can join")
    # Answers to the join questions, the rules agreement and an invitation code (web/api/joining.py).
    follow = await joining_api.join_with_params(request, actor, group)
    if follow is None:
        raise web.HTTPForbidden(text="you are banned from this group")
    return web.json_response(await _membership(actor, group))


async def leave(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    group = await group_from_path(request)
    await actions.unfollow(request.app[keys.FEDERATION], actor, group)
    return web.json_response(await _membership(actor, group))


async def _moderated(request: web.Request) -> tuple[Actor, Actor]:
    actor = await require_actor(request)
    group = await group_from_path(request)
    if not group.is_local or not await is_moderator(group, actor):
        raise web.HTTPForbidden(text="only the group's moderators can do this")
    return actor, group


async def requests(request: web.Request) -> web.Response:
    _, group = await _moderated(request)
    pending = await Follow.filter(target=group, state=PENDING).order_by("id").prefetch_related("follower")
    answers = await answers_for(group, [follow.follower_id for follow in pending])  # the join questions' answers
    return web.json_response([{**await serialize_account(follow.follower),
                               "join_answers": answer_json(answers.get(follow.follower_id))} for follow in pending])


async def decide_request(request: web.Request) -> web.Response:
    moderator, group = await _moderated(request)
    account = await account_from(request.match_info["account_id"])
    follow = await Follow.filter(target=group, follower=account, state=PENDING).first()
    if follow is None:
        raise web.HTTPNotFound(text="no pending join request from that account")
    reason = str((await read_params(request)).get("reason") or "")
    try:
        await decide_join(request.app[keys.FEDERATION], moderator, follow,
                          approve=request.match_info["decision"] == "approve", reason=reason)
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response(await _membership(account, group))


async def members(request: web.Request) -> web.Response:
    viewer = await require_actor(request)
    group = await group_from_path(request)
    if not await audience.may_see_group_content(group, audience.viewer_of(viewer)):
        raise web.HTTPForbidden(text="only members see who is in a private group")
    follows = await Follow.filter(target=group, state=ACCEPTED).order_by("id").prefetch_related("follower")
    return web.json_response([await serialize_account(follow.follower) for follow in follows])


async def remove_member(request: web.Request) -> web.Response:
    moderator, group = await _moderated(request)
    account = await account_from(request.match_info["account_id"])
    try:
        await moderation.remove_member(request.app[keys.FEDERATION], moderator, group, account)
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response(await _membership(account, group))
