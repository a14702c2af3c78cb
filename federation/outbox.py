"""Recording outbound activities: one OutboundActivity row plus one FanOut row, in the caller's transaction."""
from __future__ import annotations

from typing import Any, Iterable

from federation.queue import utcnow
from models.actors import Actor
from models.queues import FanOut, OutboundActivity


async def publish(
    actor: Actor,
    activity: dict[str, Any],
    *,
    to_followers: bool,
    inboxes: Iterable[str] = (),
    public: bool = False,
) -> OutboundActivity:
    """Store `activity` and promise its delivery to the actor's followers and/or the given inboxes.

    Call inside the transaction that makes the change the activity describes, so the change and the
    promise to tell others about it commit together. Then call ctx.wake() after the commit.
    """
    row = await OutboundActivity.create(
        uri=activity["id"], actor=actor, type=activity["type"], payload=activity, public=public
    )
    audience = {"followers_of": actor.id if to_followers else None, "inboxes": sorted(set(inboxes))}
    if audience["followers_of"] is not None or audience["inboxes"]:
        await FanOut.create(activity=row, audience=audience, next_attempt_at=utcnow())
    return row
