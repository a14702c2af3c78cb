"""Which posts make a timeline: home (followed people and pages, joined groups, one's own posts and direct
messages), public (local or remote), and a hashtag's. Who may see each post stays federation/audience.py's
rule; a timeline only chooses among what the viewer may see. The web pages and the client API both read here.
"""
from __future__ import annotations

from typing import Any, Iterable

from tortoise.expressions import Q, Subquery

from federation import audience
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.posts import ANNOUNCE, Interaction


async def home_filter(user: Actor) -> Q:
    """The home timeline of a local person or page: what it follows and what they boosted, the groups it
    joined, its own posts, and direct messages to or from it."""
    follows = await Follow.filter(follower=user, state=ACCEPTED).values_list("target_id", "target__type")
    group_ids = [target for target, kind in follows if kind == "Group"]
    author_ids = [target for target, kind in follows if kind != "Group"] + [user.id]
    # Also what they boosted (shown at the post's own time: a timeline entry per boost is for later).
    boosted = Subquery(Interaction.filter(kind=ANNOUNCE, actor_id__in=author_ids).values("post_id"))
    wanted = Q(author_id__in=author_ids) | Q(visibility="direct") | Q(id__in=boosted)
    if group_ids:
        wanted |= Q(group_id__in=group_ids, in_reply_to_uri=None)
    return wanted & audience.visible_posts(audience.viewer_of(user)) & Q(removed_at=None)


def public_filter(viewer: audience.Viewer, *, local: bool = False, remote: bool = False) -> Q:
    """The public timeline: public posts the viewer may see in shared listings, only local or only remote ones."""
    wanted = audience.listed_posts(viewer) & Q(visibility="public", removed_at=None, deleted_at=None)
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
