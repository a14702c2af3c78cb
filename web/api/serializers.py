"""Mastodon client API shapes for accounts and statuses."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from federation.activities.answers_shape import question_fields
from federation.content import html_to_text
from federation.people.posting_defaults import posting_defaults
from federation.render import iso
from models.actors import Actor
from models.client_state import Bookmark
from models.follows import ACCEPTED, PENDING, Follow
from models.posts import ANNOUNCE, LIKE, Interaction, Post
from web.api.polls import status_poll
from web.media import status_media_json


async def account(actor: Actor) -> dict[str, Any]:
    followers = await Follow.filter(target=actor, state=ACCEPTED).count()
    following = await Follow.filter(follower=actor, state=ACCEPTED).count()
    statuses = await Post.filter(author=actor, deleted_at=None).count()
    avatar = actor.icon_url or await _missing(actor, "avatar-missing.png")
    header = actor.image_url or await _missing(actor, "header-missing.png")
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
        "statuses_count": statuses,
        "fields": [{"name": f["name"], "value": f["value"], "verified_at": None} for f in actor.profile_fields or []],
        "emojis": [],
        "moot": {"type": actor.type, "category": actor.category},
    }


async def _missing(actor: Actor, file_name: str) -> str:
    """This server's stand-in picture (web/static), as an absolute URL on this server's origin."""
    uri = actor.uri if actor.is_local else await Actor.filter(is_local=True).order_by("id").first() \
        .values_list("uri", flat=True)
    parts = urlsplit(str(uri or ""))
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


async def status(post: Post, viewer: Actor | None = None,
                 accounts: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    """A Mastodon Status; `viewer` (the token's actor) fills what depends on who asks (a poll's `voted`).
    `accounts` caches account JSON by actor id across the statuses of one list."""
    await post.fetch_related("author")
    accounts = {} if accounts is None else accounts
    if post.author_id not in accounts:
        accounts[post.author_id] = await account(post.author)
    counts = {
        kind: await Interaction.filter(post=post, kind=kind).count() for kind in (LIKE, ANNOUNCE)
    }
    replies = await Post.filter(in_reply_to=post, deleted_at=None).count()
    parent = await Post.filter(id=post.in_reply_to_id).first() if post.in_reply_to_id else None
    return {
        "id": str(post.id),
        "uri": post.uri,
        "url": post.url or post.uri,
        "created_at": iso(post.published),
        "edited_at": iso(post.edited_at),
        "account": accounts[post.author_id],
        "content": post.content,
        "text": post.source if post.source is not None else html_to_text(post.content),
        "visibility": post.visibility,
        "sensitive": post.sensitive,
        "spoiler_text": post.summary or "",
        "language": post.language,
        "in_reply_to_id": str(post.in_reply_to_id) if post.in_reply_to_id else None,
        "in_reply_to_account_id": str(parent.author_id) if parent else None,
        "replies_count": replies,
        "reblogs_count": counts[ANNOUNCE],
        "favourites_count": counts[LIKE],
        "pinned": post.pinned_at is not None,
        "mentions": [
            {"url": tag["href"], "acct": tag["name"].lstrip("@"), "username": tag["name"].lstrip("@").split("@")[0]}
            for tag in post.tags or [] if tag.get("type") == "Mention"
        ],
        "tags": [
            {"name": tag["name"].lstrip("#"), "url": tag.get("href")} for tag in post.tags or [] if tag.get("type") == "Hashtag"
        ],
        "media_attachments": await status_media_json(post),
        "emojis": [],
        # Moot's additions (Mastodon clients ignore them): Q&A (federation/activities/answers_shape.py).
        "moot": await question_fields(post),
        "reblog": None,
        "poll": await status_poll(post, viewer),
        "card": None,
        **(await _viewer_flags(post, viewer)),
    }


async def _viewer_flags(post: Post, viewer: Actor | None) -> dict[str, Any]:
    """What only the asking account knows: whether it liked, boosted or bookmarked the status."""
    if viewer is None:
        return {}
    kinds = set(await Interaction.filter(post=post, actor=viewer, kind__in=(LIKE, ANNOUNCE))
                .values_list("kind", flat=True))
    return {
        "favourited": LIKE in kinds,
        "reblogged": ANNOUNCE in kinds,
        "bookmarked": await Bookmark.filter(post=post, actor=viewer).exists(),
        "muted": False,
    }


async def statuses(posts: list[Post], viewer: Actor | None = None) -> list[dict[str, Any]]:
    """Statuses in the order given; each author's account is built once for the whole list."""
    accounts: dict[int, dict[str, Any]] = {}
    return [await status(post, viewer, accounts) for post in posts]
