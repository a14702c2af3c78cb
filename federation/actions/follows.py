"""Following: answering remote follows, and local actors following others."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from federation import notifications, render
from federation.community import joining_dm
from federation.community.subgroups_access import missing_parent_membership, refusal_text
from federation.groups.access import active_ban
from federation.outbox import publish
from federation.people.personal_filters import blocks as personally_blocks
from models.actors import Actor
from models.follows import ACCEPTED, PENDING, Follow
from federation.insights.events import record_follow_gained, record_follow_lost
from models.insights import LOST_REMOVED, LOST_UNDO

if TYPE_CHECKING:
    from federation.context import FederationContext


def _follow_object(follow_uri: str, follower: Actor, target: Actor, activity_type: str = "Follow") -> dict[str, Any]:
    return {"id": follow_uri, "type": activity_type, "actor": follower.uri, "object": target.uri}


async def receive_follow(
    ctx: "FederationContext", follower: Actor, target: Actor, follow_uri: str, activity_type: str = "Follow"
) -> Follow | None:
    """A Follow (or Mobilizon's Join): accept at once, or keep it pending when the target approves by hand.

    Someone banned from a group is answered with Reject and gets no membership.
    """
    # A sub-group open to its parent's members only refuses others, saying why (federation/community/subgroups*).
    needed_parent = await missing_parent_membership(target, follower) if target.type == "Group" else None
    # A person (or page) refuses the follows of an account it blocked (federation/people/blocks.py).
    blocked = target.type != "Group" and await personally_blocks(target, follower)
    if blocked or target.type == "Group" and (
            needed_parent is not None or await active_ban(target, follower) is not None):
        async with in_transaction():
            # The Reject ends any membership on the follower's side (Mastodon drops the follow), so end ours too.
            existing = await Follow.filter(follower=follower, target=target).first()
            if existing is not None:
                await end_follow(existing, LOST_REMOVED)
            await _send_reject(ctx, target, follower, _follow_object(follow_uri, follower, target, activity_type),
                               summary=refusal_text(needed_parent) if needed_parent is not None else None)
        ctx.wake()
        return None
    async with in_transaction():
        follow = await Follow.filter(follower=follower, target=target).first()
        if follow is None:
            follow = await Follow.create(
                follower=follower, target=target, state=PENDING, activity_uri=follow_uri, activity_type=activity_type
            )
        else:
            # A repeated Follow (the remote lost our Accept): answer again with the new id.
            await Follow.filter(id=follow.id).update(activity_uri=follow_uri, activity_type=activity_type)
            follow.activity_uri, follow.activity_type = follow_uri, activity_type
        if follow.state == ACCEPTED or not target.manually_approves:
            await _accept(ctx, follow, follower, target)
        else:  # a group that approves by hand asks its join questions by direct message
            await joining_dm.ask_questions(ctx, follow, follower, target)
        await notifications.follow_received(follow, follower, target)  # a follow, a request, a join request
    ctx.wake()
    return follow


async def _send_reject(ctx: "FederationContext", target: Actor, follower: Actor, follow_object: dict[str, Any],
                       summary: str | None = None) -> None:
    if follower.is_local:
        return
    reject = render.activity(ctx.urls.new_activity(), "Reject", target.uri, follow_object)
    if summary:
        reject["summary"] = summary
    await publish(target, reject, to_followers=False, inboxes=[follower.inbox])


async def approve_follow(ctx: "FederationContext", follow: Follow) -> None:
    await follow.fetch_related("follower", "target")
    async with in_transaction():
        await _accept(ctx, follow, follow.follower, follow.target)
    ctx.wake()


async def _accept(ctx: "FederationContext", follow: Follow, follower: Actor, target: Actor) -> None:
    if follow.state != ACCEPTED:
        now = datetime.now(timezone.utc)
        await Follow.filter(id=follow.id).update(state=ACCEPTED, accepted_at=now)
        follow.state = ACCEPTED
        await record_follow_gained(target, follower)
        await joining_dm.on_member_accepted(ctx, follower, target)  # the group's welcome
    if follower.is_local:
        return
    accept = render.activity(
        ctx.urls.new_activity(), "Accept", target.uri,
        _follow_object(follow.activity_uri or "", follower, target, follow.activity_type),
    )
    await publish(target, accept, to_followers=False, inboxes=[follower.inbox])


async def reject_follow(ctx: "FederationContext", follow: Follow) -> None:
    """Refuse a pending request, or remove an accepted follower (Mastodon then drops the follow)."""
    await follow.fetch_related("follower", "target")
    async with in_transaction():
        await end_follow(follow, LOST_REMOVED)
        follow_object = _follow_object(follow.activity_uri or "", follow.follower, follow.target, follow.activity_type)
        await _send_reject(ctx, follow.target, follow.follower, follow_object)
    ctx.wake()


async def end_follow(follow: Follow, reason: str = LOST_UNDO) -> None:
    """Remove a follow (Undo, Reject or removal), recording the loss of an accepted follower and why."""
    await follow.fetch_related("follower")
    if follow.state == ACCEPTED:
        await record_follow_lost(follow.target_id, follow.follower, reason)
    await Follow.filter(id=follow.id).delete()


async def follow(ctx: "FederationContext", actor: Actor, target: Actor) -> Follow | None:
    """A local actor follows another; remote targets answer with Accept or Reject later. None when refused:
    the target blocks the actor (or bans it from the group), or the actor blocks the target (unblock first,
    as Mastodon asks)."""
    existing = await Follow.filter(follower=actor, target=target).first()
    if existing is not None:
        return existing
    if target.type != "Group" and await personally_blocks(actor, target):
        return None
    if target.is_local:
        return await receive_follow(ctx, actor, target, ctx.urls.new_activity())
    follow_uri = ctx.urls.new_activity()
    async with in_transaction():
        follow = await Follow.create(follower=actor, target=target, state=PENDING, activity_uri=follow_uri)
        activity = render.activity(follow_uri, "Follow", actor.uri, target.uri)
        await publish(actor, activity, to_followers=False, inboxes=[target.inbox])
    ctx.wake()
    return follow


async def unfollow(ctx: "FederationContext", actor: Actor, target: Actor) -> None:
    follow = await Follow.filter(follower=actor, target=target).first()
    if follow is None:
        return
    async with in_transaction():
        await end_follow(follow)
        if not target.is_local:
            undo = render.activity(
                ctx.urls.new_activity(),
                "Undo",
                actor.uri,
                _follow_object(follow.activity_uri or "", actor, target),
            )
            await publish(actor, undo, to_followers=False, inboxes=[target.inbox])
    ctx.wake()
