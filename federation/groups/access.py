"""Who may do what in a group: roles, membership, bans and mutes."""
from __future__ import annotations

from datetime import datetime, timezone

from tortoise.expressions import Q

from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.groups import GroupBan, GroupMute, GroupRole


def unexpired() -> Q:
    """Bans and mutes in force: for good, or until a time still to come."""
    return Q(expires_at__isnull=True) | Q(expires_at__gt=datetime.now(timezone.utc))


async def is_moderator(group: Actor, actor: Actor) -> bool:
    """Owner or moderator of the group."""
    return await GroupRole.filter(group=group, actor=actor).exists()


async def is_member(group: Actor, actor: Actor) -> bool:
    return await Follow.filter(target=group, follower=actor, state=ACCEPTED).exists()


async def active_ban(group: Actor, actor: Actor) -> GroupBan | None:
    return await GroupBan.filter(unexpired(), group=group, actor=actor).first()


async def active_mute(group: Actor, actor: Actor) -> GroupMute | None:
    return await GroupMute.filter(unexpired(), group=group, actor=actor).first()


async def moderated_groups(actor: Actor) -> list[int]:
    return list(await GroupRole.filter(actor=actor).values_list("group_id", flat=True))
