"""Join requests to a private group: a moderator's decision, answered with Accept or Reject and logged."""
from __future__ import annotations

from typing import TYPE_CHECKING

from federation import actions, modlog, notifications
from federation.actions.statuses import ActionError
from federation.groups.access import is_moderator
from models.actors import Actor
from models.follows import PENDING, Follow

if TYPE_CHECKING:
    from federation.context import FederationContext


async def pending_requests(group: Actor) -> list[Follow]:
    """Pending join requests, oldest first, with their followers loaded."""
    return await Follow.filter(target=group, state=PENDING).order_by("id").prefetch_related("follower")


async def decide_join(
    ctx: "FederationContext", moderator: Actor | None, follow: Follow, *, approve: bool, reason: str = "",
) -> None:
    """Approve or reject a pending request. `moderator` None is the operator (the CLI): no role check."""
    group = await Actor.get(id=follow.target_id)
    if moderator is not None and (not group.is_local or not await is_moderator(group, moderator)):
        raise ActionError("only the group's moderators decide its join requests", status=403)
    if follow.state != PENDING:
        raise ActionError("this join request was already decided", status=409)
    await follow.fetch_related("follower")
    await (actions.approve_follow if approve else actions.reject_follow)(ctx, follow)
    await notifications.join_decided(follow.follower, group, approve, reason)
    await modlog.record("join.approved" if approve else "join.rejected", moderator=moderator,
                        target=follow.follower.uri, group=group, reason=reason, public=False,
                        requested_at=follow.created_at.isoformat())  # group insights: how long it waited
