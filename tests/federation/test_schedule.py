"""Scheduled jobs: one row per key, batching keeps the earlier time, a running job is run again when rescheduled,
a failing job is kept for a retry, and jobs of the future wait for their time."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from federation import jobs
from federation.jobs import run_due_jobs
from federation.schedule import schedule, unschedule
from models.queues import DONE, FAILED, PENDING, ScheduledJob
from tests.conftest import MootInstance

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


async def test_batching_keeps_one_job_at_the_earlier_time(moot: MootInstance) -> None:
    for minutes in (1, 2, 3):
        await schedule("test.kind", "batch:1", NOW + timedelta(minutes=minutes))
    rows = await ScheduledJob.filter(key="batch:1")
    assert len(rows) == 1 and rows[0].next_attempt_at == NOW + timedelta(minutes=1)
    await schedule("test.kind", "batch:1", NOW + timedelta(minutes=9), keep_earlier=False)
    assert (await ScheduledJob.get(key="batch:1")).next_attempt_at == NOW + timedelta(minutes=9)


async def test_due_jobs_run_once_and_future_ones_wait(moot: MootInstance, monkeypatch) -> None:
    ran: list[str] = []

    async def handler(ctx, job, now) -> None:
        ran.append(job.key)

    monkeypatch.setitem(jobs.JOBS, "test.kind", handler)
    await schedule("test.kind", "due", NOW)
    await schedule("test.kind", "later", NOW + timedelta(hours=1))
    assert await run_due_jobs(moot.fed, now=NOW) == 1
    assert ran == ["due"]
    assert await run_due_jobs(moot.fed, now=NOW) == 0
    assert (await ScheduledJob.get(key="due")).state == DONE
    # A done job scheduled again runs again.
    await schedule("test.kind", "due", NOW + timedelta(minutes=5))
    await run_due_jobs(moot.fed, now=NOW + timedelta(hours=2))
    assert sorted(ran) == ["due", "due", "later"]


async def test_rescheduling_while_running_runs_it_again(moot: MootInstance, monkeypatch) -> None:
    runs: list[datetime] = []

    async def handler(ctx, job, now) -> None:
        runs.append(now)
        if len(runs) == 1:  # new work arrives while the job is reading
            await schedule("test.kind", "busy", now + timedelta(seconds=30))

    monkeypatch.setitem(jobs.JOBS, "test.kind", handler)
    await schedule("test.kind", "busy", NOW)
    await run_due_jobs(moot.fed, now=NOW)
    row = await ScheduledJob.get(key="busy")
    assert row.state == PENDING and row.next_attempt_at == NOW + timedelta(seconds=30)
    await run_due_jobs(moot.fed, now=NOW + timedelta(minutes=1))
    assert len(runs) == 2


async def test_a_failing_job_is_kept_and_an_unknown_kind_fails_loudly(moot: MootInstance, monkeypatch) -> None:
    async def broken(ctx, job, now) -> None:
        raise RuntimeError("remote down")

    monkeypatch.setitem(jobs.JOBS, "test.broken", broken)
    await schedule("test.broken", "broken", NOW)
    await schedule("test.nobody", "orphan", NOW)
    await run_due_jobs(moot.fed, now=NOW)
    broken_row = await ScheduledJob.get(key="broken")
    assert broken_row.state == PENDING and broken_row.attempts == 1 and "remote down" in broken_row.last_error
    orphan = await ScheduledJob.get(key="orphan")
    assert orphan.state == FAILED and "no handler" in orphan.last_error
    await unschedule("broken")
    assert not await ScheduledJob.filter(key="broken").exists()
