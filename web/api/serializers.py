"""Mastodon client API shapes for accounts and statuses."""
from __future__ import annotations

from typing import Any, Iterable
from urllib.parse import urlsplit

from tortoise.functions import Count
from tortoise.queryset import QuerySet

from federation.activities.answers_shape import question_fields_of
from federation.content import html_to_text
from federation.people.posting_defaults import posting_defaults
from federation.render import iso
from models.actors import Actor
from models.follows import ACCEPTED, PENDING, Follow
from models.posts import ANNOUNCE, LIKE, Post
from web.api.status_page import PageData, load_page
from web.media import status_media_items


async def account(actor: Actor) -> dict[str, Any]:
    return (await accounts([actor]))[actor.id]


async def accounts(actors: Iterable[Actor]) -> dict[int, dict[str, Any]]:
    """Mastodon Accounts by actor id, their counts read for all of them at once (three grouped queries)."""
    unique = {actor.id: actor for actor in actors}
    if not unique:
        return {}
    ids = list(unique)
    followers = await _counts(Follow.filter(target_id__in=ids, state=ACCEPTED), "target_id")
    following = await _counts(Follow.filter(follower_id__in=ids, state=ACCEPTED), "follower_id")
    statuses_count = await _counts(Post.filter(author_id__in=ids, deleted_at=None), "author_id")
    # A remote account without pictures shows this server's stand-ins: its origin is read once.
    site = await _local_origin() if any(not actor.is_local and not (actor.icon_url and actor.image_url)
                                        for actor in unique.values()) else ""
    return {actor_id: _account_json(actor, followers.get(actor_id, 0), following.get(actor_id, 0),
                                    statuses_count.get(actor_id, 0), actor.uri if actor.is_local else site)
            for actor_id, actor in unique.items()}


async def _counts(query: QuerySet, key: str) -> dict[int, int]:
    """Rows of `query` counted per value of `key` (one GROUP BY)."""
    rows = await query.annotate(n=Count("id")).group_by(key).values(key, "n")
    return {row[key]: row["n"] for row in rows}


def _account_json(actor: Actor, followers: int, following: int, statuses_count: int, origin: str) -> dict[str, Any]:
    avatar = actor.icon_url or _missing(origin, "avatar-missing.png")
    header = actor.image_url or _missing(origin, "header-missing.png")
    return {
        "id": str(actor.id),
        "username": actor.username,
        "acct": actor.username if actor.is_local else actor.handle,
        "display_name": actor.display_name or "",
        "locked": actor.manually_approves,
        "bot": actor.type in ("Service", "Application"),
        "group": actor.type == "Group",
        "discoverable": actor.discoverable,
        "created_at": iso(actor.published or actor.created_at),
        "note": actor.summary or "",
        "url": actor.url or actor.uri,
        "uri": actor.uri,
        # Never null: Mastodon apps expect an image URL, as Mastodon's own "missing" pictures.
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": followers,
        "following_count": following,
        "statuses_count": statuses_count,
        "fields": [{"name": f["name"], "value": f["value"], "verified_at": None} for f in actor.profile_fields or []],
        "emojis": [],
        "moot": {"type": actor.type, "category": actor.category},
    }


async def _local_origin() -> str:
    """The URI of this server's first local actor: its origin is this server's."""
    return str(await Actor.filter(is_local=True).order_by("id").first().values_list("uri", flat=True) or "")


def _missing(uri: str, file_name: str) -> str:
    """This server's stand-in picture (web/static), as an absolute URL on this server's origin (that of `uri`)."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}/static/{file_name}" if parts.netloc else f"/static/{file_name}"


async def credential_account(actor: Actor) -> dict[str, Any]:
    """The account as its owner reads it (verify_credentials, update_credentials): with Mastodon's `source`,
    which apps read to prefill the profile editor and the composer's default visibility."""
    body = await account(actor)
    defaults = await posting_defaults(actor)  # a page's are the public ones
    body["source"] = {
        "note": html_to_text(actor.summary or ""),
        "fields": [{"name": f["name"], "value": f["value"], "verified_at": None} for f in actor.profile_fields or []],
        "privacy": defaults.visibility, "sensitive": defaults.sensitive, "language": defaults.language,
        "follow_requests_count": await Follow.filter(target=actor, state=PENDING).count(),
    }
    return body


async def status(post: Post, viewer: Actor | None = None) -> dict[str, Any]:
    """A Mastodon Status; `viewer` (the token's actor) fills what depends on who asks (a poll's `voted`)."""
    return (await statuses([post], viewer))[0]


async def statuses(posts: list[Post], viewer: Actor | None = None) -> list[dict[str, Any]]:
    """Statuses in the order given, with what they show loaded for the whole list at once (web/api/status_page.py):
    the statement count of a page does not grow with its length. The posts were chosen through
    federation/audience.py by the caller; nothing here reads another post's content."""
    if not posts:
        return []
    page = await load_page(posts, viewer)
    authors = await accounts(await Actor.filter(id__in={post.author_id for post in posts}))
    return [_status_json(post, page, authors[post.author_id], viewer) for post in posts]


def _status_json(post: Post, page: PageData, author: dict[str, Any], viewer: Actor | None) -> dict[str, Any]:
    parent_author = page.parent_authors.get(post.in_reply_to_id) if post.in_reply_to_id else None
    return {
        "id": str(post.id),
        "uri": post.uri,
        "url": post.url or post.uri,
        "created_at": iso(post.published),
        "edited_at": iso(post.edited_at),
        "account": author,
        "content": post.content,
        "text": post.source if post.source is not None else html_to_text(post.content),
        "visibility": post.visibility,
        "sensitive": post.sensitive,
        "spoiler_text": post.summary or "",
        "language": post.language,
        "in_reply_to_id": str(post.in_reply_to_id) if post.in_reply_to_id else None,
        "in_reply_to_account_id": str(parent_author) if parent_author is not None else None,
        "replies_count": page.replies.get(post.id, 0),
        "reblogs_count": page.counts.get((post.id, ANNOUNCE), 0),
        "favourites_count": page.counts.get((post.id, LIKE), 0),
        "pinned": post.pinned_at is not None,
        "mentions": [
            {"url": tag["href"], "acct": tag["name"].lstrip("@"), "username": tag["name"].lstrip("@").split("@")[0]}
            for tag in post.tags or [] if tag.get("type") == "Mention"
        ],
        "tags": [
            {"name": tag["name"].lstrip("#"), "url": tag.get("href")} for tag in post.tags or [] if tag.get("type") == "Hashtag"
        ],
        "media_attachments": status_media_items(post, page.media),
        "emojis": [],
        # Moot's additions (Mastodon clients ignore them): Q&A (federation/activities/answers_shape.py).
        "moot": question_fields_of(post, page.answers),
        "reblog": None,
        "poll": page.polls.get(post.id),
        "card": None,
        **_viewer_flags(post, page, viewer),
    }


def _viewer_flags(post: Post, page: PageData, viewer: Actor | None) -> dict[str, Any]:
    """What only the asking account knows: whether it liked, boosted or bookmarked the status."""
    if viewer is None:
        return {}
    kinds = page.viewer_kinds.get(post.id, set())
    return {
        "favourited": LIKE in kinds,
        "reblogged": ANNOUNCE in kinds,
        "bookmarked": post.id in page.bookmarked,
        "muted": False,
    }
