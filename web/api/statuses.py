"""/api/v1/statuses: post, read, delete, pin and favourite as the token's actor."""
from __future__ import annotations

from aiohttp import web

from federation import actions, audience
from federation.actions import ActionError, StatusInput
from federation.actions.boosts import unboost
from federation.home_timeline import HomeEntry, visible_boost
from federation.people.posting_defaults import posting_defaults
from models.actors import Actor
from models.posts import Post
from web import app_keys as keys
from web.api.auth import optional_actor, require_actor
from web.api.home_entries import entry_json
from web.api.params import as_bool, int_id, list_param, read_params
from web.api.polls import poll_input
from web.api.serializers import status as serialize_status
from web.media import MediaError, attachments_for_ids, link_to_post


def _status_exception(status: int, message: str) -> web.HTTPException:
    exception_class = {403: web.HTTPForbidden, 404: web.HTTPNotFound}.get(status, web.HTTPUnprocessableEntity)
    return exception_class(text=message)


async def visible_entry(request: web.Request, viewer: Actor | None, raw_id: str | None = None) -> HomeEntry:
    """The status, if federation/audience.py lets this viewer see it: a post, or a boost (its id is from the
    same sequence: federation/status_ids.py) of a post the viewer may see by someone not hidden from them.
    404 alike when missing or not for them."""
    status_id = int_id(raw_id or request.match_info["status_id"], "status")
    post = await Post.filter(audience.visible_posts(audience.viewer_of(viewer)), id=status_id).first()
    entry = HomeEntry(post) if post is not None else await visible_boost(status_id, viewer)
    if entry is None:
        raise web.HTTPNotFound(text="no such status")
    return entry


async def visible_status(request: web.Request, viewer: Actor | None, raw_id: str | None = None) -> Post:
    """The post a status id names, as visible_entry finds it: a boost's id names its original, as Mastodon
    favourites, bookmarks or boosts the original when asked to with a reblog's id."""
    return (await visible_entry(request, viewer, raw_id)).post


async def create(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    params = await read_params(request)
    parent = None
    if params.get("in_reply_to_id"):
        # Only to a status this actor may see: a reply must not confirm that a hidden one exists.
        parent = await Post.filter(audience.visible_posts(audience.viewer_of(actor)),
                                   id=int_id(str(params["in_reply_to_id"]), "status")).first()
        if parent is None:
            raise web.HTTPNotFound(text="the status to reply to does not exist")
    try:
        media_ids = await list_param(request, params, "media_ids")
        media, attachments = await attachments_for_ids(actor, media_ids, request.app[keys.FEDERATION].base_url)
    except MediaError as exc:
        raise web.HTTPUnprocessableEntity(text=str(exc)) from None
    # What the app leaves out, the person's posting defaults give (federation/people/posting_defaults.py).
    defaults = await posting_defaults(actor)
    data = StatusInput(
        text=str(params.get("status", "")),
        visibility=str(params.get("visibility") or defaults.visibility),
        in_reply_to=parent,
        spoiler_text=str(params.get("spoiler_text") or ""),
        sensitive=as_bool(params["sensitive"]) if params.get("sensitive") not in (None, "") else defaults.sensitive,
        language=str(params["language"]) if params.get("language") else defaults.language,
        attachments=attachments,
        poll=await poll_input(request, params),  # polls: poll[options][], poll[expires_in]...
        is_question=as_bool(params.get("is_question", False)),  # Q&A: a top-level post asked as a question
    )
    try:
        post = await actions.create_status(request.app[keys.FEDERATION], actor, data)
    except ActionError as exc:
        raise _status_exception(exc.status, str(exc)) from None
    await link_to_post(post, media)
    return web.json_response(await serialize_status(post, actor))


async def show(request: web.Request) -> web.Response:
    """A post, or a boost as Mastodon shows a reblog (web/api/home_entries.py)."""
    viewer = await optional_actor(request)
    return web.json_response(await entry_json(await visible_entry(request, viewer), viewer))


async def _owned_post(request: web.Request) -> tuple[Actor, Post]:
    actor = await require_actor(request)
    post = await Post.filter(id=int_id(request.match_info["status_id"], "status"), deleted_at=None).first()
    if post is None:
        raise web.HTTPNotFound(text="no such status")
    if post.author_id != actor.id:
        raise web.HTTPForbidden(text="this status belongs to someone else")
    return actor, post


async def delete(request: web.Request) -> web.Response:
    own_boost = await _own_boost(request)
    if own_boost is not None:
        # As Mastodon: deleting one's reblog undoes the boost, and answers the reblog as it was.
        actor, entry = own_boost
        body = await entry_json(entry, actor)
        await unboost(request.app[keys.FEDERATION], actor, entry.post)
        return web.json_response(body)
    actor, post = await _owned_post(request)
    body = await serialize_status(post)
    await actions.delete_status(request.app[keys.FEDERATION], actor, post)
    return web.json_response(body)


async def _own_boost(request: web.Request) -> tuple[Actor, HomeEntry] | None:
    """The token's actor and its own boost, when the status id names one (None otherwise)."""
    actor = await require_actor(request)
    status_id = int_id(request.match_info["status_id"], "status")
    if await Post.filter(id=status_id).exists():
        return None
    entry = await visible_boost(status_id, actor)
    return (actor, entry) if entry is not None and entry.boost and entry.boost.actor_id == actor.id else None


async def edit(request: web.Request) -> web.Response:
    actor, post = await _owned_post(request)
    params = await read_params(request)
    data = StatusInput(
        text=str(params.get("status", "")),
        visibility=post.visibility,
        spoiler_text=str(params.get("spoiler_text") or ""),
        sensitive=as_bool(params.get("sensitive", False)),
        language=str(params["language"]) if params.get("language") else None,
    )
    try:
        post = await actions.edit_status(request.app[keys.FEDERATION], actor, post, data)
    except ActionError as exc:
        raise _status_exception(exc.status, str(exc)) from None
    return web.json_response(await serialize_status(post, actor))


async def pin(request: web.Request) -> web.Response:
    actor, post = await _owned_post(request)
    try:
        post = await actions.pin_status(request.app[keys.FEDERATION], actor, post, True)
    except ActionError as exc:
        raise _status_exception(exc.status, str(exc)) from None
    return web.json_response(await serialize_status(post, actor))


async def unpin(request: web.Request) -> web.Response:
    actor, post = await _owned_post(request)
    post = await actions.unpin_status(request.app[keys.FEDERATION], actor, post)
    return web.json_response(await serialize_status(post, actor))


async def favourite(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    post = await visible_status(request, actor)
    await actions.like(request.app[keys.FEDERATION], actor, post)
    return web.json_response(await serialize_status(post, actor))


async def unfavourite(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    post = await visible_status(request, actor)
    await actions.unlike(request.app[keys.FEDERATION], actor, post)
    return web.json_response(await serialize_status(post, actor))
