"""/api/v1/statuses/:id/context, who liked it, bookmarks, and the lists of one's favourites and bookmarks."""
from __future__ import annotations

from aiohttp import web

from federation import audience
from federation.actions import ActionError
from federation.actions.boosts import boost, unboost
from federation.home_timeline import HomeEntry
from federation.threads import MAX_DEPTH
from models.actors import Actor
from models.client_state import Bookmark
from models.posts import ANNOUNCE, LIKE, Interaction, Post
from web import app_keys as keys
from web.api.auth import optional_actor, require_actor
from web.api.home_entries import entry_json
from web.api.pagination import fetch_page, link_header, page_params
from web.api.serializers import account as serialize_account
from web.api.serializers import status as serialize_status
from web.api.serializers import statuses as serialize_statuses
from web.api.statuses import visible_status
from web.threads import flatten, reply_tree


async def context(request: web.Request) -> web.Response:
    """Ancestors (oldest first) and descendants (depth-first) the viewer may see, as Mastodon gives them."""
    viewer = await optional_actor(request)
    seen_by = audience.viewer_of(viewer)
    post = await visible_status(request, viewer)
    ancestors: list[Post] = []
    current = post
    for _ in range(MAX_DEPTH):
        if current.in_reply_to_id is None:
            break
        parent = await Post.filter(audience.visible_posts(seen_by), id=current.in_reply_to_id).first()
        if parent is None:  # missing, or not for this viewer: the chain stops there, revealing nothing
            break
        ancestors.append(parent)
        current = parent
    descendants = flatten(await reply_tree(post, seen_by))
    ancestors.reverse()
    both = await serialize_statuses(ancestors + descendants, viewer)  # one batch for the two lists
    return web.json_response({"ancestors": both[:len(ancestors)], "descendants": both[len(ancestors):]})


async def favourited_by(request: web.Request) -> web.Response:
    viewer = await optional_actor(request)
    post = await visible_status(request, viewer)
    params = page_params(request)
    likes = await fetch_page(Interaction.filter(post=post, kind=LIKE).prefetch_related("actor"), params)
    return web.json_response([await serialize_account(like.actor) for like in likes if like.actor.deleted_at is None],
                             headers=link_header(request, [like.id for like in likes], params))


async def reblogged_by(request: web.Request) -> web.Response:
    viewer = await optional_actor(request)
    post = await visible_status(request, viewer)
    params = page_params(request)
    boosts = await fetch_page(Interaction.filter(post=post, kind=ANNOUNCE).prefetch_related("actor"), params)
    return web.json_response([await serialize_account(b.actor) for b in boosts if b.actor.deleted_at is None],
                             headers=link_header(request, [b.id for b in boosts], params))


async def reblog(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    post = await visible_status(request, actor)
    try:
        made = await boost(request.app[keys.FEDERATION], actor, post)
    except ActionError as exc:
        raise web.HTTPUnprocessableEntity(text=str(exc)) from None
    # As Mastodon answers: the boost itself, its `reblog` the original (with `reblogged: true`).
    return web.json_response(await entry_json(HomeEntry(post, made), actor))


async def unreblog(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    post = await visible_status(request, actor)
    await unboost(request.app[keys.FEDERATION], actor, post)
    return web.json_response(await serialize_status(post, actor))


async def bookmark(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    post = await visible_status(request, actor)
    await Bookmark.get_or_create(actor=actor, post=post)
    return web.json_response(await serialize_status(post, actor))


async def unbookmark(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    post = await visible_status(request, actor)
    await Bookmark.filter(actor=actor, post=post).delete()
    return web.json_response(await serialize_status(post, actor))


async def _posts_of(request: web.Request, actor: Actor, rows: list, post_ids: list[int]) -> web.Response:
    """Statuses for a page of bookmark or like rows (paged by the row's id, as Mastodon does), visible ones only."""
    params = page_params(request)
    visible = {post.id: post for post in await Post.filter(audience.visible_posts(audience.viewer_of(actor)),
                                                           id__in=post_ids)}
    posts = [visible[post_id] for post_id in post_ids if post_id in visible]
    return web.json_response(await serialize_statuses(posts, actor),
                             headers=link_header(request, [row.id for row in rows], params))


async def bookmarks(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    rows = await fetch_page(Bookmark.filter(actor=actor), page_params(request))
    return await _posts_of(request, actor, rows, [row.post_id for row in rows])


async def favourites(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    rows = await fetch_page(Interaction.filter(actor=actor, kind=LIKE), page_params(request))
    return await _posts_of(request, actor, rows, [row.post_id for row in rows])


def setup(app: web.Application) -> None:
    r = app.router
    status = "/api/v1/statuses/{status_id}"
    r.add_get(status + "/context", context, name="api_status_context")
    r.add_get(status + "/favourited_by", favourited_by, name="api_status_favourited_by")
    r.add_get(status + "/reblogged_by", reblogged_by, name="api_status_reblogged_by")
    r.add_post(status + "/reblog", reblog, name="api_status_reblog")
    r.add_post(status + "/unreblog", unreblog, name="api_status_unreblog")
    r.add_post(status + "/bookmark", bookmark, name="api_status_bookmark")
    r.add_post(status + "/unbookmark", unbookmark, name="api_status_unbookmark")
    r.add_get("/api/v1/bookmarks", bookmarks, name="api_bookmarks")
    r.add_get("/api/v1/favourites", favourites, name="api_favourites")
