"""Queue housekeeping: finished rows are deleted after a retention, once what insights need of them is kept.

What is deleted, and what is kept on purpose:
- Delivery: done ones after the retention (MOOT_QUEUE_RETENTION_DAYS), failed ones after FAILED_RETENTION_DAYS
  (the queue dashboard lists them for a retry), only from final (day, host) pairs of the rollup; each
  batch moves its counts into DeliveryDayStat.pruned_* in the same transaction, so insights do not change.
- FanOut: done and failed ones, on the same clocks. A fan-out is read only while it is expanded: reach is
  recorded at that moment (federation/insights/reach.py), and deliveries point at the activity, not at it.
- InboxItem: the row is kept, its body is not. Its unique activity_id is how intake rejects an activity
  delivered twice (federation/inbox/intake.py `_store_batch`), forever; on the same clocks, a finished item's
  `activity` is replaced by COMPACTED_ACTIVITY (`{}`), the rest of the row (ids, actor, state, outcome, times,
  last_error) staying. The body is read only while an item is pending (the worker), when an admin retries one
  that gave up (federation/queue_admin.py leaves compacted ones failed), and for the activity type the failed
  list shows (blank once compacted). Held items keep theirs: approving one re-runs it through its row
  (federation/review.py). Each run starts above the last run's mark (`inbox_compacted_through`, kept in the
  nightly job's payload): the id before the first item that still waits, so no night reads all history again.
- OutboundActivity: kept. Its id URL is served (web/activitypub.py), public ones make the outbox collection,
  and deliveries that wait or failed point at it for the body.
Deletes and compactions go by batches of BATCH rows (by ascending id), each its own short transaction, so
neither engine holds a long lock.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable

from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from federation.delivery_stats.rollup import host_chunks, last_counted_day
from federation.group_insights.days import day_of, day_start
from federation.inbox.dispatch import HELD
from models.delivery_stats import DeliveryDayStat, DeliveryPeriodStat
from models.queues import COMPACTED_ACTIVITY, DONE, FAILED, Delivery, FanOut, InboxItem

log = logging.getLogger(__name__)

BATCH = 5000
FAILED_RETENTION_DAYS = 30
# Day rows are kept this long (the longest insights period is 90 days).
STATS_RETENTION_DAYS = 400


@dataclass
class PruneCounts:
    deleted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # Every inbox item up to this id is compacted, held, or gone: where the next run's compaction starts.
    inbox_compacted_through: int = 0

    def summary(self) -> str:
        return ", ".join(f"{n:,} {label}" for label, n in self.deleted.items()) or "nothing"


async def _final_pairs(pairs: set[tuple[date, str]]) -> set[tuple[date, str]]:
    days = {day for day, _ in pairs}
    found: set[tuple[date, str]] = set()
    for chunk in host_chunks(sorted({host for _, host in pairs})):
        found.update(await DeliveryDayStat.filter(day__in=days, host__in=chunk, waiting=0).values_list("day", "host"))
    return found & pairs


async def _delete_deliveries(state: str, ids: list[int]) -> int:
    """Delete the batch and move its counts into the day rows, in one transaction."""
    async with in_transaction():
        rows = await Delivery.filter(id__in=ids, state=state).select_for_update().only("id", "host", "created_at")
        per_pair: dict[tuple[date, str], int] = defaultdict(int)
        for row in rows:
            per_pair[(day_of(row.created_at), row.host)] += 1
        stats = []
        for chunk in host_chunks(sorted({host for _, host in per_pair})):
            stats += await DeliveryDayStat.filter(day__in={day for day, _ in per_pair}, host__in=chunk) \
                .select_for_update()
        stats = [stat for stat in stats if (stat.day, stat.host) in per_pair]
        for stat in stats:
            if state == DONE:
                stat.pruned_done += per_pair[(stat.day, stat.host)]
            else:
                stat.pruned_failed += per_pair[(stat.day, stat.host)]
        await DeliveryDayStat.bulk_update(stats, fields=["pruned_done" if state == DONE else "pruned_failed"],
                                          batch_size=500)
        await Delivery.filter(id__in=[row.id for row in rows]).delete()
    return len(rows)


async def prune_deliveries(state: str, before: datetime, *, dry_run: bool,
                           progress: Callable[[str], None]) -> int:
    """Deliveries in `state` created before `before`, of final pairs only; returns how many (would) go."""
    label = "done" if state == DONE else "failed"
    last_id, total = 0, 0
    while True:
        rows = await (Delivery.filter(state=state, created_at__lt=before, id__gt=last_id).order_by("id")
                      .limit(BATCH).values_list("id", "host", "created_at"))
        if not rows:
            break
        last_id = rows[-1][0]
        final = await _final_pairs({(day_of(created), host) for _, host, created in rows})
        ids = [row_id for row_id, host, created in rows if (day_of(created), host) in final]
        if ids:
            total += len(ids) if dry_run else await _delete_deliveries(state, ids)
            progress(f"{'would delete' if dry_run else 'deleted'} {total:,} {label} deliveries so far")
    return total


async def prune_fanouts(state: str, before: datetime, *, dry_run: bool, progress: Callable[[str], None]) -> int:
    query = FanOut.filter(state=state, created_at__lt=before)
    if dry_run:
        return await query.count()
    total = 0
    while True:
        ids = await query.order_by("id").limit(BATCH).values_list("id", flat=True)
        if not ids:
            break
        total += await FanOut.filter(id__in=ids, state=state).delete()
        progress(f"deleted {total:,} {'done' if state == DONE else 'failed'} fan-outs so far")
    return total


async def compact_inbox(state: str, before: datetime, *, after_id: int = 0, dry_run: bool,
                        progress: Callable[[str], None]) -> int:
    """Inbox items in `state` created before `before`, with an id above `after_id`, not held and not compacted
    yet, lose their body; returns how many (would) be compacted. By ascending id from where the last batch
    ended: compacted rows stay in the table, so starting again from the first id would read them again every
    batch. `after_id` (the last run's inbox_compacted_through) spares each night the rows earlier nights did:
    no index leads to the uncompacted rows alone."""
    last_id, total = after_id, 0
    while True:
        ids = await (_compactable(InboxItem.filter(state=state, created_at__lt=before, id__gt=last_id))
                     .order_by("id").limit(BATCH).values_list("id", flat=True))
        if not ids:
            break
        last_id = ids[-1]
        # Checked again in the UPDATE: an admin may have retried a failed item since the SELECT.
        total += len(ids) if dry_run else await _compactable(InboxItem.filter(id__in=ids, state=state)).update(
            activity=COMPACTED_ACTIVITY)
        progress(f"{'would empty' if dry_run else 'emptied'} {total:,} {'done' if state == DONE else 'failed'} "
                 "inbox item bodies so far")
    return total


async def inbox_compacted_through(after_id: int, done_before: datetime, failed_before: datetime) -> int:
    """The highest id up to which no inbox item waits to be compacted by a later run: the item before the first
    one above `after_id` that is not finished, or finished too recently (held ones are kept on purpose and
    do not count). One item that waits (a failed one for its 30 days) holds the mark there, so later runs read
    from it again: at most the retention's worth of rows, never the whole history."""
    waiting = await (InboxItem.filter(id__gt=after_id).filter(Q(outcome__isnull=True) | ~Q(outcome=HELD))
                     .exclude(Q(state=DONE, created_at__lt=done_before) | Q(state=FAILED, created_at__lt=failed_before))
                     .order_by("id").limit(1).values_list("id", flat=True))
    if waiting:
        return max(after_id, int(waiting[0]) - 1)
    last = await InboxItem.filter(id__gt=after_id).order_by("-id").limit(1).values_list("id", flat=True)
    return int(last[0]) if last else after_id


def _compactable(query: QuerySet[InboxItem]) -> QuerySet[InboxItem]:
    # outcome is null on rows processed before outcomes were recorded; `<> 'held'` alone would leave them out.
    return query.filter(Q(outcome__isnull=True) | ~Q(outcome=HELD)).exclude(activity=COMPACTED_ACTIVITY)


async def prune(now: datetime, retention_days: int, *, dry_run: bool = False,
                progress: Callable[[str], None] = log.info, inbox_after: int = 0) -> PruneCounts:
    """Delete what the retention lets go, and empty old inbox items above `inbox_after` (the last run's
    inbox_compacted_through). Rows of days not rolled up yet are never deleted."""
    counts = PruneCounts(inbox_compacted_through=inbox_after)
    last = await last_counted_day()
    counted_until = day_start(last + timedelta(days=1)) if last else None
    done_before = now - timedelta(days=retention_days)
    failed_before = now - timedelta(days=max(retention_days, FAILED_RETENTION_DAYS))
    if counted_until is not None:
        for state, before in ((DONE, done_before), (FAILED, failed_before)):
            counts.deleted[f"{'done' if state == DONE else 'failed'} deliveries"] = await prune_deliveries(
                state, min(before, counted_until), dry_run=dry_run, progress=progress)
    for state, before in ((DONE, done_before), (FAILED, failed_before)):
        counts.deleted[f"{'done' if state == DONE else 'failed'} fan-outs"] = await prune_fanouts(
            state, before, dry_run=dry_run, progress=progress)
    compacted = 0
    for state, before in ((DONE, done_before), (FAILED, failed_before)):
        compacted += await compact_inbox(state, before, after_id=inbox_after, dry_run=dry_run, progress=progress)
    counts.deleted["inbox item bodies"] = compacted
    if not dry_run:
        counts.inbox_compacted_through = await inbox_compacted_through(inbox_after, done_before, failed_before)
    old_stats = DeliveryDayStat.filter(day__lt=day_of(now) - timedelta(days=STATS_RETENTION_DAYS))
    old_periods = DeliveryPeriodStat.filter(today__lt=day_of(now))
    label = f"day rollups older than {STATS_RETENTION_DAYS} days"
    if dry_run:
        counts.deleted[label] = await old_stats.count()
    else:
        counts.deleted[label] = await old_stats.delete()
        await old_periods.delete()
    return counts
