"""Work due at a time (ScheduledJob rows): the database is the queue, so a restart loses no due job.

`schedule()` records a job; `run_due_jobs()` (each worker pass, see federation/work.py) runs the due ones
through the table in federation/jobs.py. Tests pass `now` to run jobs of the future deterministically.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any


from federation.queue import claim, utcnow
from models.queues import DONE, FAILED, PENDING, ScheduledJob


async def schedule(kind: str, key: str, due_at: datetime, payload: dict[str, Any] | None = None,
                   *, keep_earlier: bool = True) -> None:
    """Make sure a job `key` is pending, due at `due_at`.

    When one is already pending: with keep_earlier (batching, e.g. a poll's results) it keeps its own time if
    that is earlier, so many calls make one job; otherwise it is moved to `due_at` (a changed deadline).
    """
    existing = await ScheduledJob.filter(key=key).first()
    if existing is None:
        # ON CONFLICT DO NOTHING: another process may make the same job at the same moment, and an
        # IntegrityError would abort the caller's transaction on PostgreSQL.
        await ScheduledJob.bulk_create(
            [ScheduledJob(kind=kind, key=key, next_attempt_at=due_at, payload=payload or {})], ignore_conflicts=True
        )
        existing = await ScheduledJob.get(key=key)
        if existing.next_attempt_at == due_at and existing.state == PENDING:
            return
    # A job that is running now has done its reading: a new call needs a new run.
    running = existing.locked_until is not None and existing.locked_until > utcnow()
    if existing.state == PENDING and keep_earlier and existing.next_attempt_at <= due_at and not running:
        return
    await ScheduledJob.filter(id=existing.id).update(
        kind=kind, state=PENDING, next_attempt_at=due_at, payload=payload or existing.payload,
        attempts=0 if existing.state != PENDING else existing.attempts, last_error=None,
    )


async def unschedule(key: str) -> None:
    """Drop a pending job (a cancelled draw, a poll closed early)."""
    await ScheduledJob.filter(key=key, state=PENDING).delete()


async def claim_due(lease: timedelta, now: datetime | None = None, limit: int = 50) -> list[ScheduledJob]:
    """Lease the jobs due at `now` (default: the clock), oldest first."""
    return await claim(ScheduledJob, limit=limit, lease=lease, due_by=now)


async def finish(job: ScheduledJob, error: str | None = None, *, give_up: bool = False) -> None:
    """Mark a job done, or leave it pending (retried after its lease) with the error; FAILED after give_up."""
    if error is None:
        # Only if nobody rescheduled it while it ran (schedule() moves next_attempt_at).
        await ScheduledJob.filter(id=job.id, next_attempt_at=job.next_attempt_at).update(
            state=DONE, locked_until=None, last_error=None
        )
        await ScheduledJob.filter(id=job.id).update(locked_until=None)
        return
    await ScheduledJob.filter(id=job.id).update(
        state=FAILED if give_up else PENDING, attempts=job.attempts + 1, last_error=error[:2000]
    )
