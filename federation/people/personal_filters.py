"""Whom a viewer does not want to hear from: the ONE place that answers it, for every read path.

Hidden from a person's timelines, conversations, search and the promotion slot (as Mastodon's
`excluded_from_timeline_account_ids`):
- the accounts they block,
- the accounts that block them (an inbound Block from a remote actor, or another local person's block),
- the accounts they mute, while the mute lasts (a mute with an end stops applying once it has passed).
Silenced in their notifications: the accounts they block or that block them, and the accounts they mute with
"mute notifications" on.

Each answer exists as a query filter (for queries over a table with an actor column), as the set of all the ids
(for a reader that keeps it, such as a stream), and as the hidden ones among given ids (for one page's authors).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from tortoise.expressions import Q, Subquery

from models.actors import Actor
from models.personal_blocks import PersonalBlock, PersonalMute


def _now() -> datetime:
    return datetime.now(timezone.utc)


def active_mutes(now: datetime | None = None) -> Q:
    """Mutes that still apply: without an end, or ending later than now."""
    return Q(expires_at=None) | Q(expires_at__gt=now or _now())


def _actor_id(viewer: Actor | int | None) -> int | None:
    if viewer is None:
        return None
    return viewer if isinstance(viewer, int) else viewer.id


def hidden_q(viewer: Actor | int | None, field: str = "author_id", *, notifications: bool = False) -> Q:
    """A filter keeping the rows whose `field` (an actor id column) is NOT hidden from the viewer.

    With `notifications`, mutes count only when they also mute notifications. Anonymous viewers hide nobody.
    """
    me = _actor_id(viewer)
    if me is None:
        return Q()
    mutes = PersonalMute.filter(active_mutes(), actor_id=me)
    if notifications:
        mutes = mutes.filter(notifications=True)
    return (
        ~Q(**{f"{field}__in": Subquery(PersonalBlock.filter(actor_id=me).values("target_id"))})
        & ~Q(**{f"{field}__in": Subquery(PersonalBlock.filter(target_id=me).values("actor_id"))})
        & ~Q(**{f"{field}__in": Subquery(mutes.values("target_id"))})
    )


async def hidden_ids(viewer: Actor | int | None, *, notifications: bool = False) -> set[int]:
    """The ids of the actors hidden from the viewer (see hidden_q)."""
    me = _actor_id(viewer)
    if me is None:
        return set()
    mutes = PersonalMute.filter(active_mutes(), actor_id=me)
    if notifications:
        mutes = mutes.filter(notifications=True)
    ids = set(await PersonalBlock.filter(actor_id=me).values_list("target_id", flat=True))
    ids |= set(await PersonalBlock.filter(target_id=me).values_list("actor_id", flat=True))
    ids |= set(await mutes.values_list("target_id", flat=True))
    return ids


async def hidden_among(viewer: Actor | int | None, actor_ids: Iterable[int], *, notifications: bool = False) -> set[int]:
    """Which of these actors are hidden from the viewer (see hidden_q): for a page's authors, or one sender. Asks
    only about them, so a person with thousands of blocks and mutes costs no more than one with none."""
    me, wanted = _actor_id(viewer), list(set(actor_ids))
    if me is None or not wanted:
        return set()
    mutes = PersonalMute.filter(active_mutes(), actor_id=me, target_id__in=wanted)
    if notifications:
        mutes = mutes.filter(notifications=True)
    ids = set(await PersonalBlock.filter(actor_id=me, target_id__in=wanted).values_list("target_id", flat=True))
    ids |= set(await PersonalBlock.filter(target_id=me, actor_id__in=wanted).values_list("actor_id", flat=True))
    ids |= set(await mutes.values_list("target_id", flat=True))
    return ids


async def silences(recipient: Actor, sender: Actor) -> bool:
    """Does the recipient not want notifications from the sender? (a federation/notifications suppressor)"""
    return bool(await hidden_among(recipient, [sender.id], notifications=True))


async def blocks(blocker: Actor | int, target: Actor | int) -> bool:
    """Has `blocker` blocked `target`?"""
    return await PersonalBlock.filter(actor_id=_actor_id(blocker), target_id=_actor_id(target)).exists()


async def blocked_either_way(one: Actor | int, other: Actor | int) -> bool:
    a, b = _actor_id(one), _actor_id(other)
    return await PersonalBlock.filter(Q(actor_id=a, target_id=b) | Q(actor_id=b, target_id=a)).exists()


async def relationship_flags(viewer: Actor, target_ids: list[int]) -> dict[int, dict[str, bool]]:
    """Mastodon's relationship fields for each target: blocking, blocked_by, muting, muting_notifications."""
    ids = list(target_ids)
    flags = {i: {"blocking": False, "blocked_by": False, "muting": False, "muting_notifications": False}
             for i in ids}
    if not ids:
        return flags
    for target in await PersonalBlock.filter(actor_id=viewer.id, target_id__in=ids).values_list("target_id", flat=True):
        flags[target]["blocking"] = True
    for blocker in await PersonalBlock.filter(target_id=viewer.id, actor_id__in=ids).values_list("actor_id", flat=True):
        flags[blocker]["blocked_by"] = True
    mutes = PersonalMute.filter(active_mutes(), actor_id=viewer.id, target_id__in=ids)
    for target, notifications in await mutes.values_list("target_id", "notifications"):
        flags[target]["muting"] = True
        flags[target]["muting_notifications"] = bool(notifications)
    return flags


async def blocked_targets(actor: Actor) -> list[Actor]:
    """The accounts the actor blocks (that still exist), oldest block first: the account export."""
    rows = await PersonalBlock.filter(actor_id=actor.id, target__deleted_at=None).order_by("id").prefetch_related("target")
    return [row.target for row in rows]


async def muted_targets(actor: Actor) -> list[tuple[Actor, bool]]:
    """(account, notifications muted too) for the actor's mutes that still apply: the account export."""
    rows = await PersonalMute.filter(active_mutes(), actor_id=actor.id, target__deleted_at=None).order_by("id") \
        .prefetch_related("target")
    return [(row.target, row.notifications) for row in rows]
