"""Personal blocks: a local person blocks an account (a person, a page or a group, local or remote).

Blocking ends the follows both ways: a local follow row of either side goes; for a remote target, our follow is
undone with `Undo{Follow}` and theirs of us is dropped (Mastodon drops it too when our Block arrives). A remote
target's server hears `Block{actor: me, object: them}` (Mastodon's shape), and `Undo{Block}` on unblock.
Later Follows from the blocked account are rejected (federation/actions/follows.py asks `personal_filters`).

An inbound Block or Undo{Block} of a local person by a remote actor (no `target`) is recorded here too, so the
relationship shows `blocked_by` and the blocker's posts leave that person's timelines.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from federation import render
from federation.actions.follows import end_follow
from federation.outbox import publish
from models.actors import Actor
from models.follows import Follow
from models.insights import LOST_BLOCK
from models.personal_blocks import PersonalBlock, PersonalMute

if TYPE_CHECKING:
    from federation.context import FederationContext


class BlockError(Exception):
    """A block that cannot be made (oneself, a deleted account...): the message is for people."""


def _check(actor: Actor, target: Actor) -> None:
    if actor.id == target.id:
        raise BlockError("You cannot block or mute yourself.")
    if target.type == "Application":
        raise BlockError("This account cannot be blocked or muted.")


def block_activity(block_uri: str, actor: Actor, target: Actor) -> dict[str, Any]:
    return render.activity(block_uri, "Block", actor.uri, target.uri)


async def block(ctx: "FederationContext", actor: Actor, target: Actor) -> PersonalBlock:
    """`actor` (a local person) blocks `target`. Blocking twice changes nothing."""
    _check(actor, target)
    existing = await PersonalBlock.filter(actor_id=actor.id, target_id=target.id).first()
    if existing is not None:
        return existing
    block_uri = ctx.urls.new_activity()
    async with in_transaction():
        row = await PersonalBlock.create(actor_id=actor.id, target_id=target.id, activity_uri=block_uri)
        ours = await Follow.filter(follower_id=actor.id, target_id=target.id).first()
        if ours is not None:
            await end_follow(ours, LOST_BLOCK)
            if not target.is_local:
                # Mastodon drops our follow when the Block arrives: the Undo is for servers that do not.
                undo = render.activity(ctx.urls.new_activity(), "Undo", actor.uri, {
                    "id": ours.activity_uri or "", "type": ours.activity_type, "actor": actor.uri,
                    "object": target.uri,
                })
                await publish(actor, undo, to_followers=False, inboxes=[target.inbox])
        theirs = await Follow.filter(follower_id=target.id, target_id=actor.id).first()
        if theirs is not None:
            await end_follow(theirs, LOST_BLOCK)
        if not target.is_local:
            await publish(actor, block_activity(block_uri, actor, target), to_followers=False,
                          inboxes=[target.inbox])
    ctx.wake()
    return row


async def unblock(ctx: "FederationContext", actor: Actor, target: Actor) -> bool:
    """Lift a block; a remote target's server hears `Undo{Block}`. Returns whether there was one."""
    row = await PersonalBlock.filter(actor_id=actor.id, target_id=target.id).first()
    if row is None:
        return False
    async with in_transaction():
        await PersonalBlock.filter(id=row.id).delete()
        if not target.is_local:
            inner = block_activity(row.activity_uri or ctx.urls.new_activity(), actor, target)
            inner.pop("@context", None)
            undo = render.activity(ctx.urls.new_activity(), "Undo", actor.uri, inner)
            await publish(actor, undo, to_followers=False, inboxes=[target.inbox])
    ctx.wake()
    return True


async def blocked_accounts(actor: Actor) -> list[PersonalBlock]:
    """The actor's blocks, newest first, with their targets loaded."""
    return list(await PersonalBlock.filter(actor_id=actor.id).order_by("-id").prefetch_related("target"))


# --- inbound: a remote actor blocks a local person ------------------------------------------------------


async def record_inbound_block(blocker: Actor, blocked: Actor, activity_uri: str | None) -> None:
    """A remote actor blocked a local actor: remember it (blocked_by), and end the follows both ways."""
    if blocker.is_local or not blocked.is_local or blocker.id == blocked.id:
        return
    async with in_transaction():
        if not await PersonalBlock.filter(actor_id=blocker.id, target_id=blocked.id).exists():
            await PersonalBlock.create(actor_id=blocker.id, target_id=blocked.id, activity_uri=activity_uri)
        for follow in await Follow.filter(
            Q(follower_id=blocker.id, target_id=blocked.id) | Q(follower_id=blocked.id, target_id=blocker.id)
        ):
            await end_follow(follow, LOST_BLOCK)


async def record_inbound_unblock(blocker_uri: str, blocked_uri: str | None) -> None:
    """`Undo{Block}` from the remote blocker: forget the block (only the blocker's own rows match)."""
    if not blocked_uri:
        return
    blocker = await Actor.filter(uri=blocker_uri, is_local=False).first()
    blocked = await Actor.filter(uri=blocked_uri, is_local=True).first()
    if blocker is not None and blocked is not None:
        await PersonalBlock.filter(actor_id=blocker.id, target_id=blocked.id).delete()


async def forget_all(actor: Actor) -> None:
    """Remove every block and mute made by the actor (account deletion)."""
    await PersonalBlock.filter(actor_id=actor.id).delete()
    await PersonalMute.filter(actor_id=actor.id).delete()
