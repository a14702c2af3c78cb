"""Who may do what in a group: roles, membership, bans and mutes."""
from __future__ import annotations

from datetime import datetime, timezone

from tortoise.expressions import Q, Subquery

from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.groups import GroupBan, GroupMute, GroupProfile, GroupRole


def unexpired() -> Q:
    """Bans and mutes in force: for good, or until a time still to come."""
    return Q(expires_at__isnull=True) | Q(expires_at__gt=datetime.now(timezone.utc))


def _parent_of(group_id: int) -> Subquery:
    return Subquery(GroupProfile.filter(group_id=group_id, parent_id__isnull=False).values("parent_id"))


async def is_moderator(group: Actor, actor: Actor) -> bool:
    """Owner or moderator of the group, or of its parent group (a parent's moderators moderate its sub-groups)."""
    return await GroupRole.filter(Q(group_id=group.id) | Q(group_id__in=_parent_of(group.id)), actor=actor).exists()


async def is_member(group: Actor, actor: Actor) -> bool:
    return await Follow.filter(target=group, follower=actor, state=ACCEPTED).exists()


async def active_ban(group: Actor, actor: Actor) -> GroupBan | None:
    return await GroupBan.filter(unexpired(), group=group, actor=actor).first()


async def active_mute(group: Actor, actor: Actor) -> GroupMute | None:
    return await GroupMute.filter(unexpired(), group=group, actor=actor).first()


async def moderated_groups(actor: Actor) -> list[int]:
    """The groups the actor moderates, with the sub-groups of those (moderation is inherited)."""
    own = list(await GroupRole.filter(actor=actor).values_list("group_id", flat=True))
    children = await GroupProfile.filter(parent_id__in=own).values_list("group_id", flat=True) if own else []
    return own + [group_id for group_id in children if group_id not in own]
