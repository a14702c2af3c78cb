"""Finding remote actors: by URI, by key id, and by @name@host through WebFinger."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING
from urllib.parse import quote, urldefrag

from tortoise.expressions import Q

from federation.community.remote_group_links import remember_links
from federation.content import html_to_text, sanitize_html
from federation.fetch import fetch_object, refuse_suspended
from federation.http import FetchError
from federation.keys import KEY_REFETCH_INTERVAL, CachedKey, key_of
from federation.metrics import record_key_fetch
from federation.protocol.actor import ActorDoc, parse_actor
from federation.protocol.common import ProtocolError, host_of
from models.actors import Actor

if TYPE_CHECKING:
    from federation.context import FederationContext

# Remote profiles are refreshed when older than this and somebody needs them.
ACTOR_MAX_AGE = timedelta(days=1)
JRD_TYPES = ("application/jrd+json", "application/json")


class ResolveError(Exception):
    """The actor could not be found; the message says why."""


def actor_fields(doc: ActorDoc) -> dict:
    """Actor model fields from a parsed remote actor document."""
    return {
        "type": doc.type,
        "username": doc.preferred_username,
        "domain": host_of(doc.id),
        "display_name": doc.name,
        "summary": sanitize_html(doc.summary or ""),
        "inbox": doc.inbox,
        "shared_inbox": doc.shared_inbox,
        "outbox": doc.outbox,
        "followers_url": doc.followers,
        "following_url": doc.following,
        "featured_url": doc.featured,
        "moderators_url": doc.moderators,
        "posting_restricted_to_mods": doc.posting_restricted_to_mods,
        "url": doc.url,
        "icon_url": doc.icon_url,
        "image_url": doc.image_url,
        "manually_approves": doc.manually_approves_followers,
        "discoverable": doc.discoverable,
        "indexable": doc.indexable,
        "profile_fields": [{"name": html_to_text(name), "value": sanitize_html(value)} for name, value in doc.fields],
        "public_key_id": doc.public_key_id,
        "public_key_pem": doc.public_key_pem,
        "published": doc.published,
        "fetched_at": datetime.now(timezone.utc),
        "deleted_at": None,
    }


async def store_remote_actor(ctx: "FederationContext", doc: ActorDoc) -> Actor:
    if ctx.urls.is_local(doc.id):
        raise ProtocolError(f"refusing to store {doc.id}: it claims to be one of our local actors")
    for url in (doc.inbox, doc.shared_inbox, doc.outbox):
        # An actor's endpoints live on its own server; anything else would let it redirect our deliveries.
        if url and host_of(url) != host_of(doc.id):
            raise ProtocolError(f"actor {doc.id} lists an endpoint on another host: {url}")
    actor, _ = await Actor.update_or_create(defaults=actor_fields(doc), uri=doc.id)
    await remember_links(actor, doc)  # a Moot group's parentGroup, subgroups and essentials (federation/community)
    key = key_of(actor)
    if key is not None:
        ctx.keys.put(key)
    return actor


async def fetch_actor(ctx: "FederationContext", uri: str) -> Actor:
    doc = parse_actor(await fetch_object(ctx, uri))
    if doc.id != urldefrag(uri).url:
        raise ProtocolError(f"fetched {uri} but the actor document is {doc.id}")
    return await store_remote_actor(ctx, doc)


async def get_actor(ctx: "FederationContext", uri: str, *, refresh: bool = False) -> Actor:
    """A known actor from the database, fetched (or refreshed when stale) from its origin if needed."""
    actor = await Actor.filter(uri=uri).first()
    if actor is not None and (actor.is_local or not refresh and not _is_stale(actor)):
        return actor
    if ctx.urls.is_local(uri):
        raise ResolveError(f"no local actor {uri}")
    return await ctx.fetches.run(f"actor {uri}", lambda: fetch_actor(ctx, uri))


def _is_stale(actor: Actor) -> bool:
    return actor.fetched_at is None or datetime.now(timezone.utc) - actor.fetched_at > ACTOR_MAX_AGE


async def fetch_key_owner(ctx: "FederationContext", key_id: str) -> Actor:
    """The actor that owns key_id, fetched from its origin; the actor must list that very key. Concurrent
    callers for one key (a burst of first deliveries from one actor) share one fetch."""
    return await ctx.fetches.run(f"key {key_id}", lambda: _counted_fetch_key_owner(ctx, key_id))


async def _counted_fetch_key_owner(ctx: "FederationContext", key_id: str) -> Actor:
    try:
        actor = await _fetch_key_owner(ctx, key_id)
    except Exception:
        record_key_fetch(ctx, ok=False)
        raise
    record_key_fetch(ctx, ok=True)
    return actor


async def _fetch_key_owner(ctx: "FederationContext", key_id: str) -> Actor:
    doc = await fetch_object(ctx, key_id)
    owner = doc.get("owner")
    if "inbox" not in doc and isinstance(owner, str):
        # A bare key document (some servers): its owner must publish the same key.
        if host_of(owner) != host_of(key_id):
            raise ProtocolError(f"key {key_id} names an owner on another host: {owner}")
        doc = await fetch_object(ctx, owner)
    actor_doc = parse_actor(doc)
    if actor_doc.public_key_id != key_id:
        raise ProtocolError(f"actor {actor_doc.id} does not list key {key_id}")
    if actor_doc.public_key_owner and actor_doc.public_key_owner != actor_doc.id:
        raise ProtocolError(f"key {key_id} is owned by {actor_doc.public_key_owner}, not {actor_doc.id}")
    return await store_remote_actor(ctx, actor_doc)


async def lookup_key(ctx: "FederationContext", key_id: str) -> CachedKey:
    """The key for key_id from memory, then the database, then its origin."""
    cached = ctx.keys.get(key_id)
    if cached is not None:
        return cached
    actor = await Actor.filter(public_key_id=key_id, deleted_at=None).first()
    key = key_of(actor) if actor is not None else None
    if key is None:
        # A fetch for this key may have finished while the database was asked (it caches what it stored):
        # checking again here, with no await before joining or starting a flight, keeps a burst to one fetch.
        key = ctx.keys.get(key_id)
    if key is None:
        key = key_of(await fetch_key_owner(ctx, key_id))
    if key is None:
        raise ProtocolError(f"no public key found for {key_id}")
    ctx.keys.put(key)
    return key


async def refresh_key(ctx: "FederationContext", key: CachedKey) -> CachedKey | None:
    """Refetch after a failed verification (the remote may have rotated its key), rate-limited per actor.

    Race-free: requests failing at once in this process share one refresh, and the right to refetch is taken
    by one conditional UPDATE, so another process failing at the same moment uses what this one fetched."""
    return await ctx.fetches.run(f"refresh {key.key_id}", lambda: _refresh_key(ctx, key))


async def _refresh_key(ctx: "FederationContext", key: CachedKey) -> CachedKey | None:
    now = datetime.now(timezone.utc)
    actor = await Actor.filter(uri=key.owner_uri).first()
    if actor is not None and actor.is_local:
        return None
    if actor is not None:
        due = Q(key_refetched_at__isnull=True) | Q(key_refetched_at__lt=now - KEY_REFETCH_INTERVAL)
        if not await Actor.filter(due, id=actor.id).update(key_refetched_at=now):
            # Refetched a moment ago, here or by another process: that fetch's key, if it is a new one.
            stored = await Actor.filter(id=actor.id).first()
            newer = ctx.keys.get(key.key_id) or (key_of(stored) if stored is not None else None)
            return newer if newer is not None and newer.pem != key.pem else None
    ctx.keys.forget(key.key_id)
    fresh = key_of(await fetch_key_owner(ctx, key.key_id))
    if fresh is not None:
        ctx.keys.put(fresh)
    return fresh


def parse_handle(handle: str) -> tuple[str, str]:
    """'@name@host' or 'name@host' or 'acct:name@host' -> (name, host)."""
    text = handle.strip().removeprefix("acct:").lstrip("@")
    name, sep, host = text.partition("@")
    if not sep or not name or not host or "@" in host or "/" in host:
        raise ResolveError(f"{handle!r} is not a handle like @name@example.com")
    return name, host.lower()


async def webfinger(ctx: "FederationContext", name: str, host: str) -> str:
    """The actor id that host's WebFinger gives for acct:name@host."""
    url = f"{scheme_for(host, ctx.allow_private_addresses)}://{host}/.well-known/webfinger?resource={quote(f'acct:{name}@{host}')}"
    await refuse_suspended(ctx, url)
    _, jrd = await ctx.http.get_json(url, accept="application/jrd+json", content_types=JRD_TYPES)
    for link in jrd.get("links") or []:
        if not isinstance(link, dict) or link.get("rel") != "self":
            continue
        media_type = str(link.get("type", "")).split(";")[0].strip()
        if media_type in {"application/activity+json", "application/ld+json"} and isinstance(link.get("href"), str):
            return link["href"]
    raise ResolveError(f"WebFinger for {name}@{host} has no ActivityPub self link")


