"""The table of scheduled job kinds, and the pass that runs the due ones."""
from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING, Awaitable, Callable

from federation.activities import draws as draws_activity
from federation.activities import checkins as checkins_activity
from federation.activities import polls_jobs
from federation.activities import events_manage
from federation.notifications import activities as notification_activities, mail as notification_mail
from federation.group_insights import rollups as group_insights_rollups
from federation import account_deletion
from federation.delivery_stats import job as queue_housekeeping
from federation.metrics import record_job
from federation.insights import jobs as insights_jobs
from federation.leases import LeaseKeeper, keeping
from federation.schedule import claim_due, finish
from models.queues import ScheduledJob

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)

# A job handler gets the job (its key and payload) and the time the pass runs at.
JobHandler = Callable[["FederationContext", ScheduledJob, datetime], Awaitable[None]]

# A failing job is retried after its lease runs out (MOOT_QUEUE_LEASE_SECONDS), this many times, then kept as
# failed for inspection.
MAX_JOB_ATTEMPTS = 8

JOBS: dict[str, JobHandler] = {
    # Filled by the activities: "poll.results", "poll.close", "checkin.day", "draw.reveal"...
    draws_activity.JOB_KIND: draws_activity.reveal_job,
    checkins_activity.DAY_JOB: checkins_activity.run_day_job,
    "poll.results": polls_jobs.send_results,  # batched Update{Question} with the counts
    "poll.close": polls_jobs.close_poll,  # the final counts when a poll ends
    "event.counts": events_manage.send_counts,  # batched Update{Event} with participantCount and seats left
    insights_jobs.JOB_KIND: insights_jobs.rollup_job,  # daily page insights rollup (federation/insights/)
    "event.reminder": notification_activities.send_reminders,  # the day before an event, to those registered
    "notification.mail": notification_mail.send_one,  # one notification mailed at once
    "notification.digest": notification_mail.send_digest,  # a person's daily digest
    group_insights_rollups.JOB_KIND: group_insights_rollups.rollup_job,  # nightly group insights rollups
    account_deletion.PURGE_JOB: account_deletion.purge_job,  # a deleted account's data, after the grace period
    queue_housekeeping.JOB_KIND: queue_housekeeping.housekeeping_job,  # nightly delivery rollup and queue pruning
}


async def run_due_jobs(ctx: "FederationContext", now: datetime | None = None, limit: int = 50) -> int:
    """Run the jobs due at `now` (default: the clock); returns how many ran."""
    from federation.queue import utcnow

    moment = now or utcnow()
    jobs = await claim_due(ctx.queue_lease, moment, limit)
    if not jobs:
        return 0
    # A job may run for longer than one lease (a rollup, an account purge): its lease is renewed meanwhile.
    async with keeping(ctx, ScheduledJob, jobs) as leases:
        await _run_jobs(ctx, jobs, moment, leases)
    return len(jobs)


async def _run_jobs(ctx: "FederationContext", jobs: list[ScheduledJob], moment: datetime,
                   leases: LeaseKeeper) -> None:
    for job in jobs:
        await _run_one(ctx, job, moment)
        # Done, or failed and waiting for its lease to run out before the retry: either way, no more renewals.
        leases.release(ScheduledJob, [job.id])


async def _run_one(ctx: "FederationContext", job: ScheduledJob, moment: datetime) -> None:
    started = time.perf_counter()
    handler = JOBS.get(job.kind)
    if handler is None:
        await finish(job, f"no handler for job kind {job.kind!r}", give_up=True)
        record_job(ctx, job.key, "failed", started)
        return
    try:
        await handler(ctx, job, moment)
    except Exception as exc:  # keep the job for a retry; never lose it
        log.exception("scheduled job %s failed", job.key)
        await finish(job, f"{type(exc).__name__}: {exc}", give_up=job.attempts + 1 >= MAX_JOB_ATTEMPTS)
        record_job(ctx, job.key, "failed" if job.attempts + 1 >= MAX_JOB_ATTEMPTS else "retry", started)
        return
    await finish(job)
    record_job(ctx, job.key, "done", started)
