"""RSS 2.0 and Atom feeds: /groups/{name}/feed.rss|atom, /groups/{name}/essentials/feed.rss|atom,
/@{name}/feed.rss|atom (pages and people), /tags/{tag}/feed.rss|atom. Public content only: a private group
answers 404 exactly like a missing one."""
from __future__ import annotations

from aiohttp import web

from federation.community import feeds
from models.actors import Actor
from web import app_keys as keys
from web.pages.community_groups import local_group
from web.pages.community_profiles import profile_actor
from web.templating import gettext

EXTENSIONS = "{format:rss|atom}"


def _respond(request: web.Request, info: feeds.FeedInfo, posts: list, fmt: str) -> web.Response:
    base = request.app[keys.FEDERATION].base_url
    body = feeds.render_feed(info, posts, fmt, lambda post: f"{base}/threads/{post.id}")
    return web.Response(body=body, content_type=feeds.FORMATS[fmt], charset="utf-8",
                        headers={"Cache-Control": "public, max-age=300"})


async def _public_group(request: web.Request) -> Actor:
    group = await local_group(request)
    if not await feeds.feedable_group(group):
        raise web.HTTPNotFound(text=gettext(request, "There is no such group here."))
    return group


def _feed_url(request: web.Request) -> str:
    return request.app[keys.FEDERATION].base_url + request.path


async def group_feed(request: web.Request) -> web.StreamResponse:
    group = await _public_group(request)
    fmt = request.match_info["format"]
    base = request.app[keys.FEDERATION].base_url
    info = feeds.FeedInfo(title=group.display_name or group.username or "", page_url=f"{base}/groups/{group.group_name}",
                          feed_url=_feed_url(request), description=group.summary or "")
    return _respond(request, info, await feeds.group_posts(group), fmt)


async def essentials_feed(request: web.Request) -> web.StreamResponse:
    group = await _public_group(request)
    fmt = request.match_info["format"]
    base = request.app[keys.FEDERATION].base_url
    title = gettext(request, "%(name)s: essentials", name=group.display_name or group.username)
    info = feeds.FeedInfo(title=title, page_url=f"{base}/groups/{group.group_name}/essentials",
                          feed_url=_feed_url(request), description=title)
    return _respond(request, info, await feeds.essential_posts(group), fmt)


async def profile_feed(request: web.Request) -> web.StreamResponse:
    actor = await profile_actor(request)
    fmt = request.match_info["format"]
    base = request.app[keys.FEDERATION].base_url
    info = feeds.FeedInfo(title=actor.display_name or actor.username or "", page_url=f"{base}/@{actor.local_name}",
                          feed_url=_feed_url(request), description=actor.summary or "")
    return _respond(request, info, await feeds.actor_posts(actor), fmt)


async def tag_feed(request: web.Request) -> web.StreamResponse:
    tag = request.match_info["tag"].lower()[:100]
    fmt = request.match_info["format"]
    base = request.app[keys.FEDERATION].base_url
    info = feeds.FeedInfo(title=f"#{tag}", page_url=f"{base}/tags/{tag}", feed_url=_feed_url(request),
                          description=gettext(request, "Public posts with #%(tag)s", tag=tag))
    return _respond(request, info, await feeds.tag_posts(tag), fmt)


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get(f"/groups/{{name}}/feed.{EXTENSIONS}", group_feed, name="group_feed")
    r.add_get(f"/groups/{{name}}/essentials/feed.{EXTENSIONS}", essentials_feed, name="essentials_feed")
    r.add_get(f"/@{{name}}/feed.{EXTENSIONS}", profile_feed, name="profile_feed")
    r.add_get(f"/tags/{{tag}}/feed.{EXTENSIONS}", tag_feed, name="tag_feed")
