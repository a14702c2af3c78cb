"""Queue leases (MOOT_QUEUE_LEASE_SECONDS) and their renewal, on real tables with the real clock (a 1 s lease).

Work longer than a lease is never claimed a second time while its worker lives; a dead worker's rows come back
once its lease runs out; a worker that stalled past its lease never takes back a row another worker holds now.
"""
from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

import pytest
from tortoise.transactions import in_transaction

from federation import jobs as jobs_module
from federation.context import FederationContext
from federation.delivery import expand_fanouts
from federation.jobs import run_due_jobs
from federation.leases import LeaseKeeper
from federation.queue import claim
from federation.schedule import schedule
from models.queues import DONE, PENDING, Delivery, ScheduledJob
from server.worker import run_worker
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.federation.test_delivery import followed_page

LEASE = 1  # seconds
WORK = 3.0  # seconds: three leases


@pytest.fixture
async def short(moot_factory) -> MootInstance:  # type: ignore[no-untyped-def]
    """An instance whose queue leases last one second (below the setting's floor: only a test may)."""
    return await moot_factory(queue_lease_seconds=LEASE)


def renewals(fed: FederationContext, queue: str) -> float:
    assert fed.metrics is not None
    return fed.metrics.registry.get_sample_value("moot_queue_lease_renewals_total", {"queue": queue}) or 0.0


async def second_claimer(fed: FederationContext, model: type, until: asyncio.Event) -> list[int]:
    """Another worker, claiming every 0.2 s until `until` is set: the ids it managed to take."""
    taken: list[int] = []
    while not until.is_set():
        taken += [row.pk for row in await claim(model, limit=10, lease=fed.queue_lease)]
        await asyncio.sleep(0.2)
    return taken


async def test_a_job_longer_than_its_lease_is_never_claimed_twice(
        short: MootInstance, monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[str] = []
    finished = asyncio.Event()
    others: list[asyncio.Task[list[int]]] = []

    async def slow_job(ctx: FederationContext, job: ScheduledJob, now: datetime) -> None:
        runs.append(job.key)
        others.append(asyncio.create_task(second_claimer(ctx, ScheduledJob, finished)))
        await asyncio.sleep(WORK)  # a large rollup, an account purge

    monkeypatch.setitem(jobs_module.JOBS, "test.slow", slow_job)
    await schedule("test.slow", "slow:1", datetime.now(timezone.utc))
    started = time.monotonic()
    assert await run_due_jobs(short.fed) == 1
    finished.set()
    assert await others[0] == [], "a job still running was claimed by another worker"
    assert time.monotonic() - started >= WORK
    assert runs == ["slow:1"]
    job = await ScheduledJob.get(key="slow:1")
    assert job.state == DONE and job.locked_until is None
    assert renewals(short.fed, "jobs") >= 3  # about every third of a second, for three seconds


async def test_a_delivery_waiting_on_a_slow_inbox_is_never_claimed_twice(
        short: MootInstance, remote: FakeRemote) -> None:
    """The worker's delivery loop keeps the lease of a POST that hangs for three leases."""
    _, token = await followed_page(short, remote)
    status, post = await short.api("POST", "/api/v1/statuses", token, json={"status": "slow"})
    assert status == 200
    await expand_fanouts(short.fed)
    remote.inbox_gate = asyncio.Event()
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(short.fed, stop))
    try:
        await asyncio.wait_for(remote.arrived.wait(), timeout=10)  # the POST is out, and hangs
        held = asyncio.Event()
        other = asyncio.create_task(second_claimer(short.fed, Delivery, held))
        await asyncio.sleep(WORK)
        held.set()
        assert await other == [], "a delivery in flight was claimed by another worker"
        remote.inbox_gate.set()
        for _ in range(100):
            if await Delivery.filter(state=DONE).exists():
                break
            await asyncio.sleep(0.05)  # polling the worker's effect, bounded
        delivery = await Delivery.get()
        assert delivery.state == DONE and delivery.locked_until is None
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=10)
    assert [a["object"]["id"] for a in remote.activities("Create")] == [post["uri"]]
    assert renewals(short.fed, "delivery") >= 2


async def a_job(key: str = "work:1") -> ScheduledJob:
    await schedule("test.work", key, datetime.now(timezone.utc))
    return await ScheduledJob.get(key=key)


