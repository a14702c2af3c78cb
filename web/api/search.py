"""/api/v2/search: find accounts by @name@host (resolving remote ones) and objects by URL."""
from __future__ import annotations

from aiohttp import web

from federation.context import FederationContext
from federation.fetch import fetch_object
from federation.groups.access import can_read
from federation.http import FetchError
from federation.protocol.common import ProtocolError, host_of
from federation.protocol.objects import parse_object
from federation.remote_posts import store_remote_post
from federation.resolve import ResolveError, get_actor, resolve_handle
from federation.vocab import POST_TYPES
from models.actors import Actor
from models.posts import Post
from web import app_keys as keys
from web.api.auth import require_actor
from web.api.params import as_bool
from web.api.serializers import account as serialize_account
from web.api.serializers import status as serialize_status

ACTOR_TYPES = ("Person", "Service", "Application", "Group", "Organization")


async def search(request: web.Request) -> web.Response:
    viewer = await require_actor(request)
    fed = request.app[keys.FEDERATION]
    query = request.query.get("q", "").strip()
    if not query:
        raise web.HTTPBadRequest(text="q is required")
    resolve = as_bool(request.query.get("resolve", False))
    accounts: list[Actor] = []
    statuses: list[Post] = []
    try:
        if query.startswith(("http://", "https://")):
            await _search_url(fed, query, resolve, accounts, statuses)
        elif "@" in query.lstrip("@"):
            accounts.append(await _find_handle(fed, query, resolve))
        else:
            accounts.extend(await Actor.filter(local_name__istartswith=query.lstrip("@"), is_local=True, deleted_at=None).limit(20))
    except (ResolveError, FetchError, ProtocolError, LookupError):
        # Mastodon answers a failed lookup with empty results, not an error.
        pass
    return web.json_response(
        {
            "accounts": [await serialize_account(a) for a in accounts if a.type != "Application"],
            "statuses": [await serialize_status(p) for p in statuses if await _visible(p, viewer)],
            "hashtags": [],
        }
    )


async def _visible(post: Post, viewer: Actor) -> bool:
    """Search shows only what the viewer may read (as GET /api/v1/statuses/:id): a private group's posts
    to its members, other followers-only and direct posts to their author."""
    if post.author_id == viewer.id:
        return True
    group = await Actor.filter(id=post.group_id).first() if post.group_id else None
    if group is not None and group.manually_approves:
        return await can_read(group, viewer)
    return post.visibility in ("public", "unlisted")


async def _find_handle(fed: FederationContext, query: str, resolve: bool) -> Actor:
    if resolve:
        return await resolve_handle(fed, query)
    name, _, host = query.lstrip("@").partition("@")
    actor = await Actor.filter(username=name, domain=host, deleted_at=None).first()
    if actor is None:
        raise LookupError(query)
    return actor


async def _search_url(
    fed: FederationContext, url: str, resolve: bool, accounts: list[Actor], statuses: list[Post]
) -> None:
    known_post = await Post.filter(uri=url, deleted_at=None).first()
    if known_post is not None:
        statuses.append(known_post)
        return
    known_actor = await Actor.filter(uri=url, deleted_at=None).first()
    if known_actor is not None or not resolve:
        if known_actor is not None:
            accounts.append(known_actor)
        return
    doc = await fetch_object(fed, url)
    if doc.get("type") in ACTOR_TYPES:
        accounts.append(await get_actor(fed, doc["id"], refresh=True))
        return
    if doc.get("type") in POST_TYPES:
        parsed = parse_object(doc)
        if parsed.attributed_to is None:
            raise ProtocolError(f"{url} has no author")
        author = await get_actor(fed, parsed.attributed_to)
        if host_of(author.uri) != host_of(parsed.id):
            raise ProtocolError(f"{url} is attributed to an actor on another host")
        statuses.append(await store_remote_post(parsed, author, parsed.id))
