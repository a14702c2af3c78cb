"""Posting as a local actor: create, edit, delete, pin and like, each federated to the right audience."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from tortoise.transactions import in_transaction

from federation import render
from federation.addressees import record_addressees
from federation.activities.checkins_replies import record_reply as record_checkin_reply
from federation.activities.polls import create_poll, poll_problem
from federation.post_documents import post_document
from federation.content import find_hashtags, find_mentions, render_text
from federation.groups import relay
from federation import notifications
from federation.groups.intake import decide
from federation.media_store import remove_post_media
from federation.policy.screening import keep_for_review
from federation.outbox import publish
from federation.resolve import ResolveError, resolve_handle
from federation.http import FetchError
from federation.protocol.common import ProtocolError
from federation.vocab import PUBLIC
from models.actors import Actor
from models.groups import ACCEPT, REJECT
from models.posts import LIKE, REPLY, VISIBILITIES, Interaction, Post

if TYPE_CHECKING:
    from federation.context import FederationContext

MAX_STATUS_LENGTH = 5000
MAX_ATTACHMENTS = 4


class ActionError(Exception):
    """A local action cannot be done; status is the HTTP status an API answers with."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class PollInput:
    """A poll as Mastodon's API takes it: 2-10 options, seconds until it closes, one or several choices."""

    options: tuple[str, ...]
    expires_in: int
    multiple: bool = False
    hide_totals: bool = False


@dataclass(frozen=True)
class StatusInput:
    text: str
    visibility: str = "public"
    in_reply_to: Post | None = None
    spoiler_text: str = ""
    sensitive: bool = False
    language: str | None = None
    # A post into a group: given directly, or found from a mentioned group or the thread.
    group: Actor | None = None
    title: str | None = None
    # Already-built attachment documents ({"type": "Image", "mediaType", "url", "name", "width", "height"}).
    attachments: tuple[dict[str, Any], ...] = ()
    # A poll makes the post a Question (federation/activities/polls.py).
    poll: PollInput | None = None
    # A thread asked as a question: a reply can be accepted as its answer (federation/activities/answers.py).
    is_question: bool = False
    # An activity that makes its own kind of post (events: "Event") gives its type, and what to save with the
    # post in the same transaction before its document is built (an event's time and place).
    post_type: str | None = None
    save_with: Callable[[Post], Awaitable[None]] | None = None


def group_addressing(group: Actor, followers_url: str, mentioned: list[str]) -> tuple[list[str], list[str]]:
    """Lemmy-style: to the group (and Public unless the group is private), never Public for a private group."""
    if group.manually_approves:
        return [group.uri], [group.followers_url or ""]
    return [group.uri, PUBLIC], [followers_url, *mentioned]


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
    if not data.text.strip() and not data.attachments and data.poll is None:  # a poll is content too
        raise ActionError("status text is empty")
    if data.poll is not None and (problem := poll_problem(data.poll, len(data.attachments))):
        raise ActionError(problem)
    if len(data.attachments) > MAX_ATTACHMENTS:
        raise ActionError(f"a status can have at most {MAX_ATTACHMENTS} attachments")
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


async def render_status_text(
    ctx: "FederationContext", data: StatusInput
) -> tuple[str, list[dict[str, Any]], list[Actor]]:
    """The text as HTML with its Mention and Hashtag tags, and the actors it mentions."""
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


async def _audience_inboxes(post: Post, group: Actor | None) -> list[str]:
    """Remote inboxes beyond the followers: mentioned actors, the author of the parent post, a remote group.

    A private group's content reaches its members only, through the group: a mention does not widen that.
    """
    if group is not None and group.manually_approves:
        return [] if group.is_local else [group.inbox]
    mentioned = [tag["href"] for tag in post.tags or [] if tag.get("type") == "Mention"]
    actors = await Actor.filter(uri__in=mentioned, is_local=False)
    inboxes = [actor.inbox for actor in actors]
    if post.in_reply_to_id:
        parent = await Post.filter(id=post.in_reply_to_id).prefetch_related("author").first()
        if parent is not None and not parent.author.is_local:
            inboxes.append(parent.author.inbox)
    if group is not None and not group.is_local:
        inboxes.append(group.inbox)
    return inboxes


