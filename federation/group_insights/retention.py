"""Retention: of the people who joined in a calendar week (Monday to Sunday, UTC), how many were active
(posted, replied, voted or checked in) in each of the four weeks after it.

`count_cohorts` counts it from the stored member days (the nightly rollup stores the result as GroupCohort
rows, recomputing the weeks not over yet); `retention` reads those rows for a period.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tortoise.expressions import Subquery

from models.group_insights import GroupCohort, GroupMemberDay

FOLLOWING_WEEKS = 4


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Cohort:
    week_start: date
    joined: int
    # Per following week: how many were active and the share (0..1), or None while that week is not over.
    active: list[int | None]
    shares: list[float | None]


async def count_cohorts(group_id: int, first_week: date, last_day: date) -> list[GroupCohort]:
    """The cohorts of the weeks first_week..monday(last_day), counted from the member days up to last_day
    (the last finished day)."""
    last_week = monday(last_day)
    joiners = GroupMemberDay.filter(group_id=group_id, joined=True, day__gte=first_week,
                                    day__lte=last_week + timedelta(days=6))
    cohort_of: dict[int, date] = {}
    for actor_id, day in await joiners.order_by("day").values_list("actor_id", "day"):
        cohort_of.setdefault(actor_id, monday(day))
    seen: set[tuple[int, date]] = set()
    if cohort_of:
        rows = await GroupMemberDay.filter(
            group_id=group_id, active=True, day__gte=first_week + timedelta(days=7), day__lte=last_day,
            actor_id__in=Subquery(joiners.values("actor_id")),
        ).values_list("actor_id", "day")
        seen = {(actor_id, monday(day)) for actor_id, day in rows}
    members: dict[date, list[int]] = {}
    for actor_id, week in cohort_of.items():
        members.setdefault(week, []).append(actor_id)
    result = []
    week = first_week
    while week <= last_week:
        people = members.get(week, [])
        counts: list[int | None] = []
        for after in range(1, FOLLOWING_WEEKS + 1):
            start = week + timedelta(days=7 * after)
            if start + timedelta(days=6) > last_day:
                counts.append(None)
            else:
                counts.append(sum(1 for actor in people if (actor, start) in seen))
        result.append(GroupCohort(group_id=group_id, week_start=week, joined=len(people), active_1=counts[0],
                                  active_2=counts[1], active_3=counts[2], active_4=counts[3]))
        week += timedelta(days=7)
    return result


async def retention(group_id: int, first: date) -> list[Cohort]:
    """The stored cohorts of the weeks that overlap the period starting at `first`, oldest first."""
    rows = await GroupCohort.filter(group_id=group_id, week_start__gte=monday(first)).order_by("week_start")
    cohorts = []
    for row in rows:
        active = [row.active_1, row.active_2, row.active_3, row.active_4]
        shares = [None if n is None else (round(n / row.joined, 4) if row.joined else 0.0) for n in active]
        cohorts.append(Cohort(row.week_start, row.joined, active, shares))
    return cohorts
