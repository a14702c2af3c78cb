"""Add/Remove: a remote actor pinning its own posts, or moderators of a local group pinning posts and
changing moderators (applied, then relayed by the group)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from federation.groups import relay
from federation.groups.moderation import apply_moderator, apply_pin
from federation.inbox.common import sender
from federation.inbox.moderate import require_moderator
from federation.protocol.activity import ActivityDoc
from federation.protocol.common import ProtocolError
from federation.resolve import get_actor
from models.actors import Actor
from models.posts import Post

if TYPE_CHECKING:
    from federation.context import FederationContext


async def _group_for_target(target: str | None) -> Actor | None:
    """The local group whose featured or moderators collection is the target."""
    if not target:
        return None
    return await Actor.filter(
        Q(featured_url=target) | Q(moderators_url=target), type="Group", is_local=True, deleted_at=None
    ).first()


async def _apply(ctx: "FederationContext", activity: ActivityDoc, added: bool) -> None:
    group = await _group_for_target(activity.target_id)
    if group is not None:
        await _moderate_group(ctx, group, activity, added)
        return
    actor = await sender(ctx, activity)
    if actor.featured_url and activity.target_id == actor.featured_url:
        pinned_at = datetime.now(timezone.utc) if added else None
        await Post.filter(uri=activity.object_id, author=actor).update(pinned_at=pinned_at)


async def _moderate_group(ctx: "FederationContext", group: Actor, activity: ActivityDoc, added: bool) -> None:
    await require_moderator(ctx, group, activity)
    async with in_transaction():
        if activity.target_id == group.featured_url:
            post = await Post.filter(uri=activity.object_id, group=group).first()
            if post is None:
                raise ProtocolError(f"{activity.object_id} is not a post in {group.uri}")
            await apply_pin(post, added)
        else:
            await apply_moderator(group, await get_actor(ctx, activity.object_id or ""), added)
        await relay.announce(ctx, group, activity.raw)
    ctx.wake()


async def on_add(ctx: "FederationContext", activity: ActivityDoc) -> None:
    await _apply(ctx, activity, True)


async def on_remove(ctx: "FederationContext", activity: ActivityDoc) -> None:
    await _apply(ctx, activity, False)
