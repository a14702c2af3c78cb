"""Unread markers: when a person last visited a group's page, so posts since then can be marked new.

A visit is a run of page loads with no gap longer than VISIT_GAP. During one visit, `previous_visit` keeps
returning the end of the visit before it, so the markers stay while someone reads, pages and comes back
from a thread; the next visit compares with this one. The row is written at most once a WRITE_INTERVAL
per person and group, so reading pages hardly writes.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tortoise.exceptions import IntegrityError

from models.actors import Actor
from models.groups import GroupVisit

VISIT_GAP = timedelta(minutes=30)
WRITE_INTERVAL = timedelta(minutes=1)


async def previous_visit(user: Actor, group: Actor, now: datetime | None = None) -> datetime | None:
    """The time the user's previous visit to the group's page ended (None: the first visit), recording now."""
    now = now or datetime.now(timezone.utc)
    visit = await GroupVisit.filter(user_id=user.id, group_id=group.id).first()
    if visit is None:
        try:
            await GroupVisit.create(user_id=user.id, group_id=group.id, last_seen_at=now, previous_seen_at=None)
        except IntegrityError:  # a second tab got there first: this is the same first visit
            pass
        return None
    since_last = now - visit.last_seen_at
    if since_last > VISIT_GAP:
        # A new visit: the last one ended at last_seen_at.
        await GroupVisit.filter(id=visit.id, last_seen_at=visit.last_seen_at).update(
            previous_seen_at=visit.last_seen_at, last_seen_at=now)
        return visit.last_seen_at
    if since_last >= WRITE_INTERVAL:
        await GroupVisit.filter(id=visit.id).update(last_seen_at=now)
    return visit.previous_seen_at
