"""Like and Dislike of a local post, or of any post in a local group (which relays the vote)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from federation.groups import relay
from federation import audience, notifications
from federation.groups.access import active_ban
from federation.inbox.common import sender
from federation.protocol.activity import ActivityDoc
from federation.protocol.common import ProtocolError
from models.actors import Actor
from models.posts import DISLIKE, LIKE, Interaction, Post

if TYPE_CHECKING:
    from federation.context import FederationContext


async def on_like(ctx: "FederationContext", activity: ActivityDoc) -> None:
    post = await Post.filter(uri=activity.object_id, deleted_at=None).first()
    if post is None:
        return
    group = await Actor.filter(id=post.group_id, is_local=True).first() if post.group_id else None
    if not post.is_local and group is None:
        return
    actor = await sender(ctx, activity)
    if group is not None and await active_ban(group, actor) is not None:
        raise ProtocolError(f"{actor.uri} is banned from {group.uri}")
    if not await audience.may_see_post(post, audience.viewer_of(actor)):
        raise ProtocolError(f"{actor.uri} may not see {post.uri} (not in its audience), so may not vote on it")
    kind = DISLIKE if activity.type == "Dislike" else LIKE
    async with in_transaction():
        # One vote per person and post: a Dislike after a Like replaces it (as on Lemmy).
        await Interaction.filter(post=post, actor=actor, kind__in=[LIKE, DISLIKE]).exclude(activity_uri=activity.id).delete()
        _, created = await Interaction.get_or_create(
            defaults={"kind": kind, "actor": actor, "post": post}, activity_uri=activity.id
        )
        if created and group is not None:
            await relay.announce(ctx, group, activity.raw)
        if created and kind == LIKE:
            await notifications.interaction("favourite", actor, post, activity.id)
    ctx.wake()
