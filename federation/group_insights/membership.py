"""Members: how many now, joins and leaves per day (from FollowEvent, which every way of joining and leaving
records), members at the end of each day, the servers they come from, and how long join requests waited."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from statistics import median

from federation.group_insights.days import Period, day_start
from federation.group_insights.rollups import DayCounts
from federation.group_insights.servers import ServerShare, member_servers
from models.follows import ACCEPTED, PENDING, Follow
from models.moderation import ModLogEntry

__all__ = ["ServerShare", "member_servers", "members_now", "members_by_day", "join_waits", "JoinWaits"]


async def members_now(group_id: int) -> int:
    return await Follow.filter(target_id=group_id, state=ACCEPTED).count()


def members_by_day(days: dict[date, DayCounts], now: int) -> dict[date, int]:
    """Members at the end of each day: today's count, minus the net joins of the days after."""
    result: dict[date, int] = {}
    running = now
    for day in sorted(days, reverse=True):
        result[day] = running
        running -= days[day].joins - days[day].leaves
    return result


@dataclass(frozen=True)
class JoinWaits:
    approved: int
    rejected: int
    median_hours: float | None  # of the requests decided in the period
    longest_hours: float | None
    pending_now: int
    oldest_pending_hours: float | None


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 1)


async def join_waits(group_id: int, period: Period, now: datetime) -> JoinWaits:
    """Requests a moderator decided in the period (the modlog keeps when each was asked), and those waiting."""
    entries = await ModLogEntry.filter(group_id=group_id, action__in=("join.approved", "join.rejected"),
                                       created_at__gte=day_start(period.first)).values_list(
        "action", "created_at", "details")
    waits: list[float] = []
    approved = rejected = 0
    for action, decided, details in entries:
        approved += action == "join.approved"
        rejected += action == "join.rejected"
        asked = (details or {}).get("requested_at")
        if asked:
            try:
                waits.append((decided - datetime.fromisoformat(asked)).total_seconds())
            except (TypeError, ValueError):
                continue
    pending = await Follow.filter(target_id=group_id, state=PENDING).order_by("created_at").values_list(
        "created_at", flat=True)
    return JoinWaits(
        approved=approved, rejected=rejected,
        median_hours=_hours(median(waits)) if waits else None,
        longest_hours=_hours(max(waits)) if waits else None,
        pending_now=len(pending),
        oldest_pending_hours=_hours((now - pending[0]).total_seconds()) if pending else None,
    )
