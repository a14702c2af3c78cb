"""On PostgreSQL a worker is woken by queue rows any process commits (LISTEN moot_queue, fed by the trigger of
models/migrations/0020_queue_wakeups.py), not only at its next poll: `moot serve` storing what its inbox accepted
wakes the `moot worker` processes at once. SQLite runs one process, which wakes its own worker."""
from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest

from federation.inbox.inbox_rows import NewInboxRow, insert_new
from federation.queue import utcnow
from models.queues import PENDING, InboxItem
from server import keys, worker as worker_module
from server.worker import run_worker
from tests.conftest import MootInstance

WAIT = 10.0


async def test_a_worker_wakes_for_an_item_another_process_stored(
    moot: MootInstance, engine: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    if engine != "postgres":
        pytest.skip("several processes share one database on PostgreSQL only")
    monkeypatch.setattr(worker_module, "POLL_INTERVAL", 120.0)  # within the test, only a NOTIFY wakes it
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(moot.fed, stop, moot.app[keys.SETTINGS].database_url))
    try:
        await asyncio.sleep(1.5)  # its first passes found nothing; it listens and sleeps
        activity_id = f"https://elsewhere.example/activities/{uuid.uuid4()}"
        activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": activity_id, "type": "Arrive",
                    "actor": "https://elsewhere.example/users/ann"}
        # Stored as intake stores it, without waking this process's worker: as another process would.
        began = time.monotonic()
        assert await insert_new([NewInboxRow(activity_id, activity["actor"], None, json.dumps(activity), utcnow())])
        while (await InboxItem.get(activity_id=activity_id)).state == PENDING:
            assert time.monotonic() - began < WAIT, "the worker was not woken by the new row"
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        moot.fed.wake()  # the delivery loop waits for work or its (long) poll, not for stop
        await asyncio.wait_for(task, timeout=WAIT)
