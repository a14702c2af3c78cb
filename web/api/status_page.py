"""What a page of Mastodon Statuses shows beyond the posts' own columns, loaded for the whole page at once: a
fixed number of queries per page, not several per status (issue 13). web/api/serializers.py builds the JSON.

Nothing here widens what the page shows: the posts were chosen through federation/audience.py by the caller, and
each number counts exactly what the one-status serializer counted before (replies not deleted, likes, boosts).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tortoise.functions import Count

from federation.activities.answers_shape import standing_answers
from models.accounts import MediaFile
from models.actors import Actor
from models.client_state import Bookmark
from models.posts import ANNOUNCE, LIKE, Interaction, Post
from web.api.polls import status_polls
from web.media import local_media_of


@dataclass
class PageData:
    counts: dict[tuple[int, str], int] = field(default_factory=dict)  # (post id, LIKE or ANNOUNCE) -> how many
    replies: dict[int, int] = field(default_factory=dict)  # post id -> replies not deleted
    parent_authors: dict[int, int] = field(default_factory=dict)  # parent post id -> its author's id
    media: dict[int, dict[str, MediaFile]] = field(default_factory=dict)  # local_media_of
    answers: dict[int, int] = field(default_factory=dict)  # standing_answers
    polls: dict[int, dict[str, Any]] = field(default_factory=dict)  # post id -> its poll's JSON
    viewer_kinds: dict[int, set[str]] = field(default_factory=dict)  # post id -> the viewer's LIKE/ANNOUNCE
    bookmarked: set[int] = field(default_factory=set)  # the viewer's bookmarked post ids


async def load_page(posts: list[Post], viewer: Actor | None) -> PageData:
    unique = list({post.id: post for post in posts}.values())
    ids = [post.id for post in unique]
    page = PageData()
    rows = await Interaction.filter(post_id__in=ids, kind__in=(LIKE, ANNOUNCE)).annotate(n=Count("id")) \
        .group_by("post_id", "kind").values("post_id", "kind", "n")
    page.counts = {(row["post_id"], row["kind"]): row["n"] for row in rows}
    rows = await Post.filter(in_reply_to_id__in=ids, deleted_at=None).annotate(n=Count("id")) \
        .group_by("in_reply_to_id").values("in_reply_to_id", "n")
    page.replies = {row["in_reply_to_id"]: row["n"] for row in rows}
    parent_ids = {post.in_reply_to_id for post in unique if post.in_reply_to_id}
    if parent_ids:
        page.parent_authors = dict(await Post.filter(id__in=parent_ids).values_list("id", "author_id"))
    page.media = await local_media_of(post for post in unique if post.attachments)
    page.answers = await standing_answers(unique)
    page.polls = await status_polls(unique, viewer)
    if viewer is not None:
        for post_id, kind in await Interaction.filter(post_id__in=ids, actor_id=viewer.id,
                                                      kind__in=(LIKE, ANNOUNCE)).values_list("post_id", "kind"):
            page.viewer_kinds.setdefault(post_id, set()).add(kind)
        page.bookmarked = set(await Bookmark.filter(post_id__in=ids, actor_id=viewer.id)
                              .values_list("post_id", flat=True))
    return page
