"""Who may do what in a group: roles, membership, bans and mutes."""
from __future__ import annotations

from datetime import datetime, timezone

from tortoise.expressions import Q

from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.groups import GroupBan, GroupMute, GroupRole
from models.posts import Post


def _active() -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=datetime.now(timezone.utc))


async def is_moderator(group: Actor, actor: Actor) -> bool:
    """Owner or moderator of the group."""
    return await GroupRole.filter(group=group, actor=actor).exists()


async def is_member(group: Actor, actor: Actor) -> bool:
    return await Follow.filter(target=group, follower=actor, state=ACCEPTED).exists()


async def active_ban(group: Actor, actor: Actor) -> GroupBan | None:
    return await GroupBan.filter(_active(), group=group, actor=actor).first()


async def active_mute(group: Actor, actor: Actor) -> GroupMute | None:
    return await GroupMute.filter(_active(), group=group, actor=actor).first()


async def moderated_groups(actor: Actor) -> list[int]:
    return list(await GroupRole.filter(actor=actor).values_list("group_id", flat=True))


async def can_read(group: Actor, viewer: Actor | None) -> bool:
    """Anyone reads a public group; only members (and moderators) read a private one."""
    if not group.manually_approves:
        return True
    if viewer is None:
        return False
    return await is_member(group, viewer) or await is_moderator(group, viewer)


async def post_group(post: Post) -> Actor | None:
    if post.group_id is None:
        return None
    return await Actor.filter(id=post.group_id).first()


async def can_fetch(group: Actor, fetcher: Actor | None) -> bool:
    """May a signed fetch see a private group's content?

    Members and moderators may. So may the instance actor (Application) of a server where at least
    one member lives: servers fetch with their instance actor, and that server already receives the
    group's private content for those members.
    """
    if not group.manually_approves:
        return True
    if fetcher is None:
        return False
    if fetcher.type == "Application":
        return await Follow.filter(target=group, state=ACCEPTED, follower__domain=fetcher.domain).exists()
    return await can_read(group, fetcher)
