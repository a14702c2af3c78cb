"""Undo of a Follow, a vote or boost, a deletion or removal, a lock, or a ban."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from federation import actions
from federation.groups import relay
from federation.groups.moderation import apply_lock, apply_restore, apply_unban
from federation.inbox.common import local_actor, local_group_of
from federation.inbox.moderate import require_moderator
from federation.people.blocks import record_inbound_unblock
from federation.protocol.activity import ActivityDoc, parse_activity
from federation.protocol.common import ProtocolError, id_of
from models.actors import Actor
from models.follows import Follow
from models.posts import Interaction, Post

if TYPE_CHECKING:
    from federation.context import FederationContext


async def on_undo(ctx: "FederationContext", activity: ActivityDoc) -> None:
    undone_type = activity.object_type if activity.object else None
    if undone_type in (None, "Follow"):
        follow = await _follow_to_undo(activity)
        if follow is not None:
            await actions.end_follow(follow)
            return
    if undone_type in (None, "Like", "Announce", "Dislike") and activity.object_id:
        await _undo_interaction(ctx, activity)
    elif undone_type in ("Delete", "Lock", "Block") and activity.object is not None:
        inner = parse_activity(activity.object)
        if inner.actor != activity.actor:
            raise ProtocolError(f"{activity.actor} may not undo an activity of {inner.actor}")
        await _undo_moderation(ctx, activity, inner)


async def _undo_interaction(ctx: "FederationContext", activity: ActivityDoc) -> None:
    # Only the actor who voted may undo: the filter on actor enforces ownership.
    interaction = await Interaction.filter(activity_uri=activity.object_id, actor__uri=activity.actor).first()
    if interaction is None:
        return
    post = await Post.get(id=interaction.post_id)
    group = await local_group_of(post)
    async with in_transaction():
        await Interaction.filter(id=interaction.id).delete()
        if group is not None:
            await relay.announce(ctx, group, activity.raw)
    ctx.wake()


async def _undo_moderation(ctx: "FederationContext", activity: ActivityDoc, inner: ActivityDoc) -> None:
    if inner.type == "Block" and not inner.target_id:  # a personal block lifted (federation/people)
        await record_inbound_unblock(activity.actor, inner.object_id)
        return
    if inner.type == "Block":
        group = await local_actor(inner.target_id)
        target = await Actor.filter(uri=inner.object_id or "").first()
        if group is None or target is None:
            return
        await require_moderator(ctx, group, activity)
        async with in_transaction():
            await apply_unban(group, target)
            await relay.announce(ctx, group, activity.raw)
        ctx.wake()
        return
    post = await Post.filter(uri=inner.object_id or "").prefetch_related("author").first()
    group = await local_group_of(post) if post is not None else None
    if post is None:
        return
    if inner.type == "Delete" and post.author.uri == activity.actor and not post.is_local:
        await Post.filter(id=post.id).update(deleted_at=None)  # the author takes back a deletion
    elif group is None:
        return
    else:
        await require_moderator(ctx, group, activity)
        if inner.type == "Delete":
            await apply_restore(post)
        else:
            await apply_lock(post, False)
    if group is not None:
        async with in_transaction():
            await relay.announce(ctx, group, activity.raw)
        ctx.wake()


async def _follow_to_undo(activity: ActivityDoc) -> Follow | None:
    query = Follow.filter(follower__uri=activity.actor)
    if activity.object_id:
        follow = await query.filter(activity_uri=activity.object_id).prefetch_related("follower").first()
        if follow is not None:
            return follow
    target = id_of(activity.object.get("object")) if activity.object else None
    if target:
        return await query.filter(target__uri=target).prefetch_related("follower").first()
    return None
