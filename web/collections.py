"""Paged OrderedCollections of local actors: outbox, followers, following, featured."""
from __future__ import annotations

from typing import Any

from tortoise.expressions import Q

from federation.post_documents import post_document
from federation import audience, render
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.groups import GroupProfile, GroupRole
from models.posts import Post
from models.queues import OutboundActivity

PAGE_SIZE = 20


def _page_url(collection_id: str, page: int) -> str:
    return f"{collection_id}?page={page}"


async def outbox(actor: Actor, page: int | None) -> dict[str, Any]:
    query = OutboundActivity.filter(actor=actor, public=True)

    def newest(offset: int) -> Any:
        return query.order_by("-id").offset(offset).limit(PAGE_SIZE).values_list("payload", flat=True)

    doc = await _collection(actor.outbox or "", page, await query.count(), newest)
    if actor.type == "Group" and page is None:
        # Lemmy reads a group's outbox from orderedItems on the collection itself and never follows `first`.
        doc["orderedItems"] = list(await newest(0))
    return doc


async def followers(actor: Actor, page: int | None) -> dict[str, Any]:
    query = Follow.filter(target=actor, state=ACCEPTED)
    return await _collection(
        actor.followers_url or "", page, await query.count(),
        lambda offset: query.order_by("-id").offset(offset).limit(PAGE_SIZE).values_list("follower__uri", flat=True),
    )


async def following(actor: Actor, page: int | None) -> dict[str, Any]:
    query = Follow.filter(follower=actor, state=ACCEPTED)
    return await _collection(
        actor.following_url or "", page, await query.count(),
        lambda offset: query.order_by("-id").offset(offset).limit(PAGE_SIZE).values_list("target__uri", flat=True),
    )


async def featured(actor: Actor, page: int | None) -> dict[str, Any]:
    """Pinned posts. Mastodon reads the items inline, so the collection carries them as well as a first page."""
    owner = {"group": actor} if actor.type == "Group" else {"author": actor}
    # A group's collections are served only to its audience (web/activitypub.py); a person's or page's pins
    # only as far as they are public.
    shown = audience.visible_posts(audience.ANONYMOUS) if actor.type != "Group" else Q(deleted_at=None)
    posts = (
        await Post.filter(shown, **owner, pinned_at__isnull=False, removed_at=None)
        .order_by("-pinned_at")
        .prefetch_related("author")
    )
    group_uri = actor.uri if actor.type == "Group" else None
    items = [await post_document(post, post.author.uri, audience=group_uri) for post in posts]
    collection_id = actor.featured_url or ""
    if page is not None:
        return render.ordered_page(_page_url(collection_id, 1), collection_id, items, None, len(items))
    doc = render.ordered_collection(collection_id, len(items), None)
    doc["@context"] = render.with_context({})["@context"]
    doc["orderedItems"] = items
    return doc


async def _collection(collection_id: str, page: int | None, total: int, fetch: Any) -> dict[str, Any]:
    if page is None:
        return render.ordered_collection(collection_id, total, _page_url(collection_id, 1))
    offset = (page - 1) * PAGE_SIZE
    items = list(await fetch(offset))
    next_page = _page_url(collection_id, page + 1) if offset + PAGE_SIZE < total else None
    return render.ordered_page(_page_url(collection_id, page), collection_id, items, next_page, total)


async def moderators(actor: Actor, page: int | None) -> dict[str, Any]:
    """A group's owner and moderators, inline (Lemmy and Mbin read orderedItems directly). A sub-group lists its
    parent's moderators too: they moderate it, and remote servers check moderation against this list."""
    parent_ids = list(await GroupProfile.filter(group=actor, parent_id__isnull=False).values_list("parent_id", flat=True))
    rows = await GroupRole.filter(Q(group=actor) | Q(group_id__in=parent_ids)).order_by("id").values_list(
        "group_id", "actor__uri")
    own = [uri for group_id, uri in rows if group_id == actor.id]
    uris = own + list(dict.fromkeys(uri for group_id, uri in rows if group_id != actor.id and uri not in own))
    doc = render.ordered_collection(actor.moderators_url or "", len(uris), None)
    doc["orderedItems"] = uris
    return doc


async def hidden(actor: Actor, name: str) -> dict[str, Any]:
    """A collection's size without its items (a collection with no first page counts as hidden)."""
    counts = {
        "followers": Follow.filter(target=actor, state=ACCEPTED).count(),
        "outbox": OutboundActivity.filter(actor=actor, public=True).count(),
        "featured": Post.filter(group=actor, pinned_at__isnull=False, deleted_at=None).count(),
        "subgroups": GroupProfile.filter(parent=actor, group__deleted_at=None).count(),
    }
    total = await counts[name] if name in counts else 0
    return render.ordered_collection(f"{actor.uri}/{name}", total, None)


async def subgroups(actor: Actor, page: int | None) -> dict[str, Any]:
    """A group's sub-groups (their actor URIs), inline like the moderators: a short list, oldest first."""
    uris = list(await GroupProfile.filter(parent=actor, group__deleted_at=None).order_by("id")
                .values_list("group__uri", flat=True))
    doc = render.ordered_collection(f"{actor.uri}/subgroups", len(uris), None)
    doc["orderedItems"] = uris
    return doc
