"""The home timeline as entries: posts (federation/timelines.py home_filter) and boosts by those the user
follows (home_boosts_filter), each boost at its own time, paged by one id as Mastodon's clients page it.

A boost is an Interaction row, not a post, so its status id lives in a range of its own (BOOST_ID_OFFSET plus
the row's id), and where it sorts comes from `home_position`: the newest post id when the boost was recorded.
An entry's sort key is (post id, 0) for a post and (home_position, interaction id) for a boost, so a boost sits
right after the posts that existed when it was made and before any later post, whatever its id says.
"""
from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q

from federation import timelines
from models.actors import Actor
from models.posts import ANNOUNCE, Interaction, Post

# Far above any post id this server will reach, well inside a signed 64-bit integer.
BOOST_ID_OFFSET = 10**15


def boost_status_id(interaction_id: int) -> int:
    return BOOST_ID_OFFSET + interaction_id


def is_boost_id(status_id: int) -> bool:
    return status_id >= BOOST_ID_OFFSET


async def latest_post_id() -> int:
    """Where a boost recorded now sorts: after the newest post."""
    return int(await Post.all().order_by("-id").first().values_list("id", flat=True) or 0)


@dataclass
class HomeEntry:
    post: Post
    boost: Interaction | None = None

    @property
    def id(self) -> int:
        return boost_status_id(self.boost.id) if self.boost is not None else self.post.id

    @property
    def key(self) -> tuple[int, int]:
        if self.boost is not None:
            return (self.boost.home_position or 0, self.boost.id)
        return (self.post.id, 0)


async def _key_of(status_id: int) -> tuple[int, int] | None:
    """The sort key of the entry a cursor names (None for a boost that is gone: then the cursor is ignored)."""
    if not is_boost_id(status_id):
        return (status_id, 0)
    row = await Interaction.filter(id=status_id - BOOST_ID_OFFSET, kind=ANNOUNCE).values_list(
        "home_position", flat=True)
    return (int(row[0] or 0), status_id - BOOST_ID_OFFSET) if row else None


def _posts_below(key: tuple[int, int]) -> Q:
    return Q(id__lte=key[0]) if key[1] else Q(id__lt=key[0])


def _posts_above(key: tuple[int, int]) -> Q:
    return Q(id__gt=key[0])


def _boosts_below(key: tuple[int, int]) -> Q:
    return Q(home_position__lt=key[0]) | Q(home_position=key[0], id__lt=key[1])


def _boosts_above(key: tuple[int, int]) -> Q:
    return Q(home_position__gt=key[0]) | Q(home_position=key[0], id__gt=key[1])


async def home_page(user: Actor, *, max_id: int | None = None, since_id: int | None = None,
                    min_id: int | None = None, limit: int = 20) -> list[HomeEntry]:
    """One page of the home timeline, newest first; `min_id` gives the page right after it (Mastodon's rules)."""
    posts = Post.filter(await timelines.home_filter(user))
    boosts = Interaction.filter(await timelines.home_boosts_filter(user))
    for cursor, below in ((max_id, True), (since_id, False), (min_id, False)):
        key = await _key_of(cursor) if cursor is not None else None
        if key is None:
            continue
        posts = posts.filter(_posts_below(key) if below else _posts_above(key))
        boosts = boosts.filter(_boosts_below(key) if below else _boosts_above(key))
    ascending = min_id is not None
    post_rows = await posts.order_by("id" if ascending else "-id").limit(limit)
    boost_rows = await boosts.order_by(*(("home_position", "id") if ascending else ("-home_position", "-id"))) \
        .limit(limit).prefetch_related("post", "actor")
    entries = [HomeEntry(post) for post in post_rows] + [HomeEntry(row.post, row) for row in boost_rows]
    entries.sort(key=lambda entry: entry.key, reverse=not ascending)
    entries = entries[:limit]
    return list(reversed(entries)) if ascending else entries


async def home_entries_for(user: Actor, boost_ids: list[int]) -> list[HomeEntry]:
    """Of these boosts (Interaction ids), those that belong in the user's home timeline (for streaming)."""
    if not boost_ids:
        return []
    rows = await Interaction.filter(await timelines.home_boosts_filter(user), id__in=boost_ids) \
        .order_by("id").prefetch_related("post", "actor")
    return [HomeEntry(row.post, row) for row in rows]
