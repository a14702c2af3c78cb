"""The web home timeline's entries: its posts (newest published first) and the boosts by those the person
follows, each boost at the time it was made with a "Boosted by" line. The choice of both is
federation/timelines.py's (home_filter, home_boosts_filter), so the audience decides who sees what.

The `before` cursor names the last entry shown: a post id, or `b` and a boost's id."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from federation import timelines
from models.actors import Actor
from models.posts import ANNOUNCE, Interaction, Post


@dataclass
class Entry:
    post: Post
    booster: Actor | None = None
    boost_id: int | None = None
    at: datetime | None = None

    @property
    def cursor(self) -> str:
        return f"b{self.boost_id}" if self.boost_id is not None else str(self.post.id)


async def home_entries(user: Actor, before: str, size: int) -> tuple[list[Entry], bool]:
    """One page of entries, newest first, and whether there are more."""
    posts = Post.filter(await timelines.home_filter(user))
    boosts = Interaction.filter(await timelines.home_boosts_filter(user))
    if before.isdigit() and len(before) < 20:
        cursor = await Post.filter(id=int(before)).first()
        if cursor is not None:
            posts = posts.filter(Q(published__lt=cursor.published) | Q(published=cursor.published, id__lt=cursor.id))
            boosts = boosts.filter(created_at__lt=cursor.published)
    elif before.startswith("b") and before[1:].isdigit() and len(before) < 20:
        boost = await Interaction.filter(id=int(before[1:]), kind=ANNOUNCE).first()
        if boost is not None:
            posts = posts.filter(published__lt=boost.created_at)
            boosts = boosts.filter(Q(created_at__lt=boost.created_at) | Q(created_at=boost.created_at,
                                                                          id__lt=boost.id))
    post_rows = await posts.order_by("-published", "-id").limit(size + 1).prefetch_related("author", "group")
    boost_rows = await boosts.order_by("-created_at", "-id").limit(size + 1).prefetch_related(
        "actor", "post__author", "post__group")
    entries = [Entry(post, at=post.published) for post in post_rows] + [
        Entry(row.post, row.actor, row.id, row.created_at) for row in boost_rows]
    entries.sort(key=lambda entry: entry.at.timestamp() if entry.at else 0.0, reverse=True)
    return entries[:size], len(entries) > size
