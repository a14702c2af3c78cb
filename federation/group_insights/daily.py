"""The daily figures of a period: stored rollups for the finished days, today counted live."""
from __future__ import annotations

from datetime import date, timedelta

from tortoise.functions import Count

from federation.group_insights.days import days_between
from federation.group_insights.rollups import DayCounts, RangeCounts, count_days
from models.group_insights import GroupDailyStat, GroupMemberDay

_FIELDS = ("posts", "replies", "votes", "checkins", "joins", "leaves", "held", "removed", "reported", "active",
           "active_week", "active_month")


async def _today_trailing(group_id: int, today: date, live: RangeCounts) -> tuple[int, int]:
    """Distinct active people over the 7 and 30 days ending today: stored days plus today's live ones."""
    todays = live.active_ids(today)
    result = []
    for span in (7, 30):
        since = today - timedelta(days=span - 1)
        # The stored days' people who were not active today, plus today's: one COUNT(DISTINCT).
        stored = GroupMemberDay.filter(group_id=group_id, active=True, day__gte=since, day__lt=today)
        if todays:
            stored = stored.exclude(actor_id__in=sorted(todays))
        counted = await stored.annotate(n=Count("actor_id", distinct=True)).values("n")
        result.append((counted[0]["n"] or 0 if counted else 0) + len(todays))
    return result[0], result[1]


async def daily_figures(group_id: int, first: date, today: date) -> tuple[dict[date, DayCounts], RangeCounts]:
    """first..today: the stored days, zeros for days never stored, and today live (also returned raw, for the
    modules that add today's people to the stored ones)."""
    days = {day: DayCounts() for day in days_between(first, today)}
    rows = await GroupDailyStat.filter(group_id=group_id, day__gte=first, day__lt=today).values("day", *_FIELDS)
    for row in rows:
        day = row.pop("day")
        days[day] = DayCounts(**row)
    live = await count_days(group_id, today, today)
    figures = live.days[today]
    figures.active_week, figures.active_month = await _today_trailing(group_id, today, live)
    days[today] = figures
    return days, live


def total(days: dict[date, DayCounts], first: date, last: date, name: str) -> int:
    return sum(getattr(figures, name) for day, figures in days.items() if first <= day <= last)
