"""/api/v2/search: full-text search of posts, accounts (people, pages, groups) and hashtags, accounts by
@name@host (resolving remote ones) and objects by URL."""
from __future__ import annotations

from aiohttp import web

from federation.context import FederationContext
from federation.fetch import fetch_object
from federation import audience
from federation.community.search import search as search_everything
from federation.http import FetchError
from federation.protocol.common import ProtocolError, host_of, id_of, type_of
from federation.protocol.objects import parse_object
from federation.remote_posts import store_remote_post
from federation.resolve import ResolveError, get_actor, resolve_handle
from federation.vocab import POST_TYPES
from models.actors import Actor
from models.posts import Post
from web import app_keys as keys
from web.api.auth import optional_actor
from web.api.params import as_bool
from web.api.serializers import account as serialize_account
from web.api.serializers import statuses as serialize_statuses

ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})


TYPES = ("accounts", "statuses", "hashtags")
MAX_LIMIT = 40


def _int_param(request: web.Request, name: str, default: int, high: int) -> int:
    raw = request.query.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit():
        raise web.HTTPUnprocessableEntity(text=f"{name} must be a whole number")
    return min(int(raw), high)


async def search(request: web.Request) -> web.Response:
    """Mastodon's /api/v2/search: q, type (accounts|statuses|hashtags), limit, offset, resolve.

    Anyone may search what they may see; resolving remote handles and URLs needs an account (as on Mastodon).
    """
    actor = await optional_actor(request)
    viewer = audience.viewer_of(actor)
    fed = request.app[keys.FEDERATION]
    query = request.query.get("q", "").strip()
    if not query:
        raise web.HTTPBadRequest(text="q is required")
    if len(query) > 500:
        raise web.HTTPUnprocessableEntity(text="q is longer than 500 characters")
    kind = request.query.get("type") or None
    if kind is not None and kind not in TYPES:
        raise web.HTTPUnprocessableEntity(text="type must be accounts, statuses or hashtags")
    limit = max(1, _int_param(request, "limit", 20, MAX_LIMIT))
    offset = _int_param(request, "offset", 0, 10_000)
    resolve = as_bool(request.query.get("resolve", False))
    if resolve and actor is None:
        raise web.HTTPUnauthorized(text="resolving needs an access token")
    accounts: list[Actor] = []
    statuses: list[Post] = []
    hashtags: list[str] = []
    try:
        if query.startswith(("http://", "https://")):
            await _search_url(fed, query, resolve, accounts, statuses)
        elif "@" in query.lstrip("@") and " " not in query:
            if kind in (None, "accounts"):
                accounts.append(await _find_handle(fed, query, resolve))
        else:
            found = await search_everything(viewer, query, kind=kind, limit=limit, offset=offset)
            accounts, statuses, hashtags = found.accounts, found.statuses, found.hashtags
    except (ResolveError, FetchError, ProtocolError, LookupError):
        # Mastodon answers a failed lookup with empty results, not an error.
        pass
    if kind not in (None, "accounts"):
        accounts = []
    if kind not in (None, "statuses"):
        statuses = []
    return web.json_response(
        {
            "accounts": [await serialize_account(a) for a in accounts if a.type != "Application"],
            "statuses": await serialize_statuses(await audience.only_visible(statuses, viewer), actor),
            "hashtags": [
                {"name": name, "url": fed.urls.tag(name), "history": [], "following": False} for name in hashtags
            ],
        }
    )


async def _find_handle(fed: FederationContext, query: str, resolve: bool) -> Actor:
    if resolve:
        return await resolve_handle(fed, query)
    name, _, host = query.lstrip("@").partition("@")
    actor = await Actor.filter(username__iexact=name, domain__iexact=host, deleted_at=None).first()
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
