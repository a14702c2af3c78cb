"""The daily figures of a period: stored rollups for the finished days, today counted live."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tortoise.functions import Count

from federation.group_insights.days import days_between
from federation.group_insights.rollups import DayCounts, RangeCounts, count_days
from federation.raw_sql import Params
from models.group_insights import GroupDailyStat, GroupMemberDay

_FIELDS = ("posts", "replies", "votes", "checkins", "joins", "leaves", "held", "removed", "reported", "active",
           "active_week", "active_month")


async def _today_trailing(group_id: int, today: date, live: RangeCounts,
                          kept: tuple[int | None, int | None]) -> tuple[int, int]:
    """Distinct active people over the 7 and 30 days ending today: the stored days plus today's live ones.

    The rollup keeps yesterday's distinct people over its 6 and 29 days ending yesterday (A); today's people
    (T) are few, so |A | T| = |A| + |T| - |A & T| needs only T's own member days."""
    todays = live.active_ids(today)
    week, month = kept
    if week is not None and month is not None:
        if todays:
            last_days = await _last_active_days(group_id, sorted(todays), today - timedelta(days=29), today)
            recent = today - timedelta(days=6)
            week += len(todays) - sum(1 for _, last in last_days if _as_date(last) >= recent)
            month += len(todays) - len(last_days)
        return week, month
    return await _counted_trailing(group_id, today, todays)


async def _last_active_days(group_id: int, actor_ids: list[int], since: date, until: date) -> list[tuple[int, Any]]:
    """(actor id, last active day in [since, until)) of these people. Plain SQL: on PostgreSQL the ids go as one
    array parameter, because a statement with hundreds of parameters costs ~100 ms to plan the first time each
    pooled connection sees it (measured on the insights bench), while `= ANY($n)` is planned in a few."""
    db = GroupMemberDay._meta.db
    p = Params(db)
    where = f"group_id = {p.add(group_id)} AND active = {p.add(True)} AND day >= {p.add(since)} AND day < {p.add(until)}"
    if db.capabilities.dialect == "sqlite":
        where += f" AND actor_id IN ({p.add_all(actor_ids)})"
    else:
        where += f" AND actor_id = ANY({p.add(actor_ids)}::bigint[])"
    rows = await db.execute_query_dict(
        f"SELECT actor_id, MAX(day) AS last FROM group_member_day WHERE {where} GROUP BY actor_id", p.values)
    return [(row["actor_id"], row["last"]) for row in rows]


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def _counted_trailing(group_id: int, today: date, todays: set[int]) -> tuple[int, int]:
    """The same from the stored member days (days rolled up before the rollup kept the prior counts)."""
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
    rows = await GroupDailyStat.filter(group_id=group_id, day__gte=first, day__lt=today).values(
        "day", "active_prior_week", "active_prior_month", *_FIELDS)
    kept: tuple[int | None, int | None] = (None, None)
    for row in rows:
        day = _as_date(row.pop("day"))
        prior = (row.pop("active_prior_week"), row.pop("active_prior_month"))
        if day == today - timedelta(days=1):
            kept = prior
        days[day] = DayCounts(**row)
    live = await count_days(group_id, today, today)
    figures = live.days[today]
    figures.active_week, figures.active_month = await _today_trailing(group_id, today, live, kept)
    days[today] = figures
    return days, live


def total(days: dict[date, DayCounts], first: date, last: date, name: str) -> int:
    return sum(getattr(figures, name) for day, figures in days.items() if first <= day <= last)
