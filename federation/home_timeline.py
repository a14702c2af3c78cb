"""The home timeline as entries: posts (federation/timelines.py home_filter) and boosts by those the user
follows (home_boosts_filter), each boost at its own time, paged by one id as Mastodon's clients page it.

A boost is an Interaction row, not a post, but its status id comes from the post id sequence when it is
recorded (federation/status_ids.py), so posts and boosts share one id space in the order they were made: an
entry's id is its sort key, and the cursors (max_id, since_id, min_id) are plain ids.
"""
from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q

from federation import audience, timelines
from federation.people.personal_filters import hidden_q
from models.actors import Actor
from models.posts import ANNOUNCE, Interaction, Post


@dataclass
class HomeEntry:
    post: Post
    boost: Interaction | None = None

    @property
    def id(self) -> int:
        if self.boost is not None:
            assert self.boost.status_id is not None, "a boost shown as a status has a status id"
            return self.boost.status_id
        return self.post.id


def _window(field: str, max_id: int | None, since_id: int | None, min_id: int | None) -> Q:
    bounds: dict[str, int] = {}
    if max_id is not None:
        bounds[f"{field}__lt"] = max_id
    floor = max(since_id or 0, min_id or 0) if since_id is not None or min_id is not None else None
    if floor is not None:
        bounds[f"{field}__gt"] = floor
    return Q(**bounds)


async def home_page(user: Actor, *, max_id: int | None = None, since_id: int | None = None,
                    min_id: int | None = None, limit: int = 20) -> list[HomeEntry]:
    """One page of the home timeline, newest first; `min_id` gives the page right after it (Mastodon's rules)."""
    posts = Post.filter(await timelines.home_filter(user), _window("id", max_id, since_id, min_id))
    boosts = Interaction.filter(await timelines.home_boosts_filter(user),
                                _window("status_id", max_id, since_id, min_id))
    ascending = min_id is not None
    post_rows = await posts.order_by("id" if ascending else "-id").limit(limit)
    boost_rows = await boosts.order_by("status_id" if ascending else "-status_id") \
        .limit(limit).prefetch_related("post", "actor")
    entries = [HomeEntry(post) for post in post_rows] + [HomeEntry(row.post, row) for row in boost_rows]
    entries.sort(key=lambda entry: entry.id, reverse=not ascending)
    entries = entries[:limit]
    return list(reversed(entries)) if ascending else entries


async def home_entries_for(user: Actor, boost_ids: list[int]) -> list[HomeEntry]:
    """Of these boosts (Interaction ids), those that belong in the user's home timeline (for streaming)."""
    if not boost_ids:
        return []
    rows = await Interaction.filter(await timelines.home_boosts_filter(user), id__in=boost_ids) \
        .order_by("status_id").prefetch_related("post", "actor")
    return [HomeEntry(row.post, row) for row in rows]


async def visible_boost(status_id: int, viewer: Actor | None) -> HomeEntry | None:
    """The boost with this status id, if the viewer may see it: its original by the audience's rule (as the
    original's own id would answer), and its booster not hidden from the viewer (blocked or muted). None if not."""
    seen_by = audience.viewer_of(viewer)
    row = await Interaction.filter(hidden_q(viewer, "actor_id"), kind=ANNOUNCE, status_id=status_id) \
        .prefetch_related("actor").first()
    if row is None:
        return None
    post = await Post.filter(audience.visible_posts(seen_by), id=row.post_id).first()
    return HomeEntry(post, row) if post is not None else None
