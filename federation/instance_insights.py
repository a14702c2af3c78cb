"""Instance insights for admins: growth of accounts, groups and pages, federation health (deliveries done and
failed per remote server, hosts in backoff) and the queue depths now.

Deliveries are those created in the period: what was sent, not what was read. Closed days come from the
delivery rollup (federation/delivery_stats/: the queue rows are pruned after a retention), today and the
deliveries still being retried are counted live from the queue.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from federation.delivery_stats.rollup import host_tallies
from federation.group_insights.days import Period, day_of, day_start
from models.actors import Actor, LocalUser
from models.mail import MAIL_PENDING, OutboundMail
from models.queues import PENDING, Delivery, FanOut, HostBackoff, InboxItem, ScheduledJob

TOP_HOSTS = 20


@dataclass(frozen=True)
class GrowthRow:
    day: date
    accounts: int  # totals at the end of the day
    groups: int
    pages: int


@dataclass(frozen=True)
class HostHealth:
    host: str
    done: int
    failed: int
    waiting: int  # not delivered yet (retrying or due)

    @property
    def total(self) -> int:
        return self.done + self.failed + self.waiting


@dataclass(frozen=True)
class Backoff:
    host: str
    failures: int
    next_attempt_at: datetime
    last_error: str


@dataclass(frozen=True)
class InstanceInsights:
    period: Period
    growth: list[GrowthRow]
    new_accounts: int
    new_groups: int
    new_pages: int
    hosts: list[HostHealth]  # the busiest remote servers of the period, most deliveries first
    host_count: int
    delivered: int
    failed: int
    waiting: int
    backoffs: list[Backoff]
    queues: dict[str, int]


def _growth(now_total: int, created: list[datetime], days: list[date]) -> list[int]:
    """Totals at the end of each day: the total now, minus what was created after that day."""
    per_day: dict[date, int] = {}
    for moment in created:
        per_day[day_of(moment)] = per_day.get(day_of(moment), 0) + 1
    totals = []
    running = now_total
    for day in reversed(days):
        totals.append(running)
        running -= per_day.get(day, 0)
    return list(reversed(totals))


async def _deliveries(period: Period) -> list[HostHealth]:
    tallies = await host_tallies(period.first, period.today)
    hosts = (HostHealth(host, t.done, t.failed, t.waiting) for host, t in tallies.items())
    return sorted((h for h in hosts if h.total), key=lambda h: (-h.total, h.host))


async def queue_depths() -> dict[str, int]:
    return {
        "inbox": await InboxItem.filter(state=PENDING).count(),
        "fanout": await FanOut.filter(state=PENDING).count(),
        "delivery": await Delivery.filter(state=PENDING).count(),
        "jobs": await ScheduledJob.filter(state=PENDING).count(),
        "mail": await OutboundMail.filter(state=MAIL_PENDING).count(),
    }


async def instance_insights(days: int, now: datetime | None = None) -> InstanceInsights:
    moment = now or datetime.now(timezone.utc)
    period = Period(day_of(moment), days)
    since = day_start(period.first)
    all_days = period.all_days()
    # Created after the period started (those after today cannot exist): the growth within the period.
    accounts_now = await LocalUser.all().count()
    accounts = list(await LocalUser.filter(created_at__gte=since).values_list("created_at", flat=True))
    groups = Actor.filter(type="Group", is_local=True, deleted_at__isnull=True)
    pages = Actor.filter(type="Service", is_local=True, deleted_at__isnull=True)
    groups_now, pages_now = await groups.count(), await pages.count()
    new_groups = list(await groups.filter(created_at__gte=since).values_list("created_at", flat=True))
    new_pages = list(await pages.filter(created_at__gte=since).values_list("created_at", flat=True))
    growth = [GrowthRow(day, a, g, p) for day, a, g, p in zip(
        all_days, _growth(accounts_now, accounts, all_days), _growth(groups_now, new_groups, all_days),
        _growth(pages_now, new_pages, all_days))]
    hosts = await _deliveries(period)
    backoffs = [Backoff(row.host, row.failures, row.next_attempt_at, row.last_error or "")
                for row in await HostBackoff.filter(next_attempt_at__gt=moment).order_by("next_attempt_at")]
    return InstanceInsights(
        period=period, growth=growth, new_accounts=len(accounts), new_groups=len(new_groups),
        new_pages=len(new_pages), hosts=hosts[:TOP_HOSTS], host_count=len(hosts),
        delivered=sum(h.done for h in hosts), failed=sum(h.failed for h in hosts),
        waiting=sum(h.waiting for h in hosts), backoffs=backoffs, queues=await queue_depths(),
    )


__all__ = ["InstanceInsights", "instance_insights", "queue_depths"]
