"""A person's data as a ZIP, shaped like Mastodon's archive so that other servers' importers read it.

- outbox.json: an ActivityStreams OrderedCollection of the person's Create activities (every visibility: the
  posts are theirs), each with its object in full;
- actor.json: the actor document; likes.json: the liked posts' ids;
- following_accounts.csv (Mastodon's follow import), groups.csv (groups joined, by account address),
- bookmarks.csv, when there are bookmarks (the posts' URIs, one a line, as Mastodon writes it),
- blocked_accounts.csv, muted_accounts.csv, blocked_domains.csv: in Mastodon's import shapes (the header only
  where Mastodon writes one). Blocks and mutes are the person's own (federation/people); Moot has no
  per-person domain blocks, so blocked_domains.csv is empty.

Built in memory: MAX_EXPORT_POSTS bounds the size (about 2 KB a post, so tens of MB at most).
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import TYPE_CHECKING, Any

from federation import audience, render
from federation.people.personal_filters import blocked_targets, muted_targets
from federation.post_documents import post_document
from federation.vocab import AS_CONTEXT, GROUP
from models.actors import Actor
from models.client_state import Bookmark
from models.follows import ACCEPTED, Follow
from models.posts import LIKE, Interaction, Post

if TYPE_CHECKING:
    from federation.context import FederationContext

MAX_EXPORT_POSTS = 20_000
FOLLOWING_HEADER = ["Account address", "Show boosts", "Notify on new posts", "Languages"]


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


async def own_posts(actor: Actor) -> list[Post]:
    """The person's posts (not deleted), oldest first, read through the audience rule as the person."""
    return list(await Post.filter(audience.visible_posts(audience.viewer_of(actor)), author_id=actor.id)
                .order_by("published", "id").limit(MAX_EXPORT_POSTS))


async def outbox_collection(actor: Actor) -> dict[str, Any]:
    posts = await own_posts(actor)
    group_ids = {post.group_id or post.audience_group_id for post in posts} - {None}
    groups = {group.id: group.uri for group in await Actor.filter(id__in=list(group_ids))}
    items = []
    for post in posts:
        group_uri = groups.get(post.group_id or post.audience_group_id or 0)
        obj = await post_document(post, actor.uri, audience=group_uri)
        items.append({"id": f"{post.uri}/activity", "type": "Create", "actor": actor.uri,
                      "published": _iso(post.published), "to": post.to, "cc": post.cc, "object": obj})
    return {"@context": AS_CONTEXT, "id": "outbox.json", "type": "OrderedCollection", "totalItems": len(items),
            "orderedItems": items}


def _address(actor: Actor) -> str:
    return f"{actor.username}@{actor.domain}"


def _csv(rows: list[list[str]], header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


async def _followed(actor: Actor) -> tuple[list[Actor], list[Actor]]:
    """(accounts followed, groups joined): accepted follows of actors that still exist."""
    follows = await Follow.filter(follower_id=actor.id, state=ACCEPTED, target__deleted_at=None) \
        .prefetch_related("target").order_by("id")
    targets = [follow.target for follow in follows]
    return [t for t in targets if t.type != GROUP], [t for t in targets if t.type == GROUP]


async def _bookmarks(actor: Actor) -> list[str]:
    """The URIs of the posts the person bookmarked and may still see (federation/audience.py)."""
    rows = await Bookmark.filter(actor_id=actor.id).order_by("id").values_list("post_id", flat=True)
    visible = await audience.visible_ids(list(rows), audience.viewer_of(actor))
    uris = dict(await Post.filter(id__in=list(visible)).values_list("id", "uri"))
    return [uris[post_id] for post_id in rows if post_id in uris]


async def export_zip(ctx: "FederationContext", actor: Actor) -> bytes:
    accounts, groups = await _followed(actor)
    liked = await Interaction.filter(actor_id=actor.id, kind=LIKE).prefetch_related("post").order_by("id")
    likes = {"@context": AS_CONTEXT, "id": "likes.json", "type": "OrderedCollection", "totalItems": len(liked),
             "orderedItems": [like.post.uri for like in liked]}
    files = {
        "outbox.json": json.dumps(await outbox_collection(actor), ensure_ascii=False, indent=2),
        "actor.json": json.dumps(render.render_actor(actor, ctx.urls), ensure_ascii=False, indent=2),
        "likes.json": json.dumps(likes, ensure_ascii=False, indent=2),
        "following_accounts.csv": _csv([[_address(a), "true", "false", ""] for a in accounts], FOLLOWING_HEADER),
        "groups.csv": _csv([[_address(g)] for g in groups], ["Account address"]),
        "blocked_accounts.csv": _csv([[_address(a)] for a in await blocked_targets(actor)]),
        "muted_accounts.csv": _csv([[_address(a), "true" if hide else "false"] for a, hide in await muted_targets(actor)],
                                   ["Account address", "Hide notifications"]),
        "blocked_domains.csv": _csv([]),
    }
    bookmarks = await _bookmarks(actor)
    if bookmarks:
        files["bookmarks.csv"] = _csv([[uri] for uri in bookmarks])  # Mastodon's: one post URI a line
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()
