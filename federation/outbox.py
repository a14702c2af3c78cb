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
    followers_of: Iterable[Actor] = (),
) -> OutboundActivity:
    """Store `activity` and promise its delivery to the actor's followers and/or the given inboxes, and to
    the followers of `followers_of` (a local group that carries a member's post hears of its edits).

    Each server gets the activity once: the fan-out delivers to distinct inboxes, a shared inbox standing
    in for the personal inboxes on its host (federation/delivery.py).

    Call inside the transaction that makes the change the activity describes, so the change and the
    promise to tell others about it commit together. Then call ctx.wake() after the commit.
    """
    row = await OutboundActivity.create(
        uri=activity["id"], actor=actor, type=activity["type"], payload=activity, public=public
    )
    audiences = ([actor.id] if to_followers else []) + [other.id for other in followers_of if other.id != actor.id]
    audience = {"followers_of": sorted(set(audiences)), "inboxes": sorted(set(inboxes))}
    if audience["followers_of"] or audience["inboxes"]:
        await FanOut.create(activity=row, audience=audience, next_attempt_at=utcnow())
    return row