async def publish_post_activity(
    ctx: "FederationContext", actor: Actor, post: Post, activity_type: str, obj: Any, group: Actor | None = None
) -> dict[str, Any]:
    """Send a post's activity to its audience; a local group the post was admitted to relays it.

    The group's followers also get the author's own Update or Delete: Mastodon cannot read the group's
    Announce{Update} or Announce{Delete}, but it applies an Update or Delete from the author of a post it has.
    """
    if group is None and post.group_id:
        group = await Actor.filter(id=post.group_id).first()
    activity = render.activity(
        ctx.urls.new_activity(), activity_type, actor.uri, obj, to=post.to, cc=post.cc,
        audience=group.uri if group else None,
    )
    relayed = group is not None and group.is_local and post.group_id == group.id
    await publish(
        actor,
        activity,
        to_followers=post.visibility in ("public", "unlisted") or (post.visibility == "private" and group is None),
        inboxes=await _audience_inboxes(post, group),
        public=post.visibility in ("public", "unlisted"),
        followers_of=[group] if relayed and group is not None and activity_type in ("Update", "Delete") else [],
    )
    if relayed and group is not None:
        await relay.announce(ctx, group, activity)
    return activity


def _group_from(mentioned: list[Actor], parent_group: Actor | None) -> Actor | None:
    groups = [actor for actor in mentioned if actor.type == "Group"]
    return groups[0] if groups else parent_group


async def create_status(ctx: "FederationContext", actor: Actor, data: StatusInput) -> Post:
    _validate(data)
    html, tags, mentioned = await render_status_text(ctx, data)
    parent = data.in_reply_to
    mentioned_uris = [a.uri for a in mentioned]
    parent_group = None
    if parent is not None:
        await parent.fetch_related("author")
        if parent.author.uri not in mentioned_uris and parent.author.id != actor.id:
            mentioned_uris.append(parent.author.uri)
        parent_group = await Actor.filter(id=parent.group_id).first() if parent.group_id else None
    group = data.group or _group_from(mentioned, parent_group)
    # A local group decides on locks itself (its moderators still reply in a locked thread): decide() below.
    if parent is not None and parent.locked_at is not None and not (group is not None and group.is_local):
        raise ActionError("this thread is locked", status=403)
    decision = await decide(group, actor, parent) if group is not None and group.is_local else None
    if decision is not None and decision.action == REJECT:
        raise ActionError(decision.reason, status=403)
    visibility = data.visibility
    if group is not None:
        to, cc = group_addressing(group, actor.followers_url or "", mentioned_uris)
        visibility = "private" if group.manually_approves else "public"
    else:
        to, cc = addressing(visibility, actor.followers_url or "", mentioned_uris)
    admitted = group is not None and (decision is None or decision.action == ACCEPT)
    post = Post(
        uri=ctx.urls.new_post(),
        author=actor,
        type=data.post_type or ("Question" if data.poll is not None else "Page" if data.title else "Note"),
        is_local=True,
        content=html,
        source=data.text,
        summary=data.spoiler_text or None,
        name=data.title,
        sensitive=data.sensitive or bool(data.spoiler_text),
        language=data.language,
        visibility=visibility,
        in_reply_to=parent,
        in_reply_to_uri=parent.uri if parent else None,
        to=to,
        cc=cc,
        tags=tags,
        attachments=[dict(item) for item in data.attachments],
        group=group if admitted else None,
        # Held or admitted, a post written into a group is for the group's audience (federation/audience.py).
        audience_group=group,
        is_question=data.is_question and parent is None,
        published=datetime.now(timezone.utc),
    )
    async with in_transaction():
        await post.save()
        await record_addressees(post)
        if data.poll is not None:  # a Question: its poll, before its document is built
            await create_poll(post, data.poll)
        if data.save_with is not None:
            await data.save_with(post)
        obj = await post_document(post, actor.uri, audience=group.uri if group else None)
        activity = await publish_post_activity(ctx, actor, post, "Create", obj, group)
        if group is not None and not admitted:
            await keep_for_review(group, actor, activity, decision.reason if decision else "held")
        if parent is not None and parent.is_local and parent.author_id != actor.id:
            await Interaction.create(kind=REPLY, actor=actor, post=parent, activity_uri=post.uri)
        if parent is not None and admitted:  # a reply to a check-in day's thread is a check-in
            await record_checkin_reply(post, actor, group)
        await notifications.post_stored(post)  # replies and mentions (federation/notifications)
    ctx.wake()
    return post


