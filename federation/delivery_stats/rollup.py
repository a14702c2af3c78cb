"""Delivery rollups: per (UTC day of creation, remote host), how many deliveries were done, failed or waiting.

A pair whose deliveries were all done or failed when counted is final: nothing changes it any more, except
an admin's retry or discard of failed rows (corrected by `requeued`/`discarded` below). A pair still waiting
is counted live by insights and counted again by each nightly job until it is final. Only final pairs are
pruned (prune.py), and pruning moves a row's count from the queue into pruned_done/pruned_failed, so counting
any day again (pruned + what the queue still holds) gives the same figures: re-running a day is idempotent.

Instance insights read a period as: the cached sums of its final pairs (DeliveryPeriodStat), plus the
unsettled pairs and the days not rolled up yet (today at least) counted live from the queue.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable, Iterable

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count, Sum
from tortoise.transactions import in_transaction

from federation.group_insights.days import PERIODS, day_of, day_start, days_between
from models.delivery_stats import DeliveryDayStat, DeliveryPeriodStat
from models.queues import DONE, FAILED, Delivery

log = logging.getLogger(__name__)

_HOST_CHUNK = 500  # hosts per IN (...) list


@dataclass
class Tally:
    done: int = 0
    failed: int = 0
    waiting: int = 0

    def add(self, state: str, n: int) -> None:
        if state == DONE:
            self.done += n
        elif state == FAILED:
            self.failed += n
        else:  # pending, or any state a later version adds: not delivered yet
            self.waiting += n


def host_chunks(hosts: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(hosts), _HOST_CHUNK):
        yield hosts[start:start + _HOST_CHUNK]


async def count_live(since: datetime, until: datetime | None = None,
                     hosts: Iterable[str] | None = None) -> dict[str, Tally]:
    """Per host, the queue's deliveries created in [since, until) (served by the created_at, host, state index)."""
    query = Delivery.filter(created_at__gte=since)
    if until is not None:
        query = query.filter(created_at__lt=until)
    queries = [query] if hosts is None else [query.filter(host__in=chunk) for chunk in host_chunks(sorted(set(hosts)))]
    tallies: dict[str, Tally] = defaultdict(Tally)
    for part in queries:
        for host, state, n in await part.annotate(n=Count("id")).group_by("host", "state").values_list(
                "host", "state", "n"):
            tallies[host].add(state, n)
    return tallies


async def last_counted_day() -> date | None:
    rows = await DeliveryDayStat.all().order_by("-day").limit(1).values_list("day", flat=True)
    return rows[0] if rows else None


async def first_delivery_day() -> date | None:
    rows = await Delivery.all().order_by("created_at").limit(1).values_list("created_at", flat=True)
    return day_of(rows[0]) if rows else None


async def count_day(day: date, hosts: Iterable[str] | None = None) -> int:
    """Count `day` (or only `hosts` of it) again: pruned counts plus the queue's rows; returns the pairs stored.
    Never run it beside prune on the same pairs: prune touches final pairs only, the job counts new days and
    unsettled pairs only."""
    live = await count_live(day_start(day), day_start(day + timedelta(days=1)), hosts)
    async with in_transaction():
        existing = DeliveryDayStat.filter(day=day)
        if hosts is not None:
            existing = existing.filter(host__in=list(hosts))
        pruned = {host: (done, failed) for host, done, failed in await existing.values_list(
            "host", "pruned_done", "pruned_failed")}
        rows = []
        for host in set(live) | set(pruned):
            tally = live.get(host, Tally())
            pruned_done, pruned_failed = pruned.get(host, (0, 0))
            rows.append(DeliveryDayStat(day=day, host=host, done=pruned_done + tally.done,
                                        failed=pruned_failed + tally.failed, waiting=tally.waiting,
                                        pruned_done=pruned_done, pruned_failed=pruned_failed))
        await existing.delete()
        await DeliveryDayStat.bulk_create(rows, batch_size=500)
    return len(rows)


async def roll_up(today: date, progress: Callable[[str], None] = log.info) -> tuple[int, int]:
    """Count the days not counted yet (up to yesterday), count the unsettled pairs again, and refresh the
    period sums; returns (days counted, unsettled pairs counted again)."""
    yesterday = today - timedelta(days=1)
    last = await last_counted_day()
    # The unsettled pairs of the days counted before (new days are counted whole just below).
    unsettled: dict[date, list[str]] = defaultdict(list)
    if last is not None:
        for day, host in await DeliveryDayStat.filter(waiting__gt=0).values_list("day", "host"):
            unsettled[day].append(host)
    first = last + timedelta(days=1) if last else await first_delivery_day()
    new_days = days_between(first, yesterday) if first and first <= yesterday else []
    for n, day in enumerate(new_days, 1):
        pairs = await count_day(day)
        if n % 30 == 0 or n == len(new_days):
            progress(f"rolled up {n} of {len(new_days)} days (through {day}, {pairs} remote servers that day)")
    recounted = 0
    for day, hosts in sorted(unsettled.items()):
        recounted += await count_day(day, hosts)
    if unsettled:
        progress(f"counted {recounted} still unsettled day and server pairs again")
    await DeliveryPeriodStat.all().delete()  # finality may have changed
    for days in PERIODS:
        await period_sums(today, days, fresh=True)
    return len(new_days), recounted


