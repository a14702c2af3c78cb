"""Undo of a Follow, Like or Announce the same actor sent earlier."""
from __future__ import annotations

from typing import TYPE_CHECKING

from federation import actions
from federation.protocol.activity import ActivityDoc
from federation.protocol.common import id_of
from models.follows import Follow
from models.posts import Interaction

if TYPE_CHECKING:
    from federation.context import FederationContext


async def on_undo(ctx: "FederationContext", activity: ActivityDoc) -> None:
    undone_type = activity.object.get("type") if activity.object else None
    if undone_type in (None, "Follow"):
        follow = await _follow_to_undo(activity)
        if follow is not None:
            await actions.end_follow(follow)
            return
    if undone_type in (None, "Like", "Announce", "Dislike") and activity.object_id:
        # Only the actor who liked may unlike: the filter on actor enforces ownership.
        await Interaction.filter(activity_uri=activity.object_id, actor__uri=activity.actor).delete()


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
