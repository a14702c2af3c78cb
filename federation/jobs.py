"""The table of scheduled job kinds, and the pass that runs the due ones."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Awaitable, Callable

from federation.activities import draws as draws_activity
from federation.activities import checkins as checkins_activity
from federation.activities import polls_jobs
from federation.activities import events_manage
from federation.schedule import claim_due, finish
from models.queues import ScheduledJob

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)

# A job handler gets the job (its key and payload) and the time the pass runs at.
JobHandler = Callable[["FederationContext", ScheduledJob, datetime], Awaitable[None]]

# A failing job is retried after its lease runs out, this many times, then kept as failed for inspection.
MAX_JOB_ATTEMPTS = 8

JOBS: dict[str, JobHandler] = {
    # Filled by the activities: "poll.results", "poll.close", "checkin.day", "draw.reveal"...
    draws_activity.JOB_KIND: draws_activity.reveal_job,
    checkins_activity.DAY_JOB: checkins_activity.run_day_job,
    "poll.results": polls_jobs.send_results,  # batched Update{Question} with the counts
    "poll.close": polls_jobs.close_poll,  # the final counts when a poll ends
    "event.counts": events_manage.send_counts,  # batched Update{Event} with participantCount and seats left
}


async def run_due_jobs(ctx: "FederationContext", now: datetime | None = None, limit: int = 50) -> int:
    """Run the jobs due at `now` (default: the clock); returns how many ran."""
    from federation.queue import utcnow

    moment = now or utcnow()
    jobs = await claim_due(moment, limit)
    for job in jobs:
        handler = JOBS.get(job.kind)
        if handler is None:
            await finish(job, f"no handler for job kind {job.kind!r}", give_up=True)
            continue
        try:
            await handler(ctx, job, moment)
        except Exception as exc:  # keep the job for a retry; never lose it
            log.exception("scheduled job %s failed", job.key)
            await finish(job, f"{type(exc).__name__}: {exc}", give_up=job.attempts + 1 >= MAX_JOB_ATTEMPTS)
            continue
        await finish(job)
    return len(jobs)
