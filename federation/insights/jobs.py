"""The daily insights job: roll up yesterday for every local page, ask NodeInfo of their servers, and
retake the audience snapshots; then it schedules itself for the next night."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

from federation.insights.audience import refresh_software, snapshot_audience, top_hosts
from federation.insights.rollups import DAY, ensure_rollups
from federation.schedule import schedule
from models.actors import Actor
from models.queues import ScheduledJob

if TYPE_CHECKING:
    from federation.context import FederationContext

JOB_KIND = "insights.rollup"
JOB_KEY = "insights.rollup"
RUN_AT = time(0, 15)  # UTC, just after a day closes


def next_run(now: datetime) -> datetime:
    moment = datetime.combine(now.astimezone(timezone.utc).date(), RUN_AT, tzinfo=timezone.utc)
    return moment if moment > now else moment + DAY


async def ensure_scheduled(now: datetime | None = None) -> None:
    moment = now or datetime.now(timezone.utc)
    await schedule(JOB_KIND, JOB_KEY, next_run(moment))


async def rollup_job(ctx: "FederationContext", job: ScheduledJob, now: datetime) -> None:
    today = now.astimezone(timezone.utc).date()
    pages = await Actor.filter(is_local=True, type="Service", deleted_at=None).values_list("id", flat=True)
    for page_id in pages:
        await ensure_rollups(page_id, today - DAY, today)
        hosts = await top_hosts(page_id)
        if hosts:
            await refresh_software(ctx, hosts, now)
        await snapshot_audience(page_id, now)
    await schedule(JOB_KIND, JOB_KEY, next_run(now + timedelta(minutes=1)), keep_earlier=False)
