"""Finding the group, account or post an API path names, and the checks around them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from federation.actions import ActionError
from federation.protocol.common import parse_datetime
from models.actors import Actor
from models.posts import Post
from web.api.params import int_id


async def group_from_path(request: web.Request) -> Actor:
    """:group_id is the numeric id of any known group, or the name of a local one."""
    raw = request.match_info["group_id"]
    query = Actor.filter(type="Group", deleted_at=None)
    group = await (query.filter(id=int(raw)) if raw.isdigit() else query.filter(group_name=raw.lower())).first()
    if group is None:
        raise web.HTTPNotFound(text=f"no group {raw!r}")
    return group


async def account_from(raw: Any, what: str = "account") -> Actor:
    if raw is None or not str(raw).isdigit():
        raise web.HTTPUnprocessableEntity(text=f"{what}_id must be the numeric id of an account")
    actor = await Actor.filter(id=int(str(raw)), deleted_at=None).first()
    if actor is None:
        raise web.HTTPNotFound(text=f"no account {raw}")
    return actor


async def post_from_path(request: web.Request) -> Post:
    post = await Post.filter(id=int_id(request.match_info["post_id"], "post"), deleted_at=None).first()
    if post is None:
        raise web.HTTPNotFound(text="no such post")
    return post


def optional_datetime(raw: Any, name: str) -> datetime | None:
    if raw in (None, ""):
        return None
    value = parse_datetime(str(raw))
    if value is None:
        raise web.HTTPUnprocessableEntity(text=f"{name} must be an ISO 8601 date and time, got {raw!r}")
    return value


def http_error(exc: ActionError) -> web.HTTPException:
    classes = {403: web.HTTPForbidden, 404: web.HTTPNotFound, 409: web.HTTPConflict}
    return classes.get(exc.status, web.HTTPUnprocessableEntity)(text=str(exc))
