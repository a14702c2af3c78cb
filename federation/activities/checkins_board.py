"""Reading check-ins: the day's check-ins, the leaderboard, a member's days and streaks.

These functions decide nothing about who may look: the pages and the API ask federation/audience.py first
(may_see_group_content for the group), and a check-in's note is shown only to those who may see the reply it
was posted as (notes_for).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from federation import audience
from federation.activities.checkin_streaks import Streaks, streaks
from federation.activities.checkins import open_day
from models.actors import Actor
from models.checkins import Checkin, CheckinDay, CheckinSeries

LEADERBOARD_SIZE = 50


@dataclass(frozen=True)
class Standing:
    actor: Actor
    streaks: Streaks
    last_day: date


async def run_days(series: CheckinSeries) -> list[date]:
    """The days the series ran (their threads were posted), oldest first."""
    return sorted(await CheckinDay.filter(series=series).values_list("day", flat=True))


async def _open(series: CheckinSeries, now: datetime) -> date | None:
    found = await open_day(series, now)
    return found.day if found is not None else None


async def leaderboard(series: CheckinSeries, now: datetime, limit: int = LEADERBOARD_SIZE) -> list[Standing]:
    """Everyone who checked in, best current streak first (then longest, then total)."""
    days = await run_days(series)
    pending = await _open(series, now)
    by_actor: dict[int, list[date]] = {}
    for actor_id, day in await Checkin.filter(series=series).values_list("actor_id", "day"):
        by_actor.setdefault(actor_id, []).append(day)
    actors = {actor.id: actor for actor in await Actor.filter(id__in=list(by_actor), deleted_at=None)}
    standings = [
        Standing(actors[actor_id], streaks(days, checked, pending), max(checked))
        for actor_id, checked in by_actor.items() if actor_id in actors
    ]
    standings.sort(key=lambda s: (-s.streaks.current, -s.streaks.longest, -s.streaks.total,
                                  (s.actor.display_name or s.actor.username or "").lower(), s.actor.id))
    return standings[:limit]


async def member_streaks(series: CheckinSeries, actor: Actor, now: datetime) -> Streaks:
    checked = await Checkin.filter(series=series, actor=actor).values_list("day", flat=True)
    return streaks(await run_days(series), checked, await _open(series, now))


async def member_days(series: CheckinSeries, actor: Actor) -> list[Checkin]:
    return list(await Checkin.filter(series=series, actor=actor).order_by("day"))


async def day_checkins(series: CheckinSeries, day: date) -> list[Checkin]:
    return list(await Checkin.filter(series=series, day=day).order_by("created_at", "id").prefetch_related("actor"))


async def notes_for(checkins: Iterable[Checkin], viewer: audience.Viewer) -> dict[int, str]:
    """{check-in id: note} for the notes this viewer may read: those whose reply it may see."""
    items = [checkin for checkin in checkins if checkin.note and checkin.post_id is not None]
    allowed = await audience.visible_ids([checkin.post_id for checkin in items if checkin.post_id], viewer)
    return {checkin.id: checkin.note or "" for checkin in items if checkin.post_id in allowed}


async def day_of_thread(thread_id: int) -> CheckinDay | None:
    """The check-in day whose thread this post is, with its series."""
    return await CheckinDay.filter(thread_id=thread_id).prefetch_related("series").first()