async def test_a_dead_workers_row_is_claimable_after_its_lease(short: MootInstance) -> None:
    await a_job()
    lease = short.fed.queue_lease
    [first] = await claim(ScheduledJob, limit=10, lease=lease)  # its worker dies now: no renewal
    assert (await ScheduledJob.get(id=first.id)).locked_until == first.locked_until
    assert await claim(ScheduledJob, limit=10, lease=lease) == []
    await asyncio.sleep(LEASE + 0.2)
    [again] = await claim(ScheduledJob, limit=10, lease=lease)
    assert again.id == first.id and again.locked_until > first.locked_until


async def test_a_stale_workers_renewal_does_not_take_back_a_row(short: MootInstance) -> None:
    await a_job()
    lease = short.fed.queue_lease
    stalled, current = LeaseKeeper(short.fed), LeaseKeeper(short.fed)
    rows = await claim(ScheduledJob, limit=10, lease=lease)
    stalled.hold(ScheduledJob, rows)  # its worker stalls past the lease (its renewals never ran)
    await asyncio.sleep(LEASE + 0.2)
    taken = await claim(ScheduledJob, limit=10, lease=lease)
    assert [row.id for row in taken] == [row.id for row in rows]
    current.hold(ScheduledJob, taken)

    assert await stalled.renew() == 0
    row = await ScheduledJob.get(id=taken[0].id)
    assert row.locked_until == taken[0].locked_until, "the stale worker moved the new holder's lease"
    assert stalled.holds(ScheduledJob) == set()  # it has given up on the row

    assert await current.renew() == 1
    renewed = await ScheduledJob.get(id=taken[0].id)
    assert renewed.locked_until > taken[0].locked_until
    assert await claim(ScheduledJob, limit=10, lease=lease) == []


async def test_an_expired_lease_is_not_renewed_even_when_nobody_took_the_row(short: MootInstance) -> None:
    await a_job()
    keeper = LeaseKeeper(short.fed)
    rows = await claim(ScheduledJob, limit=10, lease=short.fed.queue_lease)
    keeper.hold(ScheduledJob, rows)
    await asyncio.sleep(LEASE + 0.2)
    assert await keeper.renew() == 0
    assert (await ScheduledJob.get(id=rows[0].id)).locked_until == rows[0].locked_until


async def test_finished_and_released_rows_are_not_renewed(short: MootInstance) -> None:
    await a_job("work:1")
    await a_job("work:2")
    await a_job("work:3")
    keeper = LeaseKeeper(short.fed)
    rows = await claim(ScheduledJob, limit=10, lease=short.fed.queue_lease)
    keeper.hold(ScheduledJob, rows)
    done, released, working = sorted(rows, key=lambda row: row.key)
    await ScheduledJob.filter(id=done.id).update(state=DONE, locked_until=None)
    keeper.release(ScheduledJob, [released.id])
    assert await keeper.renew() == 1
    after = {row.key: row for row in await ScheduledJob.all()}
    assert after["work:1"].locked_until is None
    assert after["work:2"].locked_until == released.locked_until
    assert after["work:3"].locked_until > working.locked_until and after["work:3"].state == PENDING


async def test_renewal_skips_a_row_another_transaction_has_locked(short: MootInstance, engine: str) -> None:
    """On PostgreSQL a row being finished (locked by the finishing transaction) is skipped, not waited for:
    waiting could deadlock with that transaction. It is renewed at the next turn if it is still pending."""
    if engine != "postgres":
        pytest.skip("SQLite has no row locks (one connection, one writer)")
    await a_job()
    keeper = LeaseKeeper(short.fed)
    rows = await claim(ScheduledJob, limit=10, lease=short.fed.queue_lease)
    keeper.hold(ScheduledJob, rows)
    locked, release = asyncio.Event(), asyncio.Event()

    async def finishing() -> None:
        async with in_transaction() as conn:
            await ScheduledJob.filter(id=rows[0].id).select_for_update().using_db(conn)
            locked.set()
            await release.wait()  # rolled back after: the row stays pending and ours

    holder = asyncio.create_task(finishing())
    await locked.wait()
    started = time.monotonic()
    assert await keeper.renew() == 0
    assert time.monotonic() - started < 0.5
    release.set()
    await holder
    assert await keeper.renew() == 1


async def test_the_lease_comes_from_the_settings(moot_factory) -> None:  # type: ignore[no-untyped-def]
    moot = await moot_factory(queue_lease_seconds=90)
    assert moot.fed.queue_lease == timedelta(seconds=90)
    await a_job()
    before = datetime.now(timezone.utc)
    [row] = await claim(ScheduledJob, limit=1, lease=moot.fed.queue_lease)
    assert timedelta(seconds=89) < row.locked_until - before < timedelta(seconds=91)
