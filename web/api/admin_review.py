"""/api/moot/v1: the review queue, content rules, reports, and the moderation log."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from federation import audience, review
from federation.actions import ActionError
from federation.groups.access import is_moderator
from federation.policy import rule_admin
from federation.policy.rules import RuleError
from federation.reports import close_report, create_report
from models.actors import Actor
from models.groups import HELD, HeldActivity
from models.moderation import OPEN, ContentRule, ModLogEntry, Report
from models.posts import Post
from web import app_keys as keys
from web.negotiation import page_number
from web.api.auth import optional_actor, require_actor, require_admin
from web.api.group_lookup import account_from, group_from_path, http_error
from web.api.group_serializers import held as serialize_held
from web.api.moderation_serializers import content_rule, modlog_entries, report as serialize_report
from web.api.params import as_bool, int_id, read_params

PAGE_SIZE = 50


def _page(request: web.Request) -> int:
    return page_number(request) or 1


# --- review queue ------------------------------------------------------------------------------


async def held_items(request: web.Request) -> web.Response:
    await require_admin(request)
    query = HeldActivity.filter(state=request.query.get("state", HELD))
    if request.query.get("group_id", "").isdigit():
        query = query.filter(group_id=int(request.query["group_id"]))
    items = await query.order_by("id").offset((_page(request) - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    return web.json_response([await serialize_held(item) for item in items])


async def decide_held(request: web.Request) -> web.Response:
    moderator = await require_actor(request)
    item = await HeldActivity.filter(id=int_id(request.match_info["held_id"], "held item")).first()
    if item is None:
        raise web.HTTPNotFound(text="no such held item")
    params = await read_params(request)
    fed = request.app[keys.FEDERATION]
    try:
        if request.match_info["decision"] == "approve":
            await review.approve(fed, moderator, item, trust=as_bool(params.get("trust", False)))
        else:
            await review.reject(fed, moderator, item, str(params.get("reason") or ""))
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response(await serialize_held(await HeldActivity.get(id=item.id)))


# --- content rules -----------------------------------------------------------------------------


async def _scope(request: web.Request) -> tuple[Actor, Actor | None]:
    """(actor, None) for admins on instance paths; (actor, group) on /groups/{id}/... for its moderators."""
    if "group_id" not in request.match_info:
        return await require_admin(request), None
    actor = await require_actor(request)
    group = await group_from_path(request)
    if not group.is_local or not await is_moderator(group, actor):
        raise web.HTTPForbidden(text="only the group's moderators manage its rules")
    return actor, group


async def _rule_scope(request: web.Request) -> Actor | None:
    """Instance rules for admins; /groups/{id}/rules for that group's moderators."""
    return (await _scope(request))[1]


async def list_rules(request: web.Request) -> web.Response:
    group = await _rule_scope(request)
    rows = await ContentRule.filter(group=group).order_by("id") if group else await ContentRule.all().order_by("id")
    return web.json_response([content_rule(row) for row in rows])


async def add_rule(request: web.Request) -> web.Response:
    actor, group = await _scope(request)
    params = await read_params(request)
    try:
        row = await rule_admin.add_rule(
            request.app[keys.FEDERATION], actor, group, pattern=str(params.get("pattern") or ""),
            is_regex=as_bool(params.get("is_regex", False)), action=str(params.get("action") or ""),
            targets=rule_admin.parse_targets(params.get("targets")), note=str(params.get("note") or ""),
            reason=str(params.get("reason") or ""),
        )
    except RuleError as exc:
        raise web.HTTPUnprocessableEntity(text=str(exc)) from None
    return web.json_response(content_rule(row), status=201)


async def remove_rule(request: web.Request) -> web.Response:
    actor, group = await _scope(request)
    rule_id = int_id(request.match_info["rule_id"], "rule")
    if not await rule_admin.remove_rule(request.app[keys.FEDERATION], actor, group, rule_id,
                                        reason=request.query.get("reason", "")):
        raise web.HTTPNotFound(text="no such rule")
    return web.json_response({"id": str(rule_id), "deleted": True})


# --- reports -----------------------------------------------------------------------------------


async def file_report(request: web.Request) -> web.Response:
    reporter = await require_actor(request)
    params = await read_params(request)
    target = await account_from(params["account_id"]) if params.get("account_id") else None
    raw_ids: Any = params.get("status_ids") or []
    ids = [int(i) for i in (raw_ids if isinstance(raw_ids, list) else [raw_ids]) if str(i).isdigit()]
    # Only posts the reporter may see (federation/audience.py): a report must not confirm that a hidden one exists.
    posts = await Post.filter(audience.visible_posts(audience.viewer_of(reporter)), id__in=ids) if ids else []
    if len(posts) != len(set(ids)):
        raise web.HTTPNotFound(text="no such status")
    try:
        created = await create_report(request.app[keys.FEDERATION], reporter, target, list(posts),
                                      str(params.get("comment") or ""), forward=as_bool(params.get("forward", False)))
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response(await serialize_report(created), status=201)


async def list_reports(request: web.Request) -> web.Response:
    if "group_id" in request.match_info:
        group = await _rule_scope(request)
        query = Report.filter(group=group)
    else:
        await require_admin(request)
        query = Report.all()
    rows = await query.filter(state=request.query.get("state", OPEN)).order_by("id")
    return web.json_response([await serialize_report(row) for row in rows])


async def close(request: web.Request) -> web.Response:
    moderator = await require_actor(request)
    found = await Report.filter(id=int_id(request.match_info["report_id"], "report")).first()
    if found is None:
        raise web.HTTPNotFound(text="no such report")
    params = await read_params(request)
    try:
        closed = await close_report(moderator, found, dismiss=request.match_info["decision"] == "dismiss",
                                    action_taken=str(params.get("action_taken") or params.get("reason") or ""))
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response(await serialize_report(closed))


# --- moderation log ----------------------------------------------------------------------------


async def public_modlog(request: web.Request) -> web.Response:
    """What is public by policy, per group (?group_id=) or instance-wide; a private group's entries only for its
    members and moderators (federation/audience.py decides), and no target the viewer may not see."""
    viewer = audience.viewer_of(await optional_actor(request))
    query = ModLogEntry.filter(audience.visible_modlog(viewer))
    if request.query.get("group_id"):
        raw = request.query["group_id"]
        group = await Actor.filter(type="Group", **({"id": int(raw)} if raw.isdigit() else {"group_name": raw})).first()
        if group is None or not await audience.may_see_group_content(group, viewer):
            raise web.HTTPNotFound(text=f"no group {raw!r}, or its log is for its members only")
        query = query.filter(group=group)
    entries = await query.order_by("-id").offset((_page(request) - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    hidden = {entry.id for entry in entries if await audience.modlog_target_hidden(entry, viewer)}
    return web.json_response(await modlog_entries(entries, private=False, hidden=hidden))


async def admin_modlog(request: web.Request) -> web.Response:
    await require_admin(request)
    entries = await ModLogEntry.all().order_by("-id").offset((_page(request) - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    return web.json_response(await modlog_entries(entries, private=True))
