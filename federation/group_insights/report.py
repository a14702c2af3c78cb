"""Everything a group's insights page shows, gathered once: the page and the JSON API render this."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from federation.group_insights import activities as activities_module
from federation.group_insights.activity import Contributor, top_contributors
from federation.group_insights.daily import daily_figures, total
from federation.group_insights.days import Period, day_of
from federation.group_insights.membership import (
    JoinWaits, ServerShare, join_waits, member_servers, members_by_day, members_now,
)
from federation.group_insights.moderation_load import WeekLoad, weekly_load
from federation.group_insights.retention import Cohort, retention
from federation.group_insights.rollups import DayCounts, ensure_scheduled, missing_days, roll_up, run_soon
from models.actors import Actor

__all__ = ["GroupInsights", "group_insights", "Figure", "Preparing"]

# A page view rolls up at most this many missed days itself (a month of missed nights takes well under a
# second); a longer history goes to the job.
INLINE_DAYS = 45

# The headline figures compared with the previous period, in the order shown.
SUMMED = ("joins", "leaves", "posts", "replies", "votes", "checkins", "held", "removed", "reported")


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    previous: float

    @property
    def change(self) -> float:
        return self.value - self.previous


@dataclass(frozen=True)
class DayRow:
    day: date
    members: int
    figures: DayCounts

    @property
    def net(self) -> int:
        return self.figures.joins - self.figures.leaves

    @property
    def checkin_rate(self) -> float:
        return round(self.figures.checkins / self.members, 4) if self.members else 0.0


@dataclass(frozen=True)
class GroupInsights:
    group: Actor
    period: Period
    members: int
    summary: list[Figure]
    days: list[DayRow]  # the period, oldest first, today last
    moderation: list[WeekLoad]
    join_waits: JoinWaits
    contributors: list[Contributor]
    servers: list[ServerShare]
    server_count: int
    cohorts: list[Cohort]
    polls: list[activities_module.PollRow]
    events: list[activities_module.EventRow]

    def figure(self, name: str) -> Figure:
        return next(f for f in self.summary if f.name == name)


def _average(days: dict[date, DayCounts], first: date, last: date, name: str) -> float:
    inside = [getattr(f, name) for day, f in days.items() if first <= day <= last]
    return round(sum(inside) / len(inside), 2) if inside else 0.0


class Preparing(Exception):
    """The group's history is not rolled up yet: the rollup job was asked to run (a page shows a notice)."""


async def group_insights(group: Actor, days: int, now: datetime | None = None) -> GroupInsights:
    """The figures of the last `days` days. Raises Preparing when more than INLINE_DAYS finished days are not
    rolled up yet (a first view of a group with a long history): the job rolls them up at the next pass."""
    moment = now or datetime.now(timezone.utc)
    period = Period(day_of(moment), days)
    if await missing_days(group, period.today) > INLINE_DAYS:
        await run_soon(moment)
        raise Preparing()
    await roll_up(group, period.today)
    await ensure_scheduled(moment)
    figures, live = await daily_figures(group.id, period.previous_first, period.today)
    count = await members_now(group.id)
    at_end = members_by_day(figures, count)
    previous_members = at_end[period.previous_last]

    summary = [Figure("members", count, previous_members)]
    for name in SUMMED:
        summary.append(Figure(name, total(figures, period.first, period.today, name),
                              total(figures, period.previous_first, period.previous_last, name)))
    summary.insert(3, Figure("net", summary[1].value - summary[2].value, summary[1].previous - summary[2].previous))
    summary.append(Figure("active_daily", _average(figures, period.first, period.today, "active"),
                          _average(figures, period.previous_first, period.previous_last, "active")))
    summary.append(Figure("active_week", figures[period.today].active_week,
                          figures[period.previous_last].active_week))
    summary.append(Figure("active_month", figures[period.today].active_month,
                          figures[period.previous_last].active_month))

    rows = [DayRow(day, at_end[day], figures[day]) for day in period.all_days()]
    weeks = period.weeks()
    servers, server_count = await member_servers(group.id, count)
    return GroupInsights(
        group=group, period=period, members=count, summary=summary, days=rows,
        moderation=weekly_load(figures, weeks),
        join_waits=await join_waits(group.id, period, moment),
        contributors=await top_contributors(group.id, days, period.today),
        servers=servers, server_count=server_count,
        cohorts=await retention(group.id, period.first),
        polls=await activities_module.polls(group.id, period.first, count),
        events=await activities_module.events(group.id, period.first, period.today),
    )
