"""Deciding held activities (the review queue of a group, or of the instance).

Approving resumes processing exactly as if the activity had just arrived: its inbox item is queued
again, and the holds it met are lifted for it (bans and refusals still apply). Rejecting can tell the
author why, with a Reject.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from federation import modlog, notifications, render
from federation.actions.statuses import ActionError
from federation.groups import relay
from federation.groups.access import is_moderator
from federation.instance_settings import get_setting
from federation.outbox import publish
from federation.policy.admin import set_actor_policy
from federation.protocol.common import id_of
from federation.queue import utcnow
from models.actors import Actor, LocalUser
from models.groups import APPROVED, EXPIRED, HELD, REJECTED, HeldActivity
from models.moderation import TRUSTED
from models.posts import Post
from models.queues import PENDING, InboxItem

if TYPE_CHECKING:
    from federation.context import FederationContext

HELD_EXPIRY_DAYS = "held_expiry_days"
DEFAULT_HELD_EXPIRY_DAYS = 14


async def is_admin(actor: Actor) -> bool:
    return await LocalUser.filter(actor=actor, is_admin=True).exists()


async def can_review(moderator: Actor, held: HeldActivity) -> bool:
    """Instance admins review everything; group moderators review their group's items."""
    if await is_admin(moderator):
        return True
    if held.group_id is None:
        return False
    return await is_moderator(await Actor.get(id=held.group_id), moderator)


async def _checked(moderator: Actor, held: HeldActivity) -> Actor | None:
    if not await can_review(moderator, held):
        raise ActionError("only the moderators of this queue can review it", status=403)
    if held.state != HELD:
        raise ActionError(f"this item was already {held.state}", status=409)
    return await Actor.get(id=held.group_id) if held.group_id else None


async def approve(
    ctx: "FederationContext", moderator: Actor, held: HeldActivity, *, trust: bool = False, reason: str = "",
) -> None:
    group = await _checked(moderator, held)
    author = await Actor.get(id=held.actor_id)
    activity = held.activity
    object_id = id_of(activity.get("object"))
    async with in_transaction():
        if trust and not author.is_local:
            await set_actor_policy(ctx, moderator, author, TRUSTED, reason="approved and trusted by a moderator")
        await _decide(held, APPROVED)
        local = await Post.filter(uri=object_id, author=author, is_local=True).first()
        if local is not None and group is not None:
            # A local member's post exists already; it only joins the group now.
            await Post.filter(id=local.id).update(group=group, audience_group=group)
            await relay.announce(ctx, group, activity)
            await notifications.held_decided(held, approved=True)  # its replies and mentions count now
        else:
            await _process_again(activity)
        await modlog.record("held.approved", moderator=moderator, target=held.activity_uri, group=group,
                            reason=reason, public=False, trusted=trust or None)
    ctx.wake()


async def _process_again(activity: dict) -> None:
    updated = await InboxItem.filter(activity_id=activity["id"]).update(
        state=PENDING, attempts=0, next_attempt_at=utcnow(), locked_until=None, outcome=None, last_error=None
    )
    if not updated:
        await InboxItem.create(activity_id=activity["id"], actor_uri=activity.get("actor", ""), activity=activity,
                               next_attempt_at=utcnow())


async def reject(ctx: "FederationContext", moderator: Actor, held: HeldActivity, reason: str = "") -> None:
    group = await _checked(moderator, held)
    author = await Actor.get(id=held.actor_id)
    async with in_transaction():
        await _decide(held, REJECTED)
        sender = group or ctx.instance_actor
        if not author.is_local and sender is not None:
            answer = render.activity(ctx.urls.new_activity(), "Reject", sender.uri, held.activity_uri,
                                     to=[author.uri], summary=reason or None)
            await publish(sender, answer, to_followers=False, inboxes=[author.inbox])
        await modlog.record("held.rejected", moderator=moderator, target=held.activity_uri, group=group,
                            reason=reason, public=False)
        await notifications.held_decided(held, approved=False, reason=reason)  # a local author hears why
    ctx.wake()


async def _decide(held: HeldActivity, state: str) -> None:
    await HeldActivity.filter(id=held.id).update(state=state, decided_at=datetime.now(timezone.utc))


async def expire_held() -> int:
    """Held items older than the expiry (default 14 days) are dropped, each with a logged decision."""
    days = int(await get_setting(HELD_EXPIRY_DAYS, DEFAULT_HELD_EXPIRY_DAYS))
    cutoff = datetime.now(timezone.utc) - timedelta(days=days)
    expired = await HeldActivity.filter(state=HELD, created_at__lt=cutoff).limit(500)
    for item in expired:
        await _decide(item, EXPIRED)
        group = await Actor.get(id=item.group_id) if item.group_id else None
        await modlog.record("held.expired", moderator=None, target=item.activity_uri, group=group,
                            reason=f"not reviewed within {days} days", public=False)
    return len(expired)
