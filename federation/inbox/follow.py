"""Follow: a remote actor asks to follow a local one."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from federation import actions
from federation.inbox.common import local_actor, sender
from federation.protocol.activity import ActivityDoc

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)


async def on_follow(ctx: "FederationContext", activity: ActivityDoc) -> None:
    target = await local_actor(activity.object_id)
    if target is None or target.type == "Application":
        log.info("Follow %s of %s: no such followable local actor", activity.id, activity.object_id)
        return
    follower = await sender(ctx, activity)
    await actions.receive_follow(ctx, follower, target, activity.id)
