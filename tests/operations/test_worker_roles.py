"""`moot worker --only intake|delivery`: each side runs alone in a process of its own. An intake-only worker
expands a page's post into deliveries and sends none; a delivery-only worker sends them and leaves incoming
activities to the others, and still beats the heartbeat /readyz reads."""
from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Awaitable, Callable

from federation.inbox.inbox_rows import NewInboxRow, insert_new
from federation.queue import utcnow
from models.queues import DONE, PENDING, Delivery, FanOut, InboxItem
from server.worker import DELIVERY, INTAKE, run_worker
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.federation.test_delivery_pool import FOLLOWERS, assert_all_delivered_and_verified, page_followed_on_one_host

WAIT = 15.0


async def run_until(moot: MootInstance, role: str, done: Callable[[], Awaitable[bool]]) -> None:
    stop = asyncio.Event()
    moot.use()
    worker = asyncio.create_task(run_worker(moot.fed, stop, roles=(role,)))
    try:
        began = time.monotonic()
        while not await done():
            assert time.monotonic() - began < WAIT, f"the {role} worker did not get there"
            await asyncio.sleep(0.05)  # polling the worker's effect, bounded; the worker runs on its own
    finally:
        stop.set()
        moot.fed.wake()  # the delivery loop waits for work or its poll, not for stop
        await asyncio.wait_for(worker, timeout=WAIT)


async def test_intake_and_delivery_workers_each_do_only_their_side(moot: MootInstance, remote: FakeRemote) -> None:
    token = await page_followed_on_one_host(moot, remote)
    _, post = await moot.api("POST", "/api/v1/statuses", token, json={"status": "one side each"})
    assert await FanOut.filter(state=PENDING).count() == 1

    async def expanded() -> bool:
        return await Delivery.filter(state=PENDING).count() == FOLLOWERS

    await run_until(moot, INTAKE, expanded)
    await asyncio.sleep(0.3)
    assert not remote.received, "an intake-only worker sends nothing"
    assert await Delivery.filter(state=PENDING).count() == FOLLOWERS

    activity_id = f"https://elsewhere.example/activities/{uuid.uuid4()}"
    activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": activity_id, "type": "Arrive",
                "actor": "https://elsewhere.example/users/ann"}
    assert await insert_new([NewInboxRow(activity_id, activity["actor"], None, json.dumps(activity), utcnow())])
    assert moot.fed.metrics is not None
    heartbeat_before = moot.fed.metrics.worker_heartbeat

    async def delivered() -> bool:
        return await Delivery.filter(state=DONE).count() == FOLLOWERS

    await run_until(moot, DELIVERY, delivered)
    assert_all_delivered_and_verified(remote, post["uri"])
    assert (await InboxItem.get(activity_id=activity_id)).state == PENDING, "a delivery-only worker leaves intake"
    assert moot.fed.metrics.worker_heartbeat != heartbeat_before, "it beats the heartbeat /readyz reads"
