"""/api/v1/timelines: home, public (all, local or remote) and a hashtag's, as Mastodon clients read them."""
from __future__ import annotations

from typing import Callable

from aiohttp import web
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from federation import audience, home_timeline, timelines
from models.actors import Actor
from models.posts import Post
from web.api.auth import optional_actor, require_actor
from web.api.home_entries import entries_json
from web.api.pagination import fetch_page, link_header, page_params
from web.api.params import as_bool
from web.api.serializers import statuses as serialize_statuses

# A hashtag is found by reading the newest public posts' tags: at most this many per page asked for.
TAG_SCAN = 2000


def _wants_media(request: web.Request) -> bool:
    return as_bool(request.query.get("only_media", False))


def _has_media(row: dict) -> bool:
    return bool(row.get("attachments"))


async def _scan(request: web.Request, query: QuerySet, keep: Callable[[dict], bool]) -> list[Post]:
    """A page of the posts of `query` whose row passes `keep` (a test SQL cannot make on every engine, such as
    a hashtag in the JSON tags), reading at most TAG_SCAN rows."""
    params = page_params(request)
    if params.max_id is not None:
        query = query.filter(id__lt=params.max_id)
    floor = params.min_id if params.min_id is not None else params.since_id
    if floor is not None:
        query = query.filter(id__gt=floor)
    order = "id" if params.min_id is not None else "-id"
    rows = await query.order_by(order).limit(TAG_SCAN).values("id", "tags", "attachments")
    ids = [row["id"] for row in rows if keep(row)][:params.limit]
    found = {post.id: post for post in await Post.filter(id__in=ids)} if ids else {}
    return sorted((found[i] for i in ids if i in found), key=lambda post: -post.id)


async def _respond(request: web.Request, posts: list[Post], viewer: Actor | None) -> web.Response:
    params = page_params(request)
    return web.json_response(await serialize_statuses(posts, viewer),
                             headers=link_header(request, [post.id for post in posts], params))


async def home(request: web.Request) -> web.Response:
    """Posts and boosts (each at its own time, with its own id: federation/home_timeline.py)."""
    user = await require_actor(request)
    params = page_params(request)
    entries = await home_timeline.home_page(user, max_id=params.max_id, since_id=params.since_id,
                                            min_id=params.min_id, limit=params.limit)
    return web.json_response(await entries_json(entries, user),
                             headers=link_header(request, [entry.id for entry in entries], params))


async def public(request: web.Request) -> web.Response:
    viewer = await optional_actor(request)
    query = Post.filter(_public(request, viewer))
    if _wants_media(request):
        return await _respond(request, await _scan(request, query, _has_media), viewer)
    return await _respond(request, await fetch_page(query, page_params(request)), viewer)


async def tag(request: web.Request) -> web.Response:
    viewer = await optional_actor(request)
    wanted = request.match_info["hashtag"].lstrip("#").lower()
    media = _wants_media(request)

    def keep(row: dict) -> bool:
        return wanted in timelines.hashtags_of(row["tags"]) and (not media or _has_media(row))

    return await _respond(request, await _scan(request, Post.filter(_public(request, viewer)), keep), viewer)


def _public(request: web.Request, viewer: Actor | None) -> Q:
    return timelines.public_filter(audience.viewer_of(viewer), local=as_bool(request.query.get("local", False)),
                                   remote=as_bool(request.query.get("remote", False)))


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/v1/timelines/home", home, name="api_timeline_home")
    r.add_get("/api/v1/timelines/public", public, name="api_timeline_public")
    r.add_get("/api/v1/timelines/tag/{hashtag}", tag, name="api_timeline_tag")
