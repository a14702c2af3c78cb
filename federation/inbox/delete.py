"""Delete of a post (by its author, or a removal by a moderator of its local group), or of an actor."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from federation.groups import relay
from federation.groups.access import is_moderator
from federation.groups.moderation import apply_removal
from federation.inbox.common import local_group_of, sender
from federation.protocol.activity import ActivityDoc
from federation.protocol.common import ProtocolError
from models.actors import Actor
from federation.insights.events import remove_follows
from models.follows import Follow
from models.insights import LOST_DELETED
from models.posts import Interaction, Post

if TYPE_CHECKING:
    from federation.context import FederationContext


async def on_delete(ctx: "FederationContext", activity: ActivityDoc) -> None:
    if activity.object_id == activity.actor:
        await _delete_actor(ctx, activity.actor)
        return
    post = await Post.filter(uri=activity.object_id).prefetch_related("author").first()
    if post is None:
        return
    group = await local_group_of(post)
    if post.author.uri == activity.actor and not post.is_local:
        # Outside groups a deletion is final and the content goes; in a group (as on Lemmy) the author
        # may undo it, so the content is kept but never shown.
        cleared = {} if post.group_id else {"content": "", "name": None, "summary": None, "attachments": []}
        async with in_transaction():
            await Post.filter(id=post.id).update(deleted_at=datetime.now(timezone.utc), **cleared)
            if group is not None:
                await relay.announce(ctx, group, activity.raw)
        ctx.wake()
        return
    if group is not None and await is_moderator(group, await sender(ctx, activity)):
        async with in_transaction():
            await apply_removal(post, activity.summary)
            await relay.announce(ctx, group, activity.raw)
        ctx.wake()
        return
    if group is not None:
        # Say why, as the other moderation handlers do: only the group's moderators remove others' posts.
        raise ProtocolError(f"{activity.actor} is not a moderator of {group.uri}, so may not remove {activity.object_id}")
    raise ProtocolError(f"{activity.actor} may not delete {activity.object_id}")


async def _delete_actor(ctx: "FederationContext", uri: str) -> None:
    actor = await Actor.filter(uri=uri, is_local=False).first()
    if actor is None:
        return
    async with in_transaction():
        await remove_follows(await Follow.filter(follower=actor), LOST_DELETED)  # each a lost follower
        await Follow.filter(target=actor).delete()
        await Interaction.filter(actor=actor).delete()
        await Post.filter(author=actor).delete()
        await Actor.filter(id=actor.id).update(
            deleted_at=datetime.now(timezone.utc), display_name=None, summary="", profile_fields=[], icon_url=None
        )
    if actor.public_key_id:
        ctx.keys.forget(actor.public_key_id)
