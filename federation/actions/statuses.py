"""Posting as a local actor: create, edit, delete, pin and like, each federated to the right audience."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from federation import render
from federation.content import find_hashtags, find_mentions, render_text
from federation.outbox import publish
from federation.resolve import ResolveError, resolve_handle
from federation.http import FetchError
from federation.protocol.common import ProtocolError
from federation.vocab import PUBLIC
from models.actors import Actor
from models.posts import LIKE, REPLY, VISIBILITIES, Interaction, Post

if TYPE_CHECKING:
    from federation.context import FederationContext

MAX_STATUS_LENGTH = 5000


class ActionError(Exception):
    """A local action cannot be done; status is the HTTP status an API answers with."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class StatusInput:
    text: str
    visibility: str = "public"
    in_reply_to: Post | None = None
    spoiler_text: str = ""
    sensitive: bool = False
    language: str | None = None


def addressing(visibility: str, followers_url: str, mentioned: list[str]) -> tuple[list[str], list[str]]:
    """to/cc for a visibility, as Mastodon addresses them."""
    if visibility == "public":
        return [PUBLIC], [followers_url, *mentioned]
    if visibility == "unlisted":
        return [followers_url], [PUBLIC, *mentioned]
    if visibility == "private":
        return [followers_url], mentioned
    return mentioned, []


def _validate(data: StatusInput) -> None:
    if not data.text.strip():
        raise ActionError("status text is empty")
    if len(data.text) > MAX_STATUS_LENGTH:
        raise ActionError(f"status text is longer than {MAX_STATUS_LENGTH} characters")
    if data.visibility not in VISIBILITIES:
        raise ActionError(f"visibility must be one of {', '.join(VISIBILITIES)}")


async def _resolve_mentions(ctx: "FederationContext", text: str) -> dict[str, Actor]:
    """Mentions that resolve to an actor; unknown handles stay plain text, as on Mastodon."""
    found: dict[str, Actor] = {}
    for ref in find_mentions(text):
        handle = f"{ref.username}@{ref.domain or ctx.host}"
        try:
            found[ref.text] = await resolve_handle(ctx, handle)
        except (ResolveError, FetchError, ProtocolError):
            continue
    return found


async def _render(ctx: "FederationContext", data: StatusInput) -> tuple[str, list[dict[str, Any]], list[Actor]]:
    mentions = await _resolve_mentions(ctx, data.text)
    html = render_text(
        data.text,
        mention_urls={text: actor.url or actor.uri for text, actor in mentions.items()},
        tag_url=ctx.urls.tag,
    )
    unique = list({actor.id: actor for actor in mentions.values()}.values())
    tags: list[dict[str, Any]] = [
        {"type": "Mention", "href": actor.uri, "name": f"@{actor.username}@{actor.domain}"} for actor in unique
    ]
    tags += [{"type": "Hashtag", "href": ctx.urls.tag(tag), "name": f"#{tag}"} for tag in find_hashtags(data.text)]
    return html, tags, unique


async def _audience_inboxes(post: Post) -> list[str]:
    """Remote inboxes beyond the followers: mentioned actors and the author of the parent post."""
    mentioned = [tag["href"] for tag in post.tags or [] if tag.get("type") == "Mention"]
    actors = await Actor.filter(uri__in=mentioned, is_local=False)
    inboxes = [actor.inbox for actor in actors]
    if post.in_reply_to_id:
        parent = await Post.filter(id=post.in_reply_to_id).prefetch_related("author").first()
        if parent is not None and not parent.author.is_local:
            inboxes.append(parent.author.inbox)
    return inboxes


async def _publish_post_activity(
    ctx: "FederationContext", actor: Actor, post: Post, activity_type: str, obj: Any
) -> None:
    activity = render.activity(
        ctx.urls.new_activity(), activity_type, actor.uri, obj, to=post.to, cc=post.cc
    )
    await publish(
        actor,
        activity,
        to_followers=post.visibility != "direct",
        inboxes=await _audience_inboxes(post),
        public=post.visibility in ("public", "unlisted"),
    )


