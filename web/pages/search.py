"""The search page: /search?q=...&type=posts|groups|pages|people, plain GET (works without JavaScript)."""
from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from federation import audience
from federation.community.search import ACTOR_KINDS, search_actors
from federation.community.search_posts import query_terms, search_posts
from web.pages.community_common import blurbs, post_stats, viewer_of
from web.templating import gettext, render_page

PAGE_SIZE = 20
TABS = ("posts", "groups", "pages", "people")


def _is_handle(query: str) -> bool:
    return " " not in query and "@" in query.lstrip("@")


def _offset(request: web.Request) -> int:
    raw = request.query.get("offset", "")
    return min(int(raw), 10_000) if raw.isdigit() else 0


async def search_page(request: web.Request) -> web.StreamResponse:
    query = request.query.get("q", "").strip()[:200]
    kind = request.query.get("type", "")
    if not kind and _is_handle(query):
        # @name@server: the account itself, on the tab of its kind.
        found = await search_actors(query, limit=1)
        kind = next((tab for tab, types in ACTOR_KINDS.items() if found and found[0].type in types), "people")
    kind = kind if kind in TABS else "posts"
    offset = _offset(request)
    viewer = viewer_of(request)
    posts, actors, more = [], [], False
    if query and kind == "posts":
        hits = await search_posts(audience.viewer_of(viewer), query, limit=PAGE_SIZE + 1, offset=offset)
        posts, more = hits.posts[:PAGE_SIZE], len(hits.posts) > PAGE_SIZE
    elif query:
        found = await search_actors(query, types=ACTOR_KINDS[kind], limit=PAGE_SIZE + 1, offset=offset)
        actors, more = found[:PAGE_SIZE], len(found) > PAGE_SIZE
    next_url = f"/search?{urlencode({'q': query, 'type': kind, 'offset': offset + PAGE_SIZE})}" if more else None
    labels = {"posts": gettext(request, "Posts"), "groups": gettext(request, "Groups"),
              "pages": gettext(request, "Pages"), "people": gettext(request, "People")}
    tabs = [(tab, f"/search?{urlencode({'q': query, 'type': tab})}", labels[tab], None) for tab in TABS]
    return render_page(
        request, "community/search.html", query=query, search_query=query, kind=kind, tabs=tabs, posts=posts,
        actors=actors, stats=await post_stats(posts, viewer), blurbs=await blurbs(actors), next_url=next_url,
        searchable=bool(query_terms(query)) or "@" in query,
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/search", search_page, name="search_page")
