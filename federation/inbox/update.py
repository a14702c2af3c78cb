"""Update of a post or of an actor's profile. Only the owner may update (CVE-2024-37903)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from federation.activities.answers_shape import question_update_fields
from federation.activities.polls_remote import update_remote_poll
from federation.activities.events_remote import store_remote_event
from federation.groups import relay
from federation.inbox.common import is_group_owned, local_group_of, sender
from federation.protocol.activity import ActivityDoc
from federation.protocol.common import ProtocolError
from federation.protocol.objects import parse_object
from federation.remote_posts import edited_fields
from federation.resolve import get_actor
from federation.update_order import is_stale, version_fields, version_of
from models.posts import Post

if TYPE_CHECKING:
    from federation.context import FederationContext


async def on_update_post(ctx: "FederationContext", activity: ActivityDoc) -> None:
    doc = parse_object(activity.object or {})
    post = await Post.filter(uri=doc.id).prefetch_related("author").first()
    if post is None:
        return  # never stored: nothing to update
    author = await sender(ctx, activity)
    if post.author.uri != activity.actor or (
        doc.attributed_to not in (None, activity.actor) and not await is_group_owned(ctx, activity, doc, author)
    ):
        raise ProtocolError(f"{activity.actor} may not update {doc.id}, which belongs to {post.author.uri}")
    version = version_of(activity, doc)
    if is_stale(post, version):
        return  # a newer Update was already applied
    fields = edited_fields(doc, author, doc.updated)
    fields.update(await question_update_fields(post, doc))  # Q&A: acceptedAnswer (federation/activities)
    group = await local_group_of(post)
    async with in_transaction():
        # Polls: an Update{Question} with only new counts (no `updated`) is not an edit of the post.
        if not await update_remote_poll(post, doc):
            await Post.filter(id=post.id).update(**fields, **version_fields(version))
        elif version is not None:
            await Post.filter(id=post.id).update(**version_fields(version))
        await store_remote_event(post, doc.raw)  # events: new time, place, status or counts
        if group is not None:
            await relay.announce(ctx, group, activity.raw)
    ctx.wake()


async def on_update_actor(ctx: "FederationContext", activity: ActivityDoc) -> None:
    # The embedded profile is not believed: refetch it from its origin.
    if activity.object_id != activity.actor:
        raise ProtocolError(f"{activity.actor} may not update actor {activity.object_id}")
    await get_actor(ctx, activity.actor, refresh=True)
