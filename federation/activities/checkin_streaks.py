"""Streak arithmetic for daily check-ins: pure functions over dates and zones, no database, no clock.

A series runs on some weekdays (digits, Monday is 0). Its *run days* are the days it really ran: the days
whose thread the group posted. A streak counts consecutive run days a member checked in on, so a day the series
does not run (Wednesday, for a Tuesday/Thursday series), a day it was paused, or a day before it started never
breaks one. A check-in counts for the day of the thread it answers; that day stays open until the next run day
starts (midnight in the series' zone), so a reply that federation delivered late still counts.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Streaks:
    current: int  # consecutive run days checked in, up to the latest one (an open, unchecked day does not break it)
    longest: int  # the longest such run ever
    total: int  # every check-in


def runs_on(weekdays: str, day: date) -> bool:
    return str(day.weekday()) in weekdays


def next_run_day(weekdays: str, after: date) -> date | None:
    """The first day after `after` the series runs on (None when it runs on no day)."""
    for offset in range(1, 8):
        candidate = after + timedelta(days=offset)
        if runs_on(weekdays, candidate):
            return candidate
    return None


def previous_run_day(weekdays: str, before: date) -> date | None:
    for offset in range(1, 8):
        candidate = before - timedelta(days=offset)
        if runs_on(weekdays, candidate):
            return candidate
    return None


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The date it is at `moment` in `zone` (a naive moment is UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(zone).date()


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Midnight at the start of `day` in `zone`, in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def window_end(day: date, weekdays: str, zone: ZoneInfo) -> datetime:
    """Until when a check-in counts for `day`: the start of the series' next run day (else the next midnight)."""
    following = next_run_day(weekdays, day) or day + timedelta(days=1)
    return day_start(following, zone)


def streaks(run_days: Iterable[date], checked: Iterable[date], open_day: date | None = None) -> Streaks:
    """A member's streaks over the days a series ran.

    `checked` are the days the member checked in on; `open_day` is a run day still open for check-ins (today, or
    a day whose window has not closed): not checked in yet, it does not break the current streak.
    """
    days = sorted(set(run_days))
    done = set(checked)
    if days and open_day is not None and days[-1] == open_day and open_day not in done:
        days = days[:-1]
    longest = run = 0
    for day in days:
        run = run + 1 if day in done else 0
        longest = max(longest, run)
    current = 0
    for day in reversed(days):
        if day not in done:
            break
        current += 1
    return Streaks(current=current, longest=longest, total=len(done))


def month_weeks(year: int, month: int) -> list[list[date | None]]:
    """A month as weeks from Monday to Sunday, with None where a week reaches into another month."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [[day if day.month == month else None for day in week] for week in weeks]


def shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1