def scheme_for(host: str, allow_private_addresses: bool) -> str:
    """https, or http for a loopback host when private addresses are allowed (development and tests)."""
    return "http" if allow_private_addresses and not host.endswith(".") and _looks_local(host) else "https"


def _looks_local(host: str) -> bool:
    # Development and tests federate over plain http on loopback; real servers use https.
    bare = host.rsplit(":", 1)[0].strip("[]")
    return bare in {"localhost", "::1"} or bare.startswith("127.")


async def resolve_handle(ctx: "FederationContext", handle: str) -> Actor:
    name, host = parse_handle(handle)
    if host == ctx.host:
        # As WebFinger answers: the user or page of that name first, else the group (`!name` is the group).
        local = Actor.filter(is_local=True, deleted_at=None)
        name = name.lower()  # local names are stored lower-case, as WebFinger looks them up
        actor = None if name.startswith("!") else await local.filter(local_name=name).first()
        actor = actor or await local.filter(group_name=name.lstrip("!")).first()
        if actor is None:
            raise ResolveError(f"no local actor named {name}")
        return actor
    known = await Actor.filter(username=name, domain=host, deleted_at=None).first()
    if known is not None and not _is_stale(known):
        return known
    try:
        uri = await webfinger(ctx, name, host)
    except FetchError as exc:
        raise ResolveError(f"could not look up {name}@{host}: {exc}") from exc
    # The WebFinger answer must point back to the same server (Mastodon checks the round trip).
    if host_of(uri) != host:
        raise ResolveError(f"WebFinger for {name}@{host} points to another host: {uri}")
    return await get_actor(ctx, uri, refresh=True)
