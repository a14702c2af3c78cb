"""/api/v2/search: find accounts by @name@host (resolving remote ones) and objects by URL."""
from __future__ import annotations

from aiohttp import web

from federation.context import FederationContext
from federation.fetch import fetch_object
from federation import audience
from federation.http import FetchError
from federation.protocol.common import ProtocolError, host_of, id_of, type_of
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

ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})


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
            "statuses": [await serialize_status(p) for p in await audience.only_visible(statuses, audience.viewer_of(viewer))],
            "hashtags": [],
        }
    )


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
    if type_of(doc, ACTOR_TYPES):
        accounts.append(await get_actor(fed, id_of(doc.get("id")) or url, refresh=True))
        return
    if type_of(doc, POST_TYPES):
        parsed = parse_object(doc)
        if parsed.attributed_to is None:
            raise ProtocolError(f"{url} has no author")
        author = await get_actor(fed, parsed.attributed_to)
        if host_of(author.uri) != host_of(parsed.id):
            raise ProtocolError(f"{url} is attributed to an actor on another host")
        statuses.append(await store_remote_post(parsed, author, parsed.id))
