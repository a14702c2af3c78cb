"""Lock and Block from moderators of a local group, applied and relayed by the group."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from federation.groups import relay
from federation.groups.access import is_moderator
from federation.groups.moderation import apply_ban, apply_lock
from federation.inbox.common import local_actor, local_group_of, sender
from federation.protocol.activity import ActivityDoc
from federation.protocol.common import ProtocolError
from federation.resolve import get_actor
from federation.insights.events import remove_follows
from federation.people.blocks import record_inbound_block
from models.actors import Actor
from models.follows import Follow
from models.insights import LOST_BLOCK
from models.posts import Post

if TYPE_CHECKING:
    from federation.context import FederationContext


async def require_moderator(ctx: "FederationContext", group: Actor, activity: ActivityDoc) -> Actor:
    """Moderation of a local group is believed only from that group's moderators."""
    moderator = await sender(ctx, activity)
    if not await is_moderator(group, moderator):
        raise ProtocolError(f"{activity.actor} is not a moderator of {group.uri}")
    return moderator


async def on_lock(ctx: "FederationContext", activity: ActivityDoc) -> None:
    post = await Post.filter(uri=activity.object_id).first()
    group = await local_group_of(post) if post is not None else None
    if post is None or group is None:
        return
    await require_moderator(ctx, group, activity)
    async with in_transaction():
        await apply_lock(post, True)
        await relay.announce(ctx, group, activity.raw)
    ctx.wake()


async def on_block(ctx: "FederationContext", activity: ActivityDoc) -> None:
    if not activity.target_id and activity.object_id:
        # Someone blocked a local actor: they no longer follow it (a lost follower of a page or group).
        blocked = await local_actor(activity.object_id)
        if blocked is not None:
            await remove_follows(await Follow.filter(follower__uri=activity.actor, target=blocked), LOST_BLOCK)
            if blocked.type not in ("Group", "Application"):  # a personal block: blocked_by (federation/people)
                await record_inbound_block(await sender(ctx, activity), blocked, activity.id)
        return
    group = await local_actor(activity.target_id)
    if group is None or group.type != "Group" or not activity.object_id:
        return  # a person-to-person block, or a ban in a group that is not ours: nothing to do here
    await require_moderator(ctx, group, activity)
    target = await get_actor(ctx, activity.object_id)
    remove_data = activity.raw.get("removeData") is True
    async with in_transaction():
        await apply_ban(group, target, activity.summary or "", activity.end_time, remove_data, activity.id)
        await relay.announce(ctx, group, activity.raw)
    ctx.wake()
