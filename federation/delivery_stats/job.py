"""The nightly queue job: roll up the deliveries of the days that closed, then prune finished queue rows.

It schedules itself for the next night; the worker's housekeeping makes sure it is pending (federation/work.py),
so it runs whether or not anyone opens instance insights. `moot queue prune` runs the same steps now.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, time as clock, timedelta, timezone
from typing import TYPE_CHECKING, Callable

from federation.delivery_stats.prune import PruneCounts, prune
from federation.delivery_stats.rollup import last_counted_day, roll_up
from federation.group_insights.days import day_of
from federation.schedule import schedule
from models.queues import PENDING, ScheduledJob

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)

JOB_KIND = "queue.housekeeping"
JOB_KEY = "queue-housekeeping"
RUN_AT = clock(0, 10)  # UTC: after the day closed (and after page insights' 00:05 and 00:15 jobs' start)
DEFAULT_RETENTION_DAYS = 7
# The payload key of the inbox compaction's mark (federation/delivery_stats/prune.py inbox_compacted_through).
INBOX_MARK = "inbox_compacted_through"


@dataclass(frozen=True)
class HousekeepingResult:
    days_rolled_up: int
    pairs_recounted: int
    pruned: PruneCounts
    seconds: float


def next_run(now: datetime) -> datetime:
    moment = datetime.combine(day_of(now), RUN_AT, tzinfo=timezone.utc)
    return moment if moment > now else moment + timedelta(days=1)


async def ensure_scheduled(now: datetime) -> None:
    if not await ScheduledJob.filter(key=JOB_KEY, state=PENDING).exists():
        await schedule(JOB_KIND, JOB_KEY, next_run(now))


async def run_housekeeping(now: datetime, retention_days: int = DEFAULT_RETENTION_DAYS, *, dry_run: bool = False,
                           progress: Callable[[str], None] = log.info) -> HousekeepingResult:
    """Roll up, then prune (a dry run writes nothing: it says how many days wait for the rollup and what
    would be deleted of the days already rolled up)."""
    started = time.perf_counter()
    if dry_run:
        last = await last_counted_day()
        waiting_days = (day_of(now) - last).days - 1 if last else None
        progress(f"days waiting for the rollup: {waiting_days if waiting_days is not None else 'all (never run)'}")
        days, recounted = 0, 0
    else:
        days, recounted = await roll_up(day_of(now), progress)
        progress(f"rollup: {days} new days, {recounted} unsettled pairs counted again "
                 f"({time.perf_counter() - started:.1f} s)")
    # The inbox compaction's mark lives in the nightly job's payload, so `moot queue prune` and the job share it.
    job = await ScheduledJob.filter(key=JOB_KEY).first()
    after = int((job.payload or {}).get(INBOX_MARK, 0)) if job is not None else 0
    pruned = await prune(now, retention_days, dry_run=dry_run, progress=progress, inbox_after=after)
    if job is not None and not dry_run and pruned.inbox_compacted_through != after:
        # Read again: only this key is ours to change.
        payload = (await ScheduledJob.get(id=job.id)).payload or {}
        await ScheduledJob.filter(id=job.id).update(payload={**payload, INBOX_MARK: pruned.inbox_compacted_through})
    return HousekeepingResult(days, recounted, pruned, time.perf_counter() - started)


async def housekeeping_job(ctx: "FederationContext", job: ScheduledJob, now: datetime) -> None:
    result = await run_housekeeping(now, ctx.queue_retention_days)
    log.info("queue housekeeping: %d days rolled up, deleted %s in %.1f s", result.days_rolled_up,
             result.pruned.summary(), result.seconds)
    await schedule(JOB_KIND, JOB_KEY, next_run(now + timedelta(minutes=1)), keep_earlier=False)
