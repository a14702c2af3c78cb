"""Search: posts (full text, federation/community/search_posts.py), groups, pages, people and tags.

Groups, pages and people match by handle, display name or summary. A private group is found by its
name like any group (its existence is public), never its posts. Exact handle matches come first, then
handles that start with the words, then display names, then summaries.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import Q

from federation.audience import ANONYMOUS, Viewer
from federation.people import personal_filters
from federation.community.search_posts import MAX_LIMIT, PostHits, query_terms, search_post_ids, search_posts
from models.actors import Actor
from models.posts import Post

KINDS = ("accounts", "statuses", "hashtags")
ACTOR_KINDS = {"people": ("Person",), "pages": ("Service",), "groups": ("Group",)}
SEARCHABLE_TYPES = ("Person", "Service", "Group", "Organization")


@dataclass
class Results:
    accounts: list[Actor] = field(default_factory=list)
    statuses: list[Post] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)


def _handle_of(text: str) -> tuple[str, str | None]:
    """'@name@host', 'name@host', '!name' or 'name' -> (name, host or None)."""
    bare = text.strip().lstrip("@!")
    name, _, host = bare.partition("@")
    return name.casefold(), (host.casefold() or None)


def _rank(actor: Actor, name: str, terms: list[str]) -> tuple[int, str]:
    handle = (actor.username or "").casefold()
    display = (actor.display_name or "").casefold()
    if handle == name:
        score = 0
    elif handle.startswith(name):
        score = 1
    elif all(t in display for t in terms):
        score = 2
    else:
        score = 3
    return score, handle


async def search_actors(
    text: str, *, types: tuple[str, ...] = SEARCHABLE_TYPES, limit: int = 20, offset: int = 0
) -> list[Actor]:
    """Known actors (local and remote) matching `text`, exact handle matches first."""
    name, host = _handle_of(text)
    terms = query_terms(text if host is None else name)
    if not name:
        return []
    live = Actor.filter(deleted_at=None, type__in=types, discoverable=True)
    if host is not None:
        candidates = await live.filter(username__iexact=name, domain__iexact=host).limit(5)
    else:
        wanted = Q(username__istartswith=name) | Q(display_name__icontains=text.strip()[:100])
        for term in terms[:3]:
            wanted |= Q(summary__icontains=term)
        candidates = await live.filter(wanted).order_by("-is_local", "username").limit(200)
    ranked = sorted(candidates, key=lambda a: (*_rank(a, name, terms), not a.is_local))
    return ranked[offset:offset + limit]


async def search_hashtags(text: str, *, limit: int = 10) -> list[str]:
    """Hashtags named like the search word that public posts use (found through the full-text index)."""
    terms = query_terms(text.lstrip("#"))
    if len(terms) != 1:
        return []
    ids = await search_post_ids(ANONYMOUS, terms[0], limit=MAX_LIMIT)
    names: dict[str, str] = {}
    for tags in await Post.filter(id__in=ids).values_list("tags", flat=True) if ids else []:
        for tag in tags or []:
            name = str(tag.get("name", "")).lstrip("#") if isinstance(tag, dict) and tag.get("type") == "Hashtag" else ""
            if name.casefold().startswith(terms[0]):
                names.setdefault(name.casefold(), name.casefold())
    return sorted(names.values(), key=lambda n: (n != terms[0], n))[:limit]


async def search(
    viewer: Viewer, text: str, *, kind: str | None = None, limit: int = 20, offset: int = 0
) -> Results:
    """Everything a search box finds, or only one kind (Mastodon's `type`: accounts, statuses, hashtags)."""
    results = Results()
    if kind in (None, "accounts"):
        results.accounts = await search_actors(text, limit=limit, offset=offset)
    if kind in (None, "statuses"):
        hits: PostHits = await search_posts(viewer, text, limit=limit, offset=offset)
        # blocked and muted (federation/people)
        hidden = await personal_filters.hidden_among(viewer.actor, [post.author_id for post in hits.posts])
        results.statuses = [post for post in hits.posts if post.author_id not in hidden]
    if kind in (None, "hashtags"):
        results.hashtags = await search_hashtags(text, limit=limit)
    return results
