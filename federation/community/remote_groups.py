"""A remote Moot group's parent, sub-groups and essentials, as its server publishes them, for its page here.

The links come with the group's actor (federation/community/remote_group_links.py). The `subgroups` and
`essentials` collections are fetched through federation/fetch.py (signed by the instance actor, SSRF-guarded,
the id checked) when someone looks at the group and the last read is more than an hour old; a failed read keeps
what was read before and is not retried within the hour. Parent and sub-groups unknown here are resolved once
(same server only, bounded). Essential threads are shown only when this server knows them and the viewer may
see them (federation/audience.py): nothing is fetched per thread.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from federation import audience
from federation.fetch import fetch_object
from federation.http import FetchError
from federation.protocol.common import ProtocolError, as_list, host_of, id_of, is_http_url, text_field
from federation.resolve import ResolveError, get_actor
from models.actors import Actor
from models.posts import Post
from models.remote_groups import RemoteGroupLinks

if TYPE_CHECKING:
    from federation.context import FederationContext

REFRESH_AFTER = timedelta(hours=1)
MAX_SUBGROUPS = 50
MAX_SECTIONS = 20
MAX_ITEMS = 200
MAX_SECTION_NAME = 100
MAX_RESOLVE = 10  # unknown parent and sub-groups resolved per refresh
READ_TIMEOUT = 5.0  # seconds a page view waits for each collection (a slow server keeps what was read before)


@dataclass
class RemoteSection:
    name: str
    start_here: bool
    posts: list[Post] = field(default_factory=list)  # known here and visible to the viewer, in order
    elsewhere: int = 0  # threads listed that this page does not show


@dataclass
class RemoteGroupFacts:
    parent: Actor | None = None
    subgroups: list[Actor] = field(default_factory=list)
    sections: list[RemoteSection] = field(default_factory=list)
    has_essentials: bool = False


# --- reading the collections (pure) -------------------------------------------------------------------------------


def _inline_items(doc: Any) -> list[Any]:
    """orderedItems (or items) of a collection, or of its embedded first page."""
    if not isinstance(doc, dict):
        return []
    for key in ("orderedItems", "items"):
        if key in doc:
            return as_list(doc[key])
    first = doc.get("first")
    return _inline_items(first) if isinstance(first, dict) else []


def parse_subgroups(doc: Any, group_uri: str) -> list[str]:
    """Sub-group actor URIs on the group's own server, in order, without repeats."""
    found: list[str] = []
    for item in _inline_items(doc):
        uri = id_of(item)
        if is_http_url(uri) and host_of(uri) == host_of(group_uri) and uri != group_uri and uri not in found:
            found.append(uri)
    return found[:MAX_SUBGROUPS]


def parse_essentials(doc: Any) -> list[dict[str, Any]]:
    """[{"name", "start_here", "items": [post URI, ...]}] from the essentials collection (lenient: a section
    without a name or items is skipped, at most 20 sections and 200 threads in all)."""
    sections: list[dict[str, Any]] = []
    budget = MAX_ITEMS
    for part in _inline_items(doc)[:MAX_SECTIONS]:
        if not isinstance(part, dict):
            continue
        name = " ".join((text_field(part, "name") or "").split())[:MAX_SECTION_NAME]
        items = [uri for uri in (id_of(item) for item in _inline_items(part)) if is_http_url(uri)][:budget]
        if not name:
            continue
        budget -= len(items)
        sections.append({"name": name, "start_here": part.get("startHere") is True, "items": items})
    return sections


# --- refreshing ---------------------------------------------------------------------------------------------------


async def _read(ctx: "FederationContext", url: str) -> dict[str, Any]:
    try:
        return await asyncio.wait_for(fetch_object(ctx, url), READ_TIMEOUT)
    except asyncio.TimeoutError:
        raise FetchError(f"{url} did not answer within {READ_TIMEOUT:g} s", url=url) from None


async def refresh(ctx: "FederationContext", links: RemoteGroupLinks, group: Actor, *, force: bool = False) -> None:
    """Read the group's collections again if the last read is over an hour old (or never happened)."""
    now = datetime.now(timezone.utc)
    if not force and links.fetched_at is not None and now - links.fetched_at < REFRESH_AFTER:
        return
    # Claim the refresh first, so concurrent page views do not all fetch.
    claimed = await RemoteGroupLinks.filter(id=links.id, fetched_at=links.fetched_at).update(fetched_at=now)
    if not claimed:
        return
    links.fetched_at = now
    errors: list[str] = []
    if links.subgroups_url:
        try:
            links.subgroups = parse_subgroups(await _read(ctx, links.subgroups_url), group.uri)
        except (FetchError, ProtocolError, ValueError) as exc:
            errors.append(f"subgroups: {exc}")
    else:
        links.subgroups = []
    if links.essentials_url:
        try:
            links.essentials = parse_essentials(await _read(ctx, links.essentials_url))
        except (FetchError, ProtocolError, ValueError) as exc:
            errors.append(f"essentials: {exc}")
    else:
        links.essentials = []
    links.fetch_error = "; ".join(errors)[:500]
    await RemoteGroupLinks.filter(id=links.id).update(subgroups=links.subgroups, essentials=links.essentials,
                                                      fetch_error=links.fetch_error)
    await _resolve_unknown(ctx, group, [uri for uri in (links.parent_uri, *links.subgroups) if uri])


async def _resolve_unknown(ctx: "FederationContext", group: Actor, uris: list[str]) -> None:
    known = set(await Actor.filter(uri__in=uris).values_list("uri", flat=True)) if uris else set()
    for uri in [uri for uri in uris if uri not in known][:MAX_RESOLVE]:
        if host_of(uri) != host_of(group.uri):
            continue
        try:
            await get_actor(ctx, uri)
        except (ResolveError, FetchError, ProtocolError, ValueError):
            continue  # shown once it can be read


# --- for the page ------------------------------------------------------------------------------------------------


async def _groups(uris: list[str]) -> dict[str, Actor]:
    if not uris:
        return {}
    return {actor.uri: actor for actor in await Actor.filter(uri__in=uris, type="Group", deleted_at=None)}


async def remote_group_facts(ctx: "FederationContext", group: Actor, viewer: audience.Viewer) -> RemoteGroupFacts:
    """Parent, sub-groups and essentials of a remote group, for this viewer (a private group's sub-groups and
    essentials only for its members here)."""
    facts = RemoteGroupFacts()
    if group.is_local:
        return facts
    links = await RemoteGroupLinks.filter(group_id=group.id).first()
    if links is None:
        return facts
    await refresh(ctx, links, group)
    groups = await _groups([uri for uri in (links.parent_uri, *links.subgroups) if uri])
    facts.parent = groups.get(links.parent_uri or "")
    if not await audience.may_see_group_content(group, viewer):
        return facts
    facts.subgroups = [groups[uri] for uri in links.subgroups if uri in groups]
    facts.has_essentials = bool(links.essentials)
    uris = [uri for section in links.essentials for uri in section.get("items", [])]
    shown = {post.uri: post for post in await Post.filter(audience.visible_posts(viewer), uri__in=uris or [""],
                                                          removed_at=None).prefetch_related("author")}
    for section in links.essentials:
        items = [uri for uri in section.get("items", []) if isinstance(uri, str)]
        posts = [shown[uri] for uri in items if uri in shown]
        facts.sections.append(RemoteSection(str(section.get("name") or ""), bool(section.get("start_here")), posts,
                                            len(items) - len(posts)))
    return facts
