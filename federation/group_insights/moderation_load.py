"""Moderation load: posts held for review, posts removed and reports made, per seven-day block."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from federation.group_insights.rollups import DayCounts


@dataclass(frozen=True)
class WeekLoad:
    week_start: date
    held: int
    removed: int
    reported: int


def weekly_load(days: dict[date, DayCounts], weeks: list[tuple[date, date]]) -> list[WeekLoad]:
    result = []
    for start, end in weeks:
        inside = [figures for day, figures in days.items() if start <= day <= end]
        result.append(WeekLoad(start, sum(f.held for f in inside), sum(f.removed for f in inside),
                               sum(f.reported for f in inside)))
    return result
