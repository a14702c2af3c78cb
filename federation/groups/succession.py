"""Who looks after a group or a page when the person who ran it deletes their account.

A community must never be left with nobody who can approve members, handle reports or appoint moderators:
- the owner leaves and moderators remain: the longest-serving local moderator becomes the owner;
- nobody else moderates it: the server's admins take it over (the first admin as owner), as Lemmy's admins
  may act in any local community.
Pages likewise: a co-admin becomes the owner, or the server's admins take the page over.
Each takeover is in the moderation log, and a group's new moderators are federated as Add{Person} to its
moderators collection, sent by the new moderator (Lemmy accepts that from a moderator or a local admin).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from federation import modlog
from federation.groups.moderation import announce_moderator
from federation.local_actors import PAGE_ADMIN, PAGE_OWNER
from federation.notifications.hooks import admins
from models.actors import Actor, PageRole
from models.groups import MODERATOR, OWNER, GroupRole

if TYPE_CHECKING:
    from federation.context import FederationContext

SUCCEEDED = "group.succeeded"  # modlog: the moderator took over the group (or page) from the departed target


async def _successor_admins(departing: Actor) -> list[Actor]:
    return [admin for admin in await admins() if admin.id != departing.id]


async def _hand_over_group(ctx: "FederationContext", group: Actor, departing: Actor) -> Actor | None:
    """The group's new owner, or None when it keeps one."""
    roles = await GroupRole.filter(group_id=group.id, actor__deleted_at=None).exclude(
        actor_id=departing.id).order_by("created_at", "id").prefetch_related("actor")
    if any(role.role == OWNER for role in roles):
        return None
    local = [role for role in roles if role.actor.is_local]
    if local:  # the longest-serving local moderator becomes the owner
        await GroupRole.filter(id=local[0].id).update(role=OWNER)
        new_owner = local[0].actor
    else:
        successors = await _successor_admins(departing)
        if not successors:
            return None
        for index, admin in enumerate(successors):
            role, _ = await GroupRole.get_or_create(defaults={"role": OWNER if index == 0 else MODERATOR},
                                                    group_id=group.id, actor_id=admin.id)
            if index == 0 and role.role != OWNER:
                await GroupRole.filter(id=role.id).update(role=OWNER)
            await announce_moderator(ctx, group, admin, admin)
        new_owner = successors[0]
    await modlog.record(SUCCEEDED, moderator=new_owner, target=departing.uri, group=group)
    return group


async def _hand_over_page(page: Actor, departing: Actor) -> Actor | None:
    roles = await PageRole.filter(page_id=page.id, user__deleted_at=None).exclude(user_id=departing.id) \
        .order_by("created_at", "id").prefetch_related("user")
    if any(role.role == PAGE_OWNER for role in roles):
        return None
    if roles:
        await PageRole.filter(id=roles[0].id).update(role=PAGE_OWNER)
        new_owner = roles[0].user
    else:
        successors = await _successor_admins(departing)
        if not successors:
            return None
        for index, admin in enumerate(successors):
            await PageRole.update_or_create(defaults={"role": PAGE_OWNER if index == 0 else PAGE_ADMIN},
                                            page_id=page.id, user_id=admin.id)
        new_owner = successors[0]
    await modlog.record(SUCCEEDED, moderator=new_owner, target=departing.uri, group=page, public=False)
    return page


async def hand_over(ctx: "FederationContext", departing: Actor) -> list[Actor]:
    """Give the groups and pages `departing` ran to their successors; returns those that changed hands."""
    changed: list[Actor] = []
    group_ids = await GroupRole.filter(actor_id=departing.id).values_list("group_id", flat=True)
    for group in await Actor.filter(id__in=list(group_ids), is_local=True, deleted_at=None).order_by("id"):
        if await _hand_over_group(ctx, group, departing) is not None:
            changed.append(group)
    page_ids = await PageRole.filter(user_id=departing.id).values_list("page_id", flat=True)
    for page in await Actor.filter(id__in=list(page_ids), is_local=True, deleted_at=None).order_by("id"):
        if await _hand_over_page(page, departing) is not None:
            changed.append(page)
    return changed


async def sole_charge(departing: Actor) -> list[Actor]:
    """The groups and pages nobody but `departing` runs (shown before they delete their account)."""
    alone: list[Actor] = []
    group_ids = await GroupRole.filter(actor_id=departing.id).values_list("group_id", flat=True)
    for group in await Actor.filter(id__in=list(group_ids), is_local=True, deleted_at=None).order_by("id"):
        if not await GroupRole.filter(group_id=group.id, actor__deleted_at=None).exclude(
                actor_id=departing.id).exists():
            alone.append(group)
    page_ids = await PageRole.filter(user_id=departing.id).values_list("page_id", flat=True)
    for page in await Actor.filter(id__in=list(page_ids), is_local=True, deleted_at=None).order_by("id"):
        if not await PageRole.filter(page_id=page.id, user__deleted_at=None).exclude(user_id=departing.id).exists():
            alone.append(page)
    return alone
