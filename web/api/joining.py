"""/api/moot/v1/groups/{group_id}/joining and /invites: join questions, rules agreement, welcome, invitation links.

The group PATCH (web/api/groups.py edit) accepts the same settings (`join_questions`, `require_rules`,
`welcome_message`), and the group join accepts `answers`, `agree_rules` and `invite` (join_with_params here).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from aiohttp import web

from federation import actions, audience
from federation.actions import ActionError
from federation.community import joining
from federation.community.joining_dm import asks_questions, settings_of
from federation.groups.access import is_moderator
from models.actors import Actor
from models.follows import Follow
from models.joining import API, GroupInvite
from web import app_keys as keys
from web.api.auth import optional_actor, require_actor
from web.api.group_lookup import group_from_path, http_error
from web.api.params import as_bool, read_params

SETTING_PARAMS = ("join_questions", "require_rules", "welcome_message")


async def settings_json(group: Actor, viewer: Actor | None) -> dict[str, Any]:
    """The questions and the rules requirement are for anyone thinking of joining; the welcome message is for
    those who may see the group's content (in a private group: its members), null for others."""
    settings = await settings_of(group)
    welcome = settings.welcome if settings else ""
    return {
        "join_questions": list(settings.questions) if settings else [],
        "asks_questions": asks_questions(settings, group),
        "require_rules": bool(settings and settings.require_rules),
        "welcome_message": welcome if await audience.may_see_group_content(group, audience.viewer_of(viewer))
        else None,
    }


async def apply_settings_params(request: web.Request, actor: Actor, group: Actor, params: dict[str, Any]) -> None:
    """The joining settings among a PATCH's parameters, if any (422 for a bad value)."""
    if not any(name in params for name in SETTING_PARAMS):
        return
    questions = params.get("join_questions")
    if questions is not None and not isinstance(questions, list):
        questions = [questions] if str(questions).strip() else []
    try:
        await joining.save_settings(
            actor, group, questions=questions,
            require_rules=as_bool(params["require_rules"]) if "require_rules" in params else None,
            welcome=str(params["welcome_message"]) if "welcome_message" in params else None,
        )
    except ActionError as exc:
        raise http_error(exc) from None


async def join_with_params(request: web.Request, actor: Actor, group: Actor) -> Follow:
    """Join with `answers` (a list, in the questions' order), `agree_rules` and an `invite` code."""
    params = await read_params(request) if request.can_read_body or request.query else {}
    answers = params.get("answers") or []
    if not isinstance(answers, list):
        answers = [answers]
    if not group.is_local:
        follow = await actions.follow(request.app[keys.FEDERATION], actor, group)
        if follow is None:
            raise web.HTTPForbidden(text="you are banned from this group")
        return follow
    try:
        return await joining.join(request.app[keys.FEDERATION], actor, group, answers=answers,
                                  agreed_rules=as_bool(params.get("agree_rules", False)),
                                  invite_code=str(params.get("invite") or "")[:64], source=API)
    except ActionError as exc:
        if exc.status == 410:
            raise web.HTTPGone(text=str(exc)) from None
        raise http_error(exc) from None


async def show(request: web.Request) -> web.Response:
    group = await group_from_path(request)
    if not group.is_local:
        raise web.HTTPNotFound(text="a remote group keeps its settings at its origin")
    return web.json_response(await settings_json(group, await optional_actor(request)))


async def edit(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    group = await group_from_path(request)
    if not group.is_local or not await is_moderator(group, actor):
        raise web.HTTPForbidden(text="only the group's moderators can change how people join")
    await apply_settings_params(request, actor, group, await read_params(request))
    return web.json_response(await settings_json(group, actor))


def invite_json(request: web.Request, group: Actor, invite: GroupInvite) -> dict[str, Any]:
    base = request.app[keys.FEDERATION].base_url
    return {
        "id": str(invite.id), "code": invite.code, "url": f"{base}/groups/{group.group_name}/join?invite={invite.code}",
        "expires_at": invite.expires_at.isoformat() if invite.expires_at else None, "max_uses": invite.max_uses,
        "uses": invite.uses, "state": joining.invite_state(invite), "created_at": invite.created_at.isoformat(),
    }


async def _moderated(request: web.Request) -> tuple[Actor, Actor]:
    actor = await require_actor(request)
    group = await group_from_path(request)
    if not group.is_local or not await is_moderator(group, actor):
        raise web.HTTPForbidden(text="only the group's moderators can do this")
    return actor, group


async def list_invites(request: web.Request) -> web.Response:
    _, group = await _moderated(request)
    return web.json_response([invite_json(request, group, invite) for invite in await joining.list_invites(group)])


def _optional_int(params: dict[str, Any], name: str, low: int, high: int) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    if isinstance(raw, bool) or not str(raw).isdigit() or not low <= int(raw) <= high:
        raise web.HTTPUnprocessableEntity(text=f"{name} must be a whole number from {low} to {high}")
    return int(raw)


async def create_invite(request: web.Request) -> web.Response:
    actor, group = await _moderated(request)
    params = await read_params(request)
    expires_in = _optional_int(params, "expires_in", 60, joining.MAX_INVITE_DAYS * 86400)
    max_uses = _optional_int(params, "max_uses", 1, joining.MAX_INVITE_USES)
    expires_at = datetime.now(timezone.utc) + timedelta(seconds=expires_in) if expires_in else None
    try:
        invite = await joining.create_invite(actor, group, expires_at=expires_at, max_uses=max_uses)
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response(invite_json(request, group, invite), status=201)


async def revoke_invite(request: web.Request) -> web.Response:
    actor, group = await _moderated(request)
    raw = request.match_info["invite_id"]
    if not raw.isdigit():
        raise web.HTTPNotFound(text="no such invitation")
    try:
        invite = await joining.revoke_invite(actor, group, int(raw))
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response(invite_json(request, group, invite))


def setup(app: web.Application) -> None:
    r = app.router
    group = "/api/moot/v1/groups/{group_id}"
    r.add_get(group + "/joining", show, name="api_group_joining")
    r.add_patch(group + "/joining", edit, name="api_group_joining_edit")
    r.add_get(group + "/invites", list_invites, name="api_group_invites")
    r.add_post(group + "/invites", create_invite, name="api_group_invite_create")
    r.add_delete(group + "/invites/{invite_id}", revoke_invite, name="api_group_invite_revoke")
