"""Who may join a sub-group: a light module (models and access only) that federation/actions/follows.py asks."""
from __future__ import annotations

from federation.groups.access import is_member, is_moderator
from models.actors import Actor
from models.groups import GroupProfile


async def parent_of(group: Actor) -> Actor | None:
    """The parent of a local sub-group, or None for a top-level (or remote) group."""
    profile = await GroupProfile.filter(group_id=group.id, parent_id__isnull=False).first()
    if profile is None:
        return None
    return await Actor.filter(id=profile.parent_id, deleted_at=None).first()


async def parent_uri(group: Actor) -> str | None:
    parent = await parent_of(group) if group.type == "Group" and group.is_local else None
    return parent.uri if parent is not None else None


async def missing_parent_membership(group: Actor, actor: Actor) -> Actor | None:
    """The parent group `actor` must first be a member of to join `group`, or None when they may join.

    Only for sub-groups open to the parent's members only. The parent's moderators always may.
    """
    if group.type != "Group" or not group.is_local:
        return None
    profile = await GroupProfile.filter(group_id=group.id, parent_id__isnull=False, parent_members_only=True).first()
    if profile is None:
        return None
    parent = await Actor.filter(id=profile.parent_id, deleted_at=None).first()
    if parent is None or await is_member(parent, actor) or await is_moderator(group, actor):
        return None
    return parent


def refusal_text(parent: Actor) -> str:
    """The reason sent with the Reject (servers may show it; Moot's own pages phrase it in the reader's language)."""
    return f"Only members of {parent.display_name or parent.username} ({parent.uri}) can join this sub-group."


async def header_facts(group: Actor) -> dict[str, object]:
    """What a group's header says about its place: the parent of a sub-group, and whether it is for its members."""
    profile = await GroupProfile.filter(group_id=group.id, parent_id__isnull=False).first() \
        if group.type == "Group" and group.is_local else None
    parent = await Actor.filter(id=profile.parent_id, deleted_at=None).first() if profile is not None else None
    return {"parent_group": parent, "parent_members_only": bool(parent and profile and profile.parent_members_only)}
