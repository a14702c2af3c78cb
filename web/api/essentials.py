"""/api/moot/v1/groups/{group_id}/essentials: a group's essentials (sections of key threads, in order), the
filter (?q=), and the moderators' management of sections and threads.

A private group's essentials answer 404 to anyone outside it, exactly like a group that does not exist
(federation/audience.py); each thread is listed only for whom may see it.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from federation import audience
from federation.actions import ActionError
from federation.community import essentials as actions
from federation.community.essentials_read import SectionView, is_newcomer, sections_for
from federation.render import iso
from models.actors import Actor
from models.essentials import EssentialItem, EssentialSection
from models.posts import Post
from web.api.auth import optional_actor, require_actor
from web.api.group_lookup import group_from_path, http_error
from web.api.params import as_bool, int_id, read_params

BASE = "/api/moot/v1/groups/{group_id}/essentials"


def section_json(view: SectionView) -> dict[str, Any]:
    section = view.section
    return {
        "id": str(section.id), "name": section.name, "position": section.position, "start_here": section.start_here,
        "threads": [{
            "id": str(item.id), "post_id": str(item.post_id), "position": item.position,
            "title": item.post.name or "", "uri": item.post.uri, "url": f"/threads/{item.post_id}",
            "author": {"id": str(item.post.author.id), "acct": item.post.author.handle,
                       "display_name": item.post.author.display_name or ""},
            "added_at": iso(item.added_at),
        } for item in view.items],
    }


async def _readable_group(request: web.Request) -> tuple[Actor, Actor | None]:
    group = await group_from_path(request)
    viewer = await optional_actor(request)
    if not group.is_local or not await audience.may_see_group_content(group, audience.viewer_of(viewer)):
        raise web.HTTPNotFound(text=f"no group {request.match_info['group_id']!r}")
    return group, viewer


async def index(request: web.Request) -> web.Response:
    """The sections in order with their threads; newcomers get the "Start here" section first."""
    group, viewer = await _readable_group(request)
    query = str(request.query.get("q", ""))
    newcomer = await is_newcomer(group, viewer)
    views = await sections_for(group, audience.viewer_of(viewer), start_here_first=newcomer, query=query)
    return web.json_response({"newcomer": newcomer, "query": " ".join(query.split()),
                              "sections": [section_json(view) for view in views]})


async def _section(request: web.Request, group: Actor) -> EssentialSection:
    section = await EssentialSection.filter(id=int_id(request.match_info["section_id"], "section"),
                                            group=group).first()
    if section is None:
        raise web.HTTPNotFound(text="no such section")
    return section


async def _view(section: EssentialSection) -> SectionView:
    items = await EssentialItem.filter(section=section).order_by("position", "id").prefetch_related("post",
                                                                                                    "post__author")
    return SectionView(section, list(items))


def _order(params: dict[str, Any], key: str) -> list[int]:
    raw = params.get(key)
    if not isinstance(raw, list) or not all(str(value).isdigit() for value in raw) or len(raw) > 500:
        raise web.HTTPUnprocessableEntity(text=f"{key} must be a list of ids")
    return [int(str(value)) for value in raw]


async def create_section(request: web.Request) -> web.Response:
    moderator = await require_actor(request)
    group, _ = await _readable_group(request)
    params = await read_params(request)
    try:
        section = await actions.create_section(moderator, group, str(params.get("name") or ""),
                                               start_here=as_bool(params.get("start_here", False)))
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response(section_json(SectionView(section)), status=201)


async def edit_section(request: web.Request) -> web.Response:
    moderator = await require_actor(request)
    group, _ = await _readable_group(request)
    section = await _section(request, group)
    params = await read_params(request)
    try:
        await actions.edit_section(moderator, section, str(params.get("name") or section.name),
                                   start_here=as_bool(params.get("start_here", section.start_here)))
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response(section_json(await _view(section)))


async def delete_section(request: web.Request) -> web.Response:
    moderator = await require_actor(request)
    group, _ = await _readable_group(request)
    try:
        await actions.delete_section(moderator, await _section(request, group))
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response({})


async def order_sections(request: web.Request) -> web.Response:
    moderator = await require_actor(request)
    group, _ = await _readable_group(request)
    try:
        await actions.reorder_sections(moderator, group, _order(await read_params(request), "sections"))
    except ActionError as exc:
        raise http_error(exc) from None
    return await index(request)


async def add_thread(request: web.Request) -> web.Response:
    moderator = await require_actor(request)
    group, _ = await _readable_group(request)
    section = await _section(request, group)
    params = await read_params(request)
    raw = str(params.get("post_id") or "")
    post = await Post.filter(id=int(raw), group=group, deleted_at=None).first() if raw.isdigit() else None
    if post is None:
        raise web.HTTPUnprocessableEntity(text="post_id must name a thread of this group")
    try:
        await actions.add_thread(moderator, post, section)
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response(section_json(await _view(section)), status=201)


async def order_threads(request: web.Request) -> web.Response:
    moderator = await require_actor(request)
    group, _ = await _readable_group(request)
    section = await _section(request, group)
    try:
        await actions.reorder_threads(moderator, section, _order(await read_params(request), "threads"))
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response(section_json(await _view(section)))


async def remove_thread(request: web.Request) -> web.Response:
    moderator = await require_actor(request)
    group, _ = await _readable_group(request)
    item = await EssentialItem.filter(id=int_id(request.match_info["item_id"], "item"), group=group).first()
    if item is None:
        raise web.HTTPNotFound(text="no such essential thread")
    try:
        await actions.remove_thread(moderator, item)
    except ActionError as exc:
        raise http_error(exc) from None
    return web.json_response({})


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get(BASE, index, name="api_essentials")
    r.add_post(BASE + "/sections", create_section, name="api_essentials_section_create")
    r.add_put(BASE + "/sections", order_sections, name="api_essentials_sections_order")
    r.add_patch(BASE + "/sections/{section_id}", edit_section, name="api_essentials_section_edit")
    r.add_delete(BASE + "/sections/{section_id}", delete_section, name="api_essentials_section_delete")
    r.add_post(BASE + "/sections/{section_id}/threads", add_thread, name="api_essentials_thread_add")
    r.add_put(BASE + "/sections/{section_id}/threads", order_threads, name="api_essentials_threads_order")
    r.add_delete(BASE + "/threads/{item_id}", remove_thread, name="api_essentials_thread_remove")
