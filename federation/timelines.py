"""Which posts make a timeline: home (followed people and pages, joined groups, one's own posts and direct
messages), public (local or remote), and a hashtag's. Who may see each post stays federation/audience.py's
rule; a timeline only chooses among what the viewer may see. The web pages and the client API both read here.
"""
from __future__ import annotations

from typing import Any, Iterable

from tortoise.expressions import Q, Subquery
from tortoise.functions import Min

from federation import audience
from federation.people.personal_filters import hidden_q
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.posts import ANNOUNCE, Interaction, Post


async def home_filter(user: Actor) -> Q:
    """The posts of the home timeline of a local person or page: what it follows, the groups it joined, its
    own posts, and direct messages to or from it. What they boosted comes as entries of its own, at the
    boost's time (home_boosts_filter, merged by federation/home_timeline.py)."""
    author_ids, group_ids = await home_sources(user)
    return _followed_posts(author_ids, group_ids) & _readable_posts(user) & Q(removed_at=None)


def _followed_posts(author_ids: list[int], group_ids: list[int]) -> Q:
    """Which posts a home timeline chooses, before anyone asks whether the user may see them."""
    wanted = Q(author_id__in=author_ids) | Q(visibility="direct")
    if group_ids:
        wanted |= Q(group_id__in=group_ids, in_reply_to_uri=None)
    return wanted


def _not_followed_posts(author_ids: list[int], group_ids: list[int]) -> Q:
    """The posts _followed_posts leaves out, spelt out rather than negated: SQL's NOT of `group_id IN (...)` is
    NULL, not true, for a post in no group, and would leave out every such post."""
    unwanted = ~Q(author_id__in=author_ids) & ~Q(visibility="direct")
    if group_ids:
        unwanted &= Q(group_id=None) | ~Q(group_id__in=group_ids) | Q(in_reply_to_uri__not_isnull=True)
    return unwanted


def _readable_posts(user: Actor) -> Q:
    # Blocked and muted accounts (and those blocking the user) stay out: federation/people/personal_filters.py.
    return audience.visible_posts(audience.viewer_of(user)) & hidden_q(user)


async def home_sources(user: Actor) -> tuple[list[int], list[int]]:
    """Whom a home timeline follows: the people and pages (and the user itself), and the groups."""
    follows = await Follow.filter(follower=user, state=ACCEPTED).values_list("target_id", "target__type")
    group_ids = [target for target, kind in follows if kind == "Group"]
    author_ids = [target for target, kind in follows if kind != "Group"] + [user.id]
    return author_ids, group_ids


async def home_boosts_filter(user: Actor) -> Q:
    """The boosts (Interaction rows) of a home timeline, as Mastodon's feed has them: by those it follows (or
    itself), not hidden from the user, of posts the user may see (the audience's rule) that are neither removed
    nor deleted. A boost stays out when its original is in the timeline itself, and when several of those
    followed boosted one post, only the first boost shows (the lowest status id). Both are part of the filter,
    not dropped from a page afterwards, so a page still holds as many entries as asked for."""
    author_ids, group_ids = await home_sources(user)
    boosted = Subquery(Post.filter(_readable_posts(user), _not_followed_posts(author_ids, group_ids),
                                   removed_at=None, deleted_at=None).values("id"))
    eligible = Interaction.filter(Q(kind=ANNOUNCE, actor_id__in=author_ids, status_id__not_isnull=True,
                                    post_id__in=boosted) & hidden_q(user, "actor_id"))
    first = Subquery(eligible.group_by("post_id").annotate(first=Min("status_id")).values("first"))
    return Q(status_id__in=first)


def public_filter(viewer: audience.Viewer, *, local: bool = False, remote: bool = False) -> Q:
    """The public timeline: public posts the viewer may see in shared listings, only local or only remote ones."""
    wanted = audience.listed_posts(viewer) & Q(visibility="public", removed_at=None, deleted_at=None)
    wanted &= hidden_q(viewer.actor)  # blocked and muted accounts: federation/people/personal_filters.py
    if local and not remote:
        wanted &= Q(is_local=True)
    elif remote and not local:
        wanted &= Q(is_local=False)
    return wanted


def hashtags_of(tags: Any) -> set[str]:
    """The lower-cased hashtag names in a post's `tags`."""
    return {
        tag["name"].lstrip("#").lower()
        for tag in tags or []
        if isinstance(tag, dict) and tag.get("type") == "Hashtag" and isinstance(tag.get("name"), str)
        and tag["name"].lstrip("#")
    }


def with_hashtag(rows: Iterable[dict[str, Any]], tag: str) -> list[int]:
    """The ids of rows (id, tags) that carry the hashtag."""
    wanted = tag.lstrip("#").lower()
    return [row["id"] for row in rows if wanted in hashtags_of(row["tags"])]
