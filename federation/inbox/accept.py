"""Accept and Reject of a Follow a local actor sent."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from federation import notifications
from federation.activities import events_inbox
from federation.protocol.activity import ActivityDoc
from federation.protocol.common import id_of
from models.follows import ACCEPTED, Follow

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)


async def _find_follow(activity: ActivityDoc) -> Follow | None:
    """The local actor's Follow that this Accept/Reject answers: by the Follow's id, or by who follows whom."""
    query = Follow.filter(target__uri=activity.actor, follower__is_local=True)
    if activity.object_id:
        follow = await query.filter(activity_uri=activity.object_id).first()
        if follow is not None:
            return follow
    if activity.object is not None:
        follower = id_of(activity.object.get("actor"))
        if follower:
            return await query.filter(follower__uri=follower).first()
    return None


async def on_accept(ctx: "FederationContext", activity: ActivityDoc) -> None:
    if await events_inbox.on_answer(ctx, activity, accepted=True):  # of a Join to an event elsewhere
        return
    follow = await _find_follow(activity)
    if follow is None:
        log.info("Accept %s matches no pending follow", activity.id)
        return
    await Follow.filter(id=follow.id).update(state=ACCEPTED, accepted_at=datetime.now(timezone.utc))
    if follow.state != ACCEPTED:
        await notifications.join_answered(follow, accepted=True)  # a remote group let a local person in


async def on_reject(ctx: "FederationContext", activity: ActivityDoc) -> None:
    if await events_inbox.on_answer(ctx, activity, accepted=False):  # of a Join to an event elsewhere
        return
    # A Reject of an accepted follow removes it too (the remote side removed us).
    follow = await _find_follow(activity)
    if follow is not None:
        await Follow.filter(id=follow.id).delete()
        if follow.state != ACCEPTED:
            await notifications.join_answered(follow, accepted=False)  # a remote group declined
