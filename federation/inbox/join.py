"""Mobilizon's Join and Leave of a group (Smithereen's Join is a Follow subtype)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from federation import actions
from federation.activities import events_inbox
from federation.inbox.common import local_actor, sender
from federation.protocol.activity import ActivityDoc
from models.follows import Follow

if TYPE_CHECKING:
    from federation.context import FederationContext


async def on_join(ctx: "FederationContext", activity: ActivityDoc) -> str | None:
    event_post = await events_inbox.local_event(activity.object_id)  # registration for one of our events
    if event_post is not None:
        return await events_inbox.on_join(ctx, activity, event_post)
    group = await local_actor(activity.object_id)
    if group is None or group.type != "Group":
        return
    await actions.receive_follow(ctx, await sender(ctx, activity), group, activity.id, activity_type="Join")


async def on_leave(ctx: "FederationContext", activity: ActivityDoc) -> str | None:
    event_post = await events_inbox.local_event(activity.object_id)
    if event_post is not None:
        return await events_inbox.on_leave(ctx, activity, event_post)
    follow = await Follow.filter(follower__uri=activity.actor, target__uri=activity.object_id).first()
    if follow is not None:
        await actions.end_follow(follow)
