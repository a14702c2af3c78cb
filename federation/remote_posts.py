"""Storing posts from other servers: sanitised, and only when someone here has a reason to see them."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from federation.activities.answers_shape import marks_a_question, question_created
from federation.activities.polls_remote import store_remote_poll
from federation.activities.events_remote import store_remote_event
from federation.addressees import NARROW_VISIBILITIES, record_addressees
from federation import hot_cache, notifications
from federation.content import html_to_text, sanitize_html
from federation.policy.screening import Adjustments
from federation.protocol.objects import ObjectDoc
from federation.reply_links import link_replies
from federation.threads import post_by_uri
from federation.vocab import PUBLIC_ALIASES
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.posts import REPLY, Interaction, Post

if TYPE_CHECKING:
    from federation.context import FederationContext


def visibility_of(doc: ObjectDoc, author: Actor) -> str:
    if any(address in PUBLIC_ALIASES for address in doc.to):
        return "public"
    if any(address in PUBLIC_ALIASES for address in doc.cc):
        return "unlisted"
    if author.followers_url and author.followers_url in (*doc.to, *doc.cc):
        return "private"
    return "direct"


def edited_fields(doc: ObjectDoc, author: Actor, updated: datetime | None) -> dict:
    """What an Update may change: the content, never the author, the date, the thread or the audience (an edit
    that re-addressed a private group's post to Public must not make it public, as on Mastodon)."""
    fields = post_fields(doc, author)
    for name in ("author", "published", "in_reply_to_uri", "visibility", "to", "cc"):
        fields.pop(name)
    fields["edited_at"] = updated or datetime.now(timezone.utc)
    return fields


async def is_relevant(ctx: "FederationContext", doc: ObjectDoc, author: Actor) -> bool:
    """Keep a remote post when a local actor follows its author, is addressed or mentioned, or it replies to a post we have."""
    if await Follow.filter(target=author, state=ACCEPTED, follower__is_local=True).exists():
        return True
    if doc.audience and await Follow.filter(
        target__uri__in=list(doc.audience), state=ACCEPTED, follower__is_local=True
    ).exists():
        return True
    addressed = {*doc.to, *doc.cc, *(tag.href for tag in doc.tags if tag.href)}
    if any(ctx.urls.is_local(address) for address in addressed):
        return True
    return bool(doc.in_reply_to) and await Post.filter(uri=doc.in_reply_to).exists()


def post_fields(doc: ObjectDoc, author: Actor, adjustments: Adjustments | None = None) -> dict:
    adjust = adjustments or Adjustments()
    return {
        "author": author,
        "type": doc.type,
        "is_local": False,
        "content": sanitize_html(doc.content or ""),
        # A content warning is shown as text (HTML in it would show as tags); a description is sanitised HTML.
        "summary": html_to_text(doc.content_warning) or None if doc.content_warning else None,
        "description": sanitize_html(doc.description) or None if doc.description else None,
        "name": doc.name,
        "sensitive": doc.sensitive or adjust.sensitive,
        "limited": adjust.limited,
        "language": doc.language,
        "visibility": visibility_of(doc, author),
        "in_reply_to_uri": doc.in_reply_to,
        "url": doc.url,
        "to": list(doc.to),
        "cc": list(doc.cc),
        "tags": [{k: v for k, v in asdict(tag).items() if v is not None} for tag in doc.tags],
        "attachments": [
            {"type": a.type, "mediaType": a.media_type, "url": a.url, "name": a.name, "width": a.width, "height": a.height}
            for a in doc.attachments
            if not adjust.strip_media
        ],
        "published": doc.published or datetime.now(timezone.utc),
    }


async def store_remote_post(
    doc: ObjectDoc, author: Actor, activity_id: str, group: Actor | None = None, adjustments: Adjustments | None = None
) -> Post:
    """Create the post (or give the stored one); a reply to one of our posts also counts as an interaction.

    Only group intake passes `group` (the group admitted the post): a reply never joins its parent's group
    by itself, so nobody can write into a group by replying from outside it.
    """
    parent = await post_by_uri(doc.in_reply_to) if doc.in_reply_to else None
    fields = post_fields(doc, author, adjustments)
    fields["in_reply_to"] = parent
    fields["group"] = group
    fields["audience_group"] = group
    if group is not None and group.manually_approves:
        fields["visibility"] = "private"  # admitted into a private group: private, whatever its addressing said
    may_defer = group is not None and await _writes_nothing_more(doc, fields, group)
    post, created = await _get_or_create(doc.id, fields, may_defer=may_defer)
    if not created and post.group_id is None and group is not None:
        post.group = post.audience_group = group
        post.visibility = fields["visibility"]
        await post.save(update_fields=["group_id", "audience_group_id", "visibility"])
        await notifications.post_stored(post, author)  # admitted by a group: its replies and mentions now count
    if created:
        await record_addressees(post)
        await question_created(post, doc)  # Q&A: answerCount/acceptedAnswer (federation/activities)
        await store_remote_poll(post, doc)  # polls: a Question's options and counts (federation/activities)
        await store_remote_event(post, doc.raw)  # events: time, place, registration (federation/activities)
        await notifications.post_stored(post, author)  # replies and mentions (federation/notifications)
    if created and parent is not None and parent.is_local:
        await Interaction.get_or_create(
            defaults={"kind": REPLY, "actor": author, "post": parent}, activity_uri=activity_id
        )
    return post


async def _writes_nothing_more(doc: ObjectDoc, fields: dict, group: Actor) -> bool:
    """In an inbox batch, a new group post whose follow-ups in store_remote_post write nothing that names it:
    not narrow (no addressee rows), not a poll, an event or a question, no mention of anyone here (no
    notification), and no parent here or a remote one in a group with no check-ins running (no reply
    notification, interaction or check-in). Its INSERT can then wait for the batch's flush."""
    batch = hot_cache.current()
    if batch is None or fields["visibility"] in NARROW_VISIBILITIES or doc.type not in hot_cache.PLAIN_TYPES:
        return False
    if any(tag.type == "Mention" and (tag.href is None or batch.is_local(tag.href)) for tag in doc.tags):
        return False
    parent = fields["in_reply_to"]
    if parent is not None and (parent.is_local or (await batch.facts(group)).has_checkins):
        return False
    return not marks_a_question(doc.raw)


async def _get_or_create(uri: str, fields: dict, *, may_defer: bool = False) -> tuple[Post, bool]:
    """The stored post, or a new one. In an inbox batch a post the batch knows is new is inserted without
    a lookup: should another worker have inserted it meanwhile, the unique violation undoes this item's work
    (its savepoint, or the whole batch for a plain item) and the worker applies the item again alone. One
    whose follow-ups write nothing (`may_defer`) is inserted with the batch's other new posts in one statement
    at the batch's flush. A post stored alone is linked to the replies that came before it."""
    batch = hot_cache.current()
    if batch is not None and not await batch.may_be_stored(uri):
        if may_defer:
            return await batch.defer_post(uri, fields), True
        await batch.flush_posts_before(fields["in_reply_to"])
        post = await Post.create(uri=uri, **fields)
        batch.stored_new(post)
        return post, True
    if batch is not None and (held := batch.held_back(uri)) is not None:
        return held, False  # the same post again in this batch
    post, created = await Post.get_or_create(defaults=fields, uri=uri)
    if created and batch is not None:
        batch.stored_new(post)
    elif created:  # replies that came first, or its parent stored meanwhile (federation/reply_links.py)
        await link_replies([post.uri], [post.id] if post.in_reply_to_uri and post.in_reply_to_id is None else [])
    return post, created
