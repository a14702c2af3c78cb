"""Sub-groups: a group's topics, each a full Group actor whose moderators include the parent's.

A sub-group is created by a moderator of its parent, with the ordinary group creation plus the parent link
(models/groups.py GroupProfile.parent). One level only: a sub-group has no sub-groups of its own. A sub-group of
a private parent is private too (approval required, content for members only). "Members of the parent only"
makes Moot refuse the joins (Follow, Join, local join) of anyone not a member of the parent.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from federation import audience
from federation.community.subgroups_access import missing_parent_membership, parent_of
from federation.groups.access import is_moderator
from federation.groups.admin import GroupSettings, create_group
from federation.local_actors import LocalActorError
from models.actors import Actor
from models.groups import GroupProfile

if TYPE_CHECKING:
    from federation.context import FederationContext

__all__ = ["SubgroupInput", "create_subgroup", "listed_subgroups", "missing_parent_membership", "parent_of",
           "SubgroupError", "MAX_DISPLAY_NAME", "MAX_DESCRIPTION", "MAX_SUBGROUPS"]

MAX_DISPLAY_NAME = 100
MAX_DESCRIPTION = 5000
MAX_SUBGROUPS = 200


class SubgroupError(LocalActorError):
    """A sub-group that cannot be created; `status` is the HTTP status a web caller answers with."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class SubgroupInput:
    name: str
    display_name: str = ""
    description: str = ""
    members_only: bool = False


async def create_subgroup(ctx: "FederationContext", parent: Actor, creator: Actor, data: SubgroupInput) -> Actor:
    """Create a sub-group of a local group, owned by `creator` (a moderator of the parent)."""
    if parent.type != "Group" or not parent.is_local or parent.deleted_at is not None:
        raise SubgroupError("sub-groups belong to a group of this server", status=404)
    if not await is_moderator(parent, creator):
        raise SubgroupError("only the group's moderators can create sub-groups", status=403)
    if await parent_of(parent) is not None:
        raise SubgroupError("a sub-group cannot have sub-groups of its own")
    if len(data.display_name) > MAX_DISPLAY_NAME:
        raise SubgroupError(f"the display name is longer than {MAX_DISPLAY_NAME} characters")
    if len(data.description) > MAX_DESCRIPTION:
        raise SubgroupError(f"the description is longer than {MAX_DESCRIPTION} characters")
    if await GroupProfile.filter(parent=parent).count() >= MAX_SUBGROUPS:
        raise SubgroupError(f"a group has at most {MAX_SUBGROUPS} sub-groups")
    parent_profile = await GroupProfile.get(group=parent)
    settings = GroupSettings(
        display_name=data.display_name.strip() or None, description=data.description.strip(),
        private=parent_profile.is_private, discoverable=parent.discoverable,
    )
    async with in_transaction():
        group = await create_group(ctx, data.name.strip().lower(), creator, settings)
        await GroupProfile.filter(group=group).update(parent=parent, parent_members_only=data.members_only)
    return group


async def listed_subgroups(parent: Actor, viewer: audience.Viewer) -> list[Actor]:
    """The sub-groups of a group that the viewer may know of: public ones, and private ones to those who may
    read the parent (its members find the topics they can ask to join) or the sub-group itself."""
    ids = list(await GroupProfile.filter(parent=parent).order_by("id").values_list("group_id", flat=True))
    groups = await Actor.filter(id__in=ids, deleted_at=None) if ids else []
    by_id = {group.id: group for group in groups}
    reads_parent: bool | None = None
    shown = []
    for group_id in ids:
        group = by_id.get(group_id)
        if group is None:
            continue
        if group.manually_approves:
            if reads_parent is None:
                reads_parent = await audience.may_see_group_content(parent, viewer)
            if not reads_parent and not await audience.may_see_group_content(group, viewer):
                continue
        shown.append(group)
    return shown


async def members_only_ids(groups: list[Actor]) -> set[int]:
    """Which of these sub-groups admit the parent's members only."""
    if not groups:
        return set()
    return set(await GroupProfile.filter(group_id__in=[g.id for g in groups], parent_members_only=True)
               .values_list("group_id", flat=True))
