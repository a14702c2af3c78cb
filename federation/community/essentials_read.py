"""Reading a group's essentials: the sections in order with the threads a viewer may see, newcomers' order,
the filter, and the ActivityPub collection `/groups/{name}/essentials`.

Who sees what is federation/audience.py's: a private group's essentials are for its members (the caller checks
`may_see_group_content`), and each thread is shown only when `visible_posts` lets the viewer see it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from tortoise.expressions import Q

from federation import audience, render, vocab
from models.actors import Actor
from models.essentials import EssentialItem, EssentialSection
from models.follows import ACCEPTED, Follow
from models.posts import Post

NEWCOMER_DAYS = 14  # members for less than this see the "Start here" section first
MAX_QUERY = 200


@dataclass
class SectionView:
    section: EssentialSection
    items: list[EssentialItem] = field(default_factory=list)  # item.post (with its author) fetched


async def is_newcomer(group: Actor, viewer: Actor | None) -> bool:
    """Someone who is not a member yet, or joined in the last NEWCOMER_DAYS days (never a moderator)."""
    if viewer is None:
        return True
    if await audience.is_group_moderator(group, audience.viewer_of(viewer)):
        return False
    follow = await Follow.filter(follower=viewer, target=group, state=ACCEPTED).first()
    if follow is None:
        return True
    since = follow.accepted_at or follow.created_at
    return since is not None and since > datetime.now(timezone.utc) - timedelta(days=NEWCOMER_DAYS)


def _matches(query: str) -> Q:
    return Q(name__icontains=query) | Q(content__icontains=query) | Q(summary__icontains=query) \
        | Q(description__icontains=query)


async def sections_for(group: Actor, viewer: audience.Viewer, *, start_here_first: bool = False,
                       query: str = "", keep_empty: bool = False) -> list[SectionView]:
    """The group's sections in order, each with the threads the viewer may see (matching `query` if given).
    The caller has checked that the viewer may see the group's content."""
    sections = await EssentialSection.filter(group=group).order_by("position", "id")
    if start_here_first:
        sections.sort(key=lambda section: not section.start_here)  # stable: the rest keep their order
    shown = Q(audience.visible_posts(viewer), group_id=group.id, removed_at=None, deleted_at=None)
    query = " ".join(query.split())[:MAX_QUERY]
    if query:
        shown &= _matches(query)
    visible = set(await Post.filter(shown, essential_items__group_id=group.id).values_list("id", flat=True))
    items = await EssentialItem.filter(group=group, post_id__in=visible or {0}).order_by("position", "id") \
        .prefetch_related("post", "post__author")
    views = {section.id: SectionView(section) for section in sections}
    for item in items:
        if item.section_id in views:
            views[item.section_id].items.append(item)
    ordered = [views[section.id] for section in sections]
    return ordered if keep_empty or not query else [view for view in ordered if view.items]


def collection_url(group: Actor) -> str:
    return f"{group.uri}/essentials"


async def collection(group: Actor, viewer: audience.Viewer) -> dict[str, Any]:
    """The essentials as an OrderedCollection of sections, each an OrderedCollection of thread ids in order."""
    url = collection_url(group)
    sections = []
    for view in await sections_for(group, viewer, keep_empty=True):
        uris = [item.post.uri for item in view.items]
        part = render.ordered_collection(f"{url}#section-{view.section.id}", len(uris), None)
        part.pop("@context", None)
        part.update(name=view.section.name, orderedItems=uris)
        if view.section.start_here:
            part["startHere"] = True
        sections.append(part)
    doc = render.ordered_collection(url, len(sections), None)
    doc["@context"] = vocab.ESSENTIALS_CONTEXT
    doc.update(name="Essentials", attributedTo=group.uri, orderedItems=sections)
    return doc