async def edit_status(ctx: "FederationContext", actor: Actor, post: Post, data: StatusInput) -> Post:
    _require_author(actor, post)
    # The images stay as they are; with them, the text may be empty.
    _validate(StatusInput(text=data.text, visibility=post.visibility, attachments=tuple(post.attachments or ())))
    html, tags, _ = await render_status_text(ctx, data)
    post.content, post.source, post.tags = html, data.text, tags
    if data.title and post.name is not None:  # a titled post (a group thread) keeps a title
        post.name = data.title
    post.summary = data.spoiler_text or None
    post.sensitive = data.sensitive or bool(data.spoiler_text)
    post.language = data.language or post.language
    post.edited_at = datetime.now(timezone.utc)
    async with in_transaction():
        await post.save()  # the audience stays as created (federation/audience.py): an edit does not widen it
        group_uri = (await Actor.get(id=post.group_id)).uri if post.group_id else None
        await publish_post_activity(ctx, actor, post, "Update", await post_document(post, actor.uri, audience=group_uri))
    ctx.wake()
    return post


async def delete_status(ctx: "FederationContext", actor: Actor, post: Post) -> None:
    _require_author(actor, post)
    post.deleted_at = datetime.now(timezone.utc)
    post.pinned_at = None
    async with in_transaction():
        await post.save()
        await publish_post_activity(ctx, actor, post, "Delete", {"id": post.uri, "type": "Tombstone"})
    ctx.wake()
    await remove_post_media(ctx, [post.id])  # its images go with it (local disk or bucket)


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


async def _vote_inboxes(post: Post) -> tuple[Actor | None, list[str]]:
    """Where a vote goes: the author, and a remote group (Lemmy counts votes it receives); a local group relays."""
    group = await Actor.filter(id=post.group_id).first() if post.group_id else None
    inboxes = [] if post.author.is_local else [post.author.inbox]
    if group is not None and not group.is_local:
        inboxes.append(group.inbox)
    return group, inboxes


async def like(ctx: "FederationContext", actor: Actor, post: Post) -> None:
    await post.fetch_related("author")
    if await Interaction.filter(kind=LIKE, actor=actor, post=post).exists():
        return
    like_uri = ctx.urls.new_activity()
    group, inboxes = await _vote_inboxes(post)
    activity = render.activity(like_uri, "Like", actor.uri, post.uri, audience=group.uri if group else None)
    async with in_transaction():
        await Interaction.create(kind=LIKE, actor=actor, post=post, activity_uri=like_uri)
        await notifications.interaction("favourite", actor, post, like_uri)
        if inboxes:
            await publish(actor, activity, to_followers=False, inboxes=inboxes)
        if group is not None and group.is_local:
            await relay.announce(ctx, group, activity)
    ctx.wake()


async def unlike(ctx: "FederationContext", actor: Actor, post: Post) -> None:
    await post.fetch_related("author")
    existing = await Interaction.filter(kind=LIKE, actor=actor, post=post).first()
    if existing is None:
        return
    group, inboxes = await _vote_inboxes(post)
    undo = render.activity(
        ctx.urls.new_activity(),
        "Undo",
        actor.uri,
        {"id": existing.activity_uri, "type": "Like", "actor": actor.uri, "object": post.uri},
        audience=group.uri if group else None,
    )
    async with in_transaction():
        await Interaction.filter(id=existing.id).delete()
        if inboxes:
            await publish(actor, undo, to_followers=False, inboxes=inboxes)
        if group is not None and group.is_local:
            await relay.announce(ctx, group, undo)
    ctx.wake()