async def _final_sums(first: date, last: date) -> dict[str, tuple[int, int]]:
    rows = await (DeliveryDayStat.filter(day__gte=first, day__lte=last, waiting=0)
                  .annotate(d=Sum("done"), f=Sum("failed")).group_by("host").values_list("host", "d", "f"))
    return {host: (int(done or 0), int(failed or 0)) for host, done, failed in rows}


async def period_sums(today: date, days: int, *, fresh: bool = False) -> dict[str, tuple[int, int]]:
    """The final pairs' sums per host over the period's closed days, cached per (today, days); `fresh`
    (the job, after it settled pairs) replaces what a page view may have cached meanwhile."""
    period = DeliveryPeriodStat.filter(today=today, days=days)
    if not fresh:
        cached = await period.values_list("host", "done", "failed")
        if cached:
            return {host: (done, failed) for host, done, failed in cached}
    sums = await _final_sums(today - timedelta(days=days - 1), today - timedelta(days=1))
    rows = [DeliveryPeriodStat(today=today, days=days, host=host, done=done, failed=failed)
            for host, (done, failed) in sums.items()]
    try:
        async with in_transaction():
            if fresh:
                await period.delete()
            await DeliveryPeriodStat.bulk_create(rows, batch_size=1000)
    except IntegrityError:  # another request cached the same period a moment ago: same figures
        pass
    return sums


async def host_tallies(first: date, today: date) -> dict[str, Tally]:
    """Deliveries created from `first` on, per host: final pairs from the rollup, the rest live."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    last = await last_counted_day()
    counted_end = min(last, today - timedelta(days=1)) if last else None
    live_from = first
    if counted_end is not None and counted_end >= first:
        live_from = counted_end + timedelta(days=1)
        whole = counted_end == today - timedelta(days=1)
        sums = await period_sums(today, (today - first).days + 1) if whole else await _final_sums(first, counted_end)
        for host, (done, failed) in sums.items():
            tallies[host].done += done
            tallies[host].failed += failed
        unsettled: dict[date, dict[str, tuple[int, int]]] = defaultdict(dict)
        for day, host, pruned_done, pruned_failed in await DeliveryDayStat.filter(
                waiting__gt=0, day__gte=first, day__lte=counted_end).values_list(
                "day", "host", "pruned_done", "pruned_failed"):
            unsettled[day][host] = (pruned_done, pruned_failed)
        for day, hosts in unsettled.items():
            live = await count_live(day_start(day), day_start(day + timedelta(days=1)), hosts)
            for host, (pruned_done, pruned_failed) in hosts.items():
                tally = live.get(host, Tally())
                tallies[host].done += pruned_done + tally.done
                tallies[host].failed += pruned_failed + tally.failed
                tallies[host].waiting += tally.waiting
    for host, tally in (await count_live(day_start(live_from))).items():
        tallies[host].done += tally.done
        tallies[host].failed += tally.failed
        tallies[host].waiting += tally.waiting
    return tallies


async def _correct(rows: Iterable[tuple[str, datetime]], requeued: bool) -> None:
    per_pair: dict[tuple[date, str], int] = defaultdict(int)
    for host, created in rows:
        per_pair[(day_of(created), host)] += 1
    if not per_pair:
        return
    async with in_transaction():
        days = {day for day, _ in per_pair}
        hosts = sorted({host for _, host in per_pair})
        stats = []
        for chunk in host_chunks(hosts):
            stats += await DeliveryDayStat.filter(day__in=days, host__in=chunk).select_for_update()
        changed = [stat for stat in stats if (stat.day, stat.host) in per_pair]
        for stat in changed:
            n = per_pair[(stat.day, stat.host)]
            stat.failed = max(0, stat.failed - n)
            if requeued:
                stat.waiting += n  # unsettled again: insights count the pair live until the job settles it
        if changed:
            await DeliveryDayStat.bulk_update(changed, fields=["failed", "waiting"], batch_size=500)
            await DeliveryPeriodStat.all().delete()


async def requeued(rows: Iterable[tuple[str, datetime]]) -> None:
    """Failed deliveries (host, created_at) an admin put back in the queue: their pairs are unsettled again."""
    await _correct(rows, requeued=True)


async def discarded(rows: Iterable[tuple[str, datetime]]) -> None:
    """Failed deliveries an admin deleted for good: they leave the stored counts, as they leave the live ones."""
    await _correct(rows, requeued=False)
