"""Like of a local post: recorded for insights."""
from __future__ import annotations

from typing import TYPE_CHECKING

from federation.inbox.common import local_post, sender
from federation.protocol.activity import ActivityDoc
from models.posts import LIKE, Interaction

if TYPE_CHECKING:
    from federation.context import FederationContext


async def on_like(ctx: "FederationContext", activity: ActivityDoc) -> None:
    post = await local_post(activity.object_id)
    if post is None:
        return
    actor = await sender(ctx, activity)
    await Interaction.get_or_create(defaults={"kind": LIKE, "actor": actor, "post": post}, activity_uri=activity.id)
