"""Deciding held activities: approval resumes processing exactly as if the activity had just arrived."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from federation.actions.statuses import ActionError
from federation.groups import relay
from federation.groups.access import is_moderator
from federation.groups.intake import admit_remote
from federation.protocol.objects import parse_object
from models.actors import Actor
from models.groups import APPROVED, HELD, REJECTED, HeldActivity
from models.posts import Post

if TYPE_CHECKING:
    from federation.context import FederationContext


async def _held(moderator: Actor, held: HeldActivity) -> Actor:
    group = await Actor.get(id=held.group_id)
    if not await is_moderator(group, moderator):
        raise ActionError("only the group's moderators can review held posts", status=403)
    if held.state != HELD:
        raise ActionError(f"this item was already {held.state}", status=409)
    return group


async def approve(ctx: "FederationContext", moderator: Actor, held: HeldActivity) -> None:
    group = await _held(moderator, held)
    author = await Actor.get(id=held.actor_id)
    activity = held.activity
    obj = activity.get("object")
    object_id = obj.get("id") if isinstance(obj, dict) else obj
    local = await Post.filter(uri=object_id, author=author, is_local=True).first()
    if local is not None:
        # A local member's post: it exists already, it only joins the group now.
        async with in_transaction():
            await Post.filter(id=local.id).update(group=group)
            await relay.announce(ctx, group, activity)
            await _decide(held, APPROVED)
        ctx.wake()
        return
    await admit_remote(ctx, group, author, parse_object(obj), activity)
    await _decide(held, APPROVED)


async def reject(ctx: "FederationContext", moderator: Actor, held: HeldActivity) -> None:
    await _held(moderator, held)
    await _decide(held, REJECTED)


async def _decide(held: HeldActivity, state: str) -> None:
    await HeldActivity.filter(id=held.id).update(state=state, decided_at=datetime.now(timezone.utc))
