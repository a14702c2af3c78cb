"""/api/moot/v1/groups/{group_id}/subgroups: a group's sub-groups, and creating one (its moderators)."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from federation import audience
from federation.community.subgroups import SubgroupError, SubgroupInput, create_subgroup, listed_subgroups, \
    members_only_ids, parent_of
from federation.local_actors import LocalActorError
from models.actors import Actor
from web import app_keys as keys
from web.api.auth import optional_actor, require_actor
from web.api.group_lookup import group_from_path
from web.api.group_serializers import group as serialize_group
from web.api.params import as_bool, read_params


async def serialize_subgroup(group: Actor, parent: Actor, members_only: bool) -> dict[str, Any]:
    return {**await serialize_group(group), "parent_id": str(parent.id), "parent_members_only": members_only}


def _text(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise web.HTTPUnprocessableEntity(text=f"{name} must be a string")
    return value


async def index(request: web.Request) -> web.Response:
    """The sub-groups the caller may know of, oldest first; a sub-group's own answer names its parent."""
    viewer = audience.viewer_of(await optional_actor(request))
    group = await group_from_path(request)
    if group.manually_approves and not await audience.may_see_group_content(group, viewer):
        raise web.HTTPNotFound(text=f"no group {request.match_info['group_id']!r}")
    children = await listed_subgroups(group, viewer)
    only = await members_only_ids(children)
    parent = await parent_of(group)
    return web.json_response({
        "parent_id": str(parent.id) if parent is not None else None,
        "subgroups": [await serialize_subgroup(child, group, child.id in only) for child in children],
    })


async def create(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    group = await group_from_path(request)
    params = await read_params(request)
    name = _text(params, "name").strip()
    if not name:
        raise web.HTTPUnprocessableEntity(text="name is required")
    data = SubgroupInput(
        name=name, display_name=_text(params, "display_name"), description=_text(params, "description"),
        members_only=as_bool(params.get("parent_members_only", False)),
    )
    try:
        child = await create_subgroup(request.app[keys.FEDERATION], group, actor, data)
    except SubgroupError as exc:
        raise _error(exc) from None
    except LocalActorError as exc:
        raise web.HTTPUnprocessableEntity(text=str(exc)) from None
    return web.json_response(await serialize_subgroup(child, group, data.members_only), status=201)


def _error(exc: SubgroupError) -> web.HTTPException:
    kinds: dict[int, type[web.HTTPException]] = {403: web.HTTPForbidden, 404: web.HTTPNotFound}
    return kinds.get(exc.status, web.HTTPUnprocessableEntity)(text=str(exc))


def setup(app: web.Application) -> None:
    r = app.router
    base = "/api/moot/v1/groups/{group_id}/subgroups"
    r.add_get(base, index, name="api_group_subgroups")
    r.add_post(base, create, name="api_group_subgroup_create")
