"""UTC days and the period of an insights view: the last `days` days (today included) and the one before."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

PERIODS = (7, 30, 90)


def today_utc(now: datetime | None = None) -> date:
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def day_of(moment: datetime) -> date:
    return moment.astimezone(timezone.utc).date()


def days_between(first: date, last: date) -> list[date]:
    """Every day from first to last, both included."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass(frozen=True)
class Period:
    today: date
    days: int

    @property
    def first(self) -> date:
        return self.today - timedelta(days=self.days - 1)

    @property
    def previous_first(self) -> date:
        return self.first - timedelta(days=self.days)

    @property
    def previous_last(self) -> date:
        return self.first - timedelta(days=1)

    def all_days(self) -> list[date]:
        return days_between(self.first, self.today)

    def weeks(self) -> list[tuple[date, date]]:
        """The period in blocks of seven days from its first day (the last block may be shorter)."""
        blocks = []
        start = self.first
        while start <= self.today:
            blocks.append((start, min(start + timedelta(days=6), self.today)))
            start += timedelta(days=7)
        return blocks


def parse_days(raw: str | None) -> int:
    """?days=7|30|90; anything else is the default, 30."""
    try:
        value = int(raw or "")
    except ValueError:
        return 30
    return value if value in PERIODS else 30
