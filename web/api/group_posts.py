"""/api/moot/v1: a group's posts (pinned first, paged), posting into a group, and nested threads."""
from __future__ import annotations

from typing import Any

from aiohttp import web
from tortoise.expressions import RawSQL

from federation import actions
from federation.actions import ActionError, StatusInput
from federation import audience
from federation.activities.answers_shape import unanswered
from federation.community.tag_posts import chosen_tag
from models.actors import Actor
from models.posts import Post
from web import app_keys as keys
from web.negotiation import page_number
from web.api import answers
from web.api.polls import poll_input
from web.api.auth import optional_actor, require_actor
from web.api.group_lookup import group_from_path, http_error, post_from_path
from web.api.group_serializers import post as serialize_post
from web.api.params import as_bool, read_params
from web.threads import ThreadNode, reply_tree

PAGE_SIZE = 20


async def _readable(group: Actor, viewer: Actor | None) -> None:
    if not await audience.may_see_group_content(group, audience.viewer_of(viewer)):
        raise web.HTTPForbidden(text="this group is private: only its members can read it")


def _page(request: web.Request) -> int:
    return page_number(request) or 1


async def index(request: web.Request) -> web.Response:
    viewer = await optional_actor(request)
    group = await group_from_path(request)
    await _readable(group, viewer)
    page = _page(request)
    query = Post.filter(audience.visible_posts(audience.viewer_of(viewer)), group=group, in_reply_to_uri=None,
                        removed_at=None)
    if request.query.get("filter") == "unanswered":  # Q&A: questions without an accepted answer
        query = query.filter(unanswered())
    if request.query.get("member_tag"):  # posts by members holding a member tag (federation/community/tag_posts.py)
        tag = await chosen_tag(group, request.query["member_tag"])
        if tag is None:
            raise web.HTTPUnprocessableEntity(text="member_tag must be new, active, top or the id of one of the "
                                                   "group's member tags")
        query = query.filter(tag.authors)
    total = await query.count()
    # Pinned first on every engine (PostgreSQL sorts NULLs first in a descending order, SQLite last).
    pinned_first = query.annotate(is_pinned=RawSQL("CASE WHEN pinned_at IS NULL THEN 0 ELSE 1 END"))
    posts = await pinned_first.order_by("-is_pinned", "-pinned_at", "-published", "-id").offset(
        (page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    body: dict[str, Any] = {
        "posts": [await serialize_post(post) for post in posts],
        "page": page,
        "total": total,
        "next_page": page + 1 if page * PAGE_SIZE < total else None,
    }
    return web.json_response(body)


async def create(request: web.Request) -> web.Response:
    author = await require_actor(request)
    group = await group_from_path(request)
    params = await read_params(request)
    title = str(params.get("title") or "").strip()
    if not title:
        raise web.HTTPUnprocessableEntity(text="title is required")
    data = StatusInput(text=str(params.get("body") or title), group=group, title=title,
                       sensitive=bool(params.get("sensitive")), spoiler_text=str(params.get("spoiler_text") or ""),
                       is_question=as_bool(params.get("is_question", False)),  # Q&A
                       poll=await poll_input(request, params))  # a poll, as /api/v1/statuses takes it
    try:
        post = await actions.create_status(request.app[keys.FEDERATION], author, data)
    except ActionError as exc:
        raise http_error(exc) from None
    status = 201 if post.group_id == group.id else 202  # 202: held for the moderators
    return web.json_response(await serialize_post(post), status=status)


async def thread(request: web.Request) -> web.Response:
    viewer = audience.viewer_of(await optional_actor(request))
    root = await post_from_path(request)
    group_id = root.group_id or root.audience_group_id
    group = await Actor.filter(id=group_id).first() if group_id else None
    moderator = group is not None and await audience.is_group_moderator(group, viewer)
    if not await audience.may_see_post(root, viewer) or (root.removed_at is not None and not moderator):
        # A removed post is gone for readers, as its replies are; its moderators still see it to restore it.
        raise web.HTTPNotFound(text="no such post")
    body = await serialize_post(root, await _replies(root, viewer))
    await answers.mark_thread(body, root, viewer)  # Q&A: the accepted answer first, and marked
    return web.json_response(body)


async def _replies(root: Post, viewer: audience.Viewer) -> list[dict[str, Any]]:
    """Nested replies the viewer may see, as JSON (web.threads gathers them, the thread page shares it)."""

    async def serialize(nodes: list[ThreadNode]) -> list[dict[str, Any]]:
        return [await serialize_post(node.post, await serialize(node.replies)) for node in nodes]

    return await serialize(await reply_tree(root, viewer))
