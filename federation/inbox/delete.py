"""Delete of a post, or of an actor (its data goes with it)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from federation.protocol.activity import ActivityDoc
from models.actors import Actor
from models.follows import Follow
from models.posts import Interaction, Post

if TYPE_CHECKING:
    from federation.context import FederationContext


async def on_delete(ctx: "FederationContext", activity: ActivityDoc) -> None:
    if activity.object_id == activity.actor:
        await _delete_actor(ctx, activity.actor)
        return
    now = datetime.now(timezone.utc)
    # Ownership is part of the filter: an actor can only delete its own posts.
    await Post.filter(uri=activity.object_id, author__uri=activity.actor, is_local=False).update(
        deleted_at=now, content="", name=None, summary=None, attachments=[]
    )


async def _delete_actor(ctx: "FederationContext", uri: str) -> None:
    actor = await Actor.filter(uri=uri, is_local=False).first()
    if actor is None:
        return
    async with in_transaction():
        await Follow.filter(follower=actor).delete()
        await Follow.filter(target=actor).delete()
        await Interaction.filter(actor=actor).delete()
        await Post.filter(author=actor).delete()
        await Actor.filter(id=actor.id).update(
            deleted_at=datetime.now(timezone.utc), display_name=None, summary="", profile_fields=[], icon_url=None
        )
    if actor.public_key_id:
        ctx.keys.forget(actor.public_key_id)
