"""/api/moot/v1: a group's members directory (moderators) and its member tags.

The moderation actions themselves (moderators, bans, mutes with an end date, removal) are the group
moderation API's (web/api/group_moderation.py): the directory links the two by account id.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from federation import audience
from federation.actions import ActionError
from federation.community import members_tags
from federation.community.members_directory import DirectoryFilter, MemberRow, directory
from federation.groups.access import is_moderator
from federation.render import iso
from models.actors import Actor
from models.member_tags import MemberTag
from web.api.auth import require_actor
from web.api.group_lookup import account_from, group_from_path, http_error, optional_datetime
from web.api.params import read_params


def _tag(tag: MemberTag) -> dict[str, Any]:
    return {"id": str(tag.id), "name": tag.name}


def _row(row: MemberRow) -> dict[str, Any]:
    actor = row.actor
    return {
        "account": {"id": str(actor.id), "acct": actor.username if actor.is_local else f"{actor.username}@{actor.domain}",
                    "display_name": actor.display_name or "", "url": actor.url or actor.uri},
        "role": row.role or "member",
        "state": row.state or None,
        "joined_at": iso(row.joined),
        "ban": {"reason": row.ban.reason, "expires_at": iso(row.ban.expires_at)} if row.ban else None,
        "mute": {"reason": row.mute.reason, "read_only_until": iso(row.mute.expires_at)} if row.mute else None,
        "tags": [{"id": str(label.tag_id) if label.tag_id else label.kind, "name": label.name,
                  "computed": label.kind != "custom"} for label in row.tags],
    }


async def _moderated(request: web.Request) -> tuple[Actor, Actor]:
    actor = await require_actor(request)
    group = await group_from_path(request)
    if not await is_moderator(group, actor):
        raise web.HTTPForbidden(text="only the group's moderators use its members directory")
    return actor, group


async def _run(action: Any) -> Any:
    try:
        return await action
    except ActionError as exc:
        raise http_error(exc) from None


async def directory_index(request: web.Request) -> web.Response:
    _, group = await _moderated(request)
    q = request.query
    page = q.get("page", "1")
    chosen = DirectoryFilter(
        query=q.get("q", ""), role=q.get("role", ""), tag=q.get("tag", "")[:20], standing=q.get("standing", ""),
        joined_after=optional_datetime(q.get("joined_after"), "joined_after"),
        joined_before=optional_datetime(q.get("joined_before"), "joined_before"),
        page=int(page) if page.isdigit() else 1,
    )
    found = await directory(group, chosen)
    return web.json_response({"members": [_row(row) for row in found.rows], "more": found.more})


async def tag_index(request: web.Request) -> web.Response:
    viewer = await require_actor(request)
    group = await group_from_path(request)
    if not await audience.may_see_group_content(group, audience.viewer_of(viewer)):
        raise web.HTTPForbidden(text="only members see a private group's member tags")
    return web.json_response([_tag(tag) for tag in await members_tags.defined_tags(group)])


async def tag_create(request: web.Request) -> web.Response:
    moderator, group = await _moderated(request)
    params = await read_params(request)
    tag = await _run(members_tags.define_tag(moderator, group, params.get("name")))
    return web.json_response(_tag(tag), status=201)


async def tag_rename(request: web.Request) -> web.Response:
    """PATCH with `name`: rename one of the group's tags (community leftovers)."""
    moderator, group = await _moderated(request)
    params = await read_params(request)
    tag = await _run(members_tags.rename_tag(moderator, group, request.match_info["tag_id"], params.get("name")))
    return web.json_response(_tag(tag))


async def tag_delete(request: web.Request) -> web.Response:
    moderator, group = await _moderated(request)
    await _run(members_tags.delete_tag(moderator, group, request.match_info["tag_id"]))
    return web.json_response({"deleted": request.match_info["tag_id"]})


async def member_tag_add(request: web.Request) -> web.Response:
    moderator, group = await _moderated(request)
    params = await read_params(request)
    target = await account_from(request.match_info["account_id"])
    tag = await _run(members_tags.assign_tag(moderator, group, target, params.get("tag")))
    return web.json_response({"account_id": str(target.id), "tag": _tag(tag)})


async def member_tag_remove(request: web.Request) -> web.Response:
    moderator, group = await _moderated(request)
    target = await account_from(request.match_info["account_id"])
    await _run(members_tags.unassign_tag(moderator, group, target, request.match_info["tag_id"]))
    return web.json_response({"account_id": str(target.id), "removed": request.match_info["tag_id"]})


def setup(app: web.Application) -> None:
    r = app.router
    group = "/api/moot/v1/groups/{group_id}"
    r.add_get(group + "/directory", directory_index, name="api_group_directory")
    r.add_get(group + "/member_tags", tag_index, name="api_group_member_tags")
    r.add_post(group + "/member_tags", tag_create, name="api_group_member_tag_create")
    r.add_delete(group + "/member_tags/{tag_id}", tag_delete, name="api_group_member_tag_delete")
    r.add_patch(group + "/member_tags/{tag_id}", tag_rename, name="api_group_member_tag_rename")
    r.add_post(group + "/members/{account_id}/tags", member_tag_add, name="api_group_member_tag_add")
    r.add_delete(group + "/members/{account_id}/tags/{tag_id}", member_tag_remove, name="api_group_member_tag_remove")
