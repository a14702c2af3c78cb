"""Queue claiming: concurrent claimers never get the same row (SKIP LOCKED on PostgreSQL)."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from federation.queue import DEFAULT_LEASE, backoff_delay, claim, retry_after
from models.queues import Delivery, OutboundActivity
from tests.conftest import MootInstance


async def test_concurrent_claims_are_disjoint(moot: MootInstance) -> None:
    owner, _ = await moot.user("owner")
    activity = await OutboundActivity.create(uri="http://x.test/a/1", actor=owner, type="Create", payload={})
    now = datetime.now(timezone.utc)
    await Delivery.bulk_create(
        [Delivery(activity=activity, inbox_url=f"http://h{i}.test/inbox", host=f"h{i}.test", next_attempt_at=now)
         for i in range(60)]
    )
    batches = await asyncio.gather(*(claim(Delivery, limit=15, lease=DEFAULT_LEASE) for _ in range(6)))
    claimed = [row.id for batch in batches for row in batch]
    assert len(claimed) == 60
    assert len(set(claimed)) == 60, "a row was claimed twice"


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff_delay(n).total_seconds() for n in range(1, 25)]
    assert 20 < delays[0] < 40
    assert delays[5] > delays[1] * 8
    assert max(delays) <= 6 * 3600 * 1.2


def test_retry_after_reads_seconds_and_dates() -> None:
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert retry_after("120", now).total_seconds() == 120
    assert retry_after("Thu, 01 Jan 2026 00:10:00 GMT", now).total_seconds() == 600
    assert retry_after("soon", now) is None
    assert retry_after(None, now) is None
