"""Follower gains and losses, recorded where follows begin and end: every way of losing a follower counts.

Callers: federation/actions/follows.py (Undo, Leave, removal or refusal by the page), federation/inbox/
delete.py (the follower's account deleted), federation/inbox/moderate.py (a Block from the follower),
federation/delivery.py (410 Gone), federation/policy/admin.py (a domain or account suspended).
The per-server audience snapshot (PageAudience) follows along, once a page has one.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

from tortoise.expressions import F

from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.insights import FOLLOWED, LOST_REASONS, UNFOLLOWED, FollowEvent, PageAudience


async def record_follow_gained(target: Actor | int, follower: Actor) -> None:
    await FollowEvent.create(target_id=_id(target), follower_uri=follower.uri, kind=FOLLOWED)
    await _audience_add(_id(target), Counter({_host(follower.is_local, follower.domain): 1}))


async def record_follow_lost(target: Actor | int, follower: Actor, reason: str) -> None:
    """One accepted follower of `target` is gone, for `reason` (models/insights.py LOST_*)."""
    if reason not in LOST_REASONS:
        raise ValueError(f"unknown reason for a lost follower: {reason!r}")
    await FollowEvent.create(target_id=_id(target), follower_uri=follower.uri, kind=UNFOLLOWED, reason=reason)
    await _audience_add(_id(target), Counter({_host(follower.is_local, follower.domain): -1}))


async def remove_follows(follows: Iterable[Follow], reason: str) -> int:
    """Delete these follows, recording each accepted one as a lost follower; returns how many went."""
    if reason not in LOST_REASONS:
        raise ValueError(f"unknown reason for a lost follower: {reason!r}")
    rows = list(follows)
    if not rows:
        return 0
    who = {i: (uri, _host(is_local, domain)) for i, uri, is_local, domain in await Actor.filter(
        id__in={f.follower_id for f in rows}).values_list("id", "uri", "is_local", "domain")}
    accepted = [f for f in rows if f.state == ACCEPTED]
    if accepted:
        await FollowEvent.bulk_create([
            FollowEvent(target_id=f.target_id, follower_uri=who.get(f.follower_id, ("", ""))[0], kind=UNFOLLOWED,
                        reason=reason)
            for f in accepted
        ], batch_size=500)
        per_target: dict[int, Counter[str]] = {}
        for f in accepted:
            per_target.setdefault(f.target_id, Counter())[who.get(f.follower_id, ("", ""))[1]] -= 1
        for target_id, changes in per_target.items():
            await _audience_add(target_id, changes)
    await Follow.filter(id__in=[f.id for f in rows]).delete()
    return len(rows)


def _host(is_local: bool, domain: str | None) -> str:
    return "" if is_local else (domain or "").lower()


async def _audience_add(target_id: int, changes: Counter[str]) -> None:
    """Keep a page's followers-per-server snapshot current (only once it has one: the first view makes it)."""
    if not await PageAudience.filter(page_id=target_id).exists():
        return
    for host, change in changes.items():
        if not change:
            continue
        if not await PageAudience.filter(page_id=target_id, host=host).update(followers=F("followers") + change):
            if change > 0:
                taken = await PageAudience.filter(page_id=target_id).first().values_list("taken_at", flat=True)
                await PageAudience.bulk_create([PageAudience(page_id=target_id, host=host, followers=change,
                                                             taken_at=taken)], ignore_conflicts=True)
    await PageAudience.filter(page_id=target_id, followers__lte=0).delete()


def _id(actor: Actor | int) -> int:
    return actor if isinstance(actor, int) else actor.id