async def create_status(ctx: "FederationContext", actor: Actor, data: StatusInput) -> Post:
    _validate(data)
    html, tags, mentioned = await _render(ctx, data)
    parent = data.in_reply_to
    mentioned_uris = [a.uri for a in mentioned]
    if parent is not None:
        await parent.fetch_related("author")
        if parent.author.uri not in mentioned_uris and parent.author.id != actor.id:
            mentioned_uris.append(parent.author.uri)
    to, cc = addressing(data.visibility, actor.followers_url or "", mentioned_uris)
    post = Post(
        uri=ctx.urls.new_post(),
        author=actor,
        type="Note",
        is_local=True,
        content=html,
        source=data.text,
        summary=data.spoiler_text or None,
        sensitive=data.sensitive or bool(data.spoiler_text),
        language=data.language,
        visibility=data.visibility,
        in_reply_to=parent,
        in_reply_to_uri=parent.uri if parent else None,
        to=to,
        cc=cc,
        tags=tags,
        published=datetime.now(timezone.utc),
    )
    async with in_transaction():
        await post.save()
        await _publish_post_activity(ctx, actor, post, "Create", render.render_post(post, actor.uri))
        if parent is not None and parent.is_local and parent.author_id != actor.id:
            await Interaction.create(kind=REPLY, actor=actor, post=parent, activity_uri=post.uri)
    ctx.wake()
    return post


async def edit_status(ctx: "FederationContext", actor: Actor, post: Post, data: StatusInput) -> Post:
    _require_author(actor, post)
    _validate(StatusInput(text=data.text, visibility=post.visibility))
    html, tags, _ = await _render(ctx, data)
    post.content, post.source, post.tags = html, data.text, tags
    post.summary = data.spoiler_text or None
    post.sensitive = data.sensitive or bool(data.spoiler_text)
    post.language = data.language or post.language
    post.edited_at = datetime.now(timezone.utc)
    async with in_transaction():
        await post.save()
        await _publish_post_activity(ctx, actor, post, "Update", render.render_post(post, actor.uri))
    ctx.wake()
    return post


async def delete_status(ctx: "FederationContext", actor: Actor, post: Post) -> None:
    _require_author(actor, post)
    post.deleted_at = datetime.now(timezone.utc)
    post.pinned_at = None
    async with in_transaction():
        await post.save()
        await _publish_post_activity(ctx, actor, post, "Delete", {"id": post.uri, "type": "Tombstone"})
    ctx.wake()


async def pin_status(ctx: "FederationContext", actor: Actor, post: Post, pinned: bool) -> Post:
    _require_author(actor, post)
    if pinned and post.visibility not in ("public", "unlisted"):
        raise ActionError("only public and unlisted posts can be pinned")
    if (post.pinned_at is not None) == pinned:
        return post
    post.pinned_at = datetime.now(timezone.utc) if pinned else None
    activity = render.activity(
        ctx.urls.new_activity(),
        "Add" if pinned else "Remove",
        actor.uri,
        post.uri,
        target=actor.featured_url,
        to=[PUBLIC],
        cc=[actor.followers_url or ""],
    )
    async with in_transaction():
        await post.save()
        await publish(actor, activity, to_followers=True, public=True)
    ctx.wake()
    return post


async def unpin_status(ctx: "FederationContext", actor: Actor, post: Post) -> Post:
    return await pin_status(ctx, actor, post, False)


def _require_author(actor: Actor, post: Post) -> None:
    if post.author_id != actor.id:
        raise ActionError("this post belongs to someone else", status=403)
    if post.deleted_at is not None:
        raise ActionError("this post was deleted", status=404)


async def like(ctx: "FederationContext", actor: Actor, post: Post) -> None:
    await post.fetch_related("author")
    if await Interaction.filter(kind=LIKE, actor=actor, post=post).exists():
        return
    like_uri = ctx.urls.new_activity()
    async with in_transaction():
        await Interaction.create(kind=LIKE, actor=actor, post=post, activity_uri=like_uri)
        if not post.author.is_local:
            activity = render.activity(like_uri, "Like", actor.uri, post.uri)
            await publish(actor, activity, to_followers=False, inboxes=[post.author.inbox])
    ctx.wake()


async def unlike(ctx: "FederationContext", actor: Actor, post: Post) -> None:
    await post.fetch_related("author")
    existing = await Interaction.filter(kind=LIKE, actor=actor, post=post).first()
    if existing is None:
        return
    async with in_transaction():
        await Interaction.filter(id=existing.id).delete()
        if not post.author.is_local:
            undo = render.activity(
                ctx.urls.new_activity(),
                "Undo",
                actor.uri,
                {"id": existing.activity_uri, "type": "Like", "actor": actor.uri, "object": post.uri},
            )
            await publish(actor, undo, to_followers=False, inboxes=[post.author.inbox])
    ctx.wake()
