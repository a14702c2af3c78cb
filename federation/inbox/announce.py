"""Announce (boost) of a local post: recorded for insights.

Announces of remote objects are not stored yet; when they are, the object must be refetched
from its origin rather than believed from the embedded copy.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from federation.inbox.common import local_post, sender
from federation.protocol.activity import ActivityDoc
from models.posts import ANNOUNCE, Interaction

if TYPE_CHECKING:
    from federation.context import FederationContext


async def on_announce(ctx: "FederationContext", activity: ActivityDoc) -> None:
    post = await local_post(activity.object_id)
    if post is None:
        return
    actor = await sender(ctx, activity)
    await Interaction.get_or_create(
        defaults={"kind": ANNOUNCE, "actor": actor, "post": post}, activity_uri=activity.id
    )
