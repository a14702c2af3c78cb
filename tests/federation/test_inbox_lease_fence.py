"""A worker finishes an inbox item only while the item is still its own (federation/inbox/dispatch.py, the keeper's
fence in federation/leases.py). One that stalled past its lease while another worker claimed the items writes
nothing over them, and a batch it applied rolls back whole; a lease renewal racing the finish is no loss.

The seam: the test claims the items and holds them in a LeaseKeeper as process_inbox does, then "another worker"
claims some of them (a new deadline written over the lease), then the items are applied with that keeper.
"""
from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any, AsyncIterator

import pytest

from federation import leases
from federation.context import FederationContext
from federation.inbox import dispatch
from federation.leases import LeaseKeeper
from federation.queue import claim, utcnow
from models.actors import Actor
from models.posts import Post
from models.queues import DONE, FAILED, PENDING, FanOut, InboxItem, OutboundActivity
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.federation.test_inbox_batches import count_flushes, queue, queued_posts
from tests.groups.helpers import lemmy_page, make_group, plain, remote_member


def lease_lost(fed: FederationContext) -> float:
    assert fed.metrics is not None
    return fed.metrics.registry.get_sample_value("moot_queue_lease_lost_total", {"queue": "inbox"}) or 0.0


async def claimed(moot: MootInstance) -> tuple[list[InboxItem], LeaseKeeper]:
    """Claim what is due and hold it, as process_inbox does (no background renewal: the test drives it)."""
    items = await claim(InboxItem, limit=100, lease=moot.fed.queue_lease)
    keeper = LeaseKeeper(moot.fed)
    keeper.hold(InboxItem, items)
    return items, keeper


async def taken_over(items: list[InboxItem]) -> Any:
    """Another worker claims these items (their lease ran out while ours stalled): a deadline of its own."""
    other = utcnow() + timedelta(minutes=5)
    await InboxItem.filter(id__in=[item.id for item in items]).update(locked_until=other)
    return other


async def announces(group: Actor) -> list[int]:
    return list(await OutboundActivity.filter(actor=group, type="Announce").values_list("id", flat=True))


async def test_a_batch_whose_lease_was_lost_commits_nothing(
    moot: MootInstance, remote: FakeRemote, monkeypatch: pytest.MonkeyPatch,
) -> None:
    group, bea, pages = await queued_posts(moot, remote, "Bed", 4)
    items, keeper = await claimed(moot)
    assert [item.activity_id for item in items] == [page["id"] for page in pages]
    other = await taken_over(items)
    flushes = count_flushes(monkeypatch)
    await dispatch._apply_items(moot.fed, items, keeper)

    assert flushes == [8]  # the batch ran (two Announces a post) ...
    assert not await Post.filter(uri__in=[p["object"]["id"] for p in pages]).exists()  # ... and rolled back whole
    assert await announces(group) == []
    assert not await FanOut.filter(activity__actor=group, activity__type="Announce").exists()
    rows = await InboxItem.filter(id__in=[item.id for item in items])
    assert [(row.state, row.outcome, row.locked_until) for row in rows] == [(PENDING, None, other)] * 4
    assert lease_lost(moot.fed) == 4

    # The new owner applies them, once.
    await InboxItem.filter(id__in=[item.id for item in items]).update(locked_until=utcnow() - timedelta(seconds=1))
    await moot.drain()
    assert await Post.filter(uri__in=[p["object"]["id"] for p in pages]).count() == 4
    assert len(await announces(group)) == 8
    assert sorted(plain(remote, group)) == sorted(p["object"]["id"] for p in pages)


async def test_a_batch_with_some_leases_lost_applies_only_the_rest_one_by_one(
    moot: MootInstance, remote: FakeRemote, monkeypatch: pytest.MonkeyPatch,
) -> None:
    group, bea, pages = await queued_posts(moot, remote, "Row", 4)
    items, keeper = await claimed(moot)
    lost, kept = items[1:3], [items[0], items[3]]
    other = await taken_over(lost)
    flushes = count_flushes(monkeypatch)
    await dispatch._apply_items(moot.fed, items, keeper)

    assert flushes == [8]  # the batch ran, then rolled back; the two still ours were applied alone
    by_id = {item.id: page for item, page in zip(items, pages)}
    assert not await Post.filter(uri__in=[by_id[item.id]["object"]["id"] for item in lost]).exists()
    for item in kept:
        assert await Post.filter(uri=by_id[item.id]["object"]["id"]).count() == 1
    relayed = await announces(group)
    assert len(relayed) == 4  # two for each post applied, none for the batch that rolled back
    assert await FanOut.filter(activity_id__in=relayed).count() == 4
    assert await FanOut.filter(activity__actor=group, activity__type="Announce").count() == 4
    rows = {row.id: row for row in await InboxItem.filter(id__in=[item.id for item in items])}
    assert [(rows[i.id].state, rows[i.id].locked_until) for i in lost] == [(PENDING, other)] * 2
    assert [(rows[i.id].state, rows[i.id].outcome, rows[i.id].locked_until) for i in kept] == \
        [(DONE, dispatch.APPLIED, None)] * 2
    assert lease_lost(moot.fed) == 2


async def test_a_batch_whose_leases_hold_commits(
    moot: MootInstance, remote: FakeRemote, monkeypatch: pytest.MonkeyPatch,
) -> None:
    group, bea, pages = await queued_posts(moot, remote, "Kept", 4)
    items, keeper = await claimed(moot)
    assert await keeper.renew() == 4  # a renewal that committed before the finish: its deadline is ours too
    flushes = count_flushes(monkeypatch)
    await dispatch._apply_items(moot.fed, items, keeper)

    assert flushes == [8]
    assert await Post.filter(uri__in=[p["object"]["id"] for p in pages]).count() == 4
    assert len(await announces(group)) == 8
    rows = await InboxItem.filter(id__in=[item.id for item in items])
    assert [(row.state, row.outcome, row.locked_until) for row in rows] == [(DONE, dispatch.APPLIED, None)] * 4
    assert lease_lost(moot.fed) == 0


async def test_a_single_item_whose_lease_was_lost_is_not_marked(moot: MootInstance, remote: FakeRemote) -> None:
    group, _, _, _ = await make_group(moot)
    bea, _ = await remote_member(moot, remote, group, "bea")
    page = lemmy_page(bea, group, title="Alone")
    await queue(moot, remote, bea, group, page)
    # A malformed item (refused when applied) beside it: neither is batched.
    await InboxItem.create(activity_id=bea.new_id("broken"), actor_uri=bea.uri, recipient_uri=group.inbox,
                           activity={"type": "Create", "actor": bea.uri}, next_attempt_at=utcnow())
    items, keeper = await claimed(moot)
    assert len(items) == 2
    other = await taken_over(items)
    await dispatch._apply_items(moot.fed, items, keeper)

    # Its handler ran (outside a batch nothing undoes that), but the rows are the other worker's to finish.
    rows = await InboxItem.filter(id__in=[item.id for item in items]).order_by("id")
    assert [(row.state, row.outcome, row.attempts, row.locked_until) for row in rows] == \
        [(PENDING, None, 0, other)] * 2
    assert lease_lost(moot.fed) == 2

    # The same items with their lease intact are finished as usual.
    await InboxItem.filter(id__in=[item.id for item in items]).update(locked_until=utcnow() - timedelta(seconds=1))
    items, keeper = await claimed(moot)
    await dispatch._apply_items(moot.fed, items, keeper)
    rows = await InboxItem.filter(id__in=[item.id for item in items]).order_by("id")
    assert [(row.state, row.outcome) for row in rows] == [(DONE, dispatch.APPLIED), (FAILED, dispatch.REJECTED)]
    assert await Post.filter(uri=page["object"]["id"]).count() == 1


async def test_a_renewal_racing_the_finish_does_not_fail_it(
    moot: MootInstance, remote: FakeRemote, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The renewal has written its deadline (committed) but not yet come back to the keeper when the batch
    finishes: the keeper recorded that deadline before writing it, so the fence accepts it."""
    group, bea, pages = await queued_posts(moot, remote, "Race", 3)
    items, keeper = await claimed(moot)
    committed, go_on = asyncio.Event(), asyncio.Event()
    transaction = leases.in_transaction

    @contextlib.asynccontextmanager
    async def commit_then_pause() -> AsyncIterator[Any]:
        async with transaction() as conn:
            yield conn
        committed.set()
        await go_on.wait()

    monkeypatch.setattr(leases, "in_transaction", commit_then_pause)
    renewal = asyncio.create_task(keeper.renew())
    await asyncio.wait_for(committed.wait(), timeout=10)
    renewed = await InboxItem.filter(id__in=[item.id for item in items]).values_list("locked_until", flat=True)
    assert all(until > items[0].locked_until for until in renewed)  # the renewal's deadline is in the rows
    flushes = count_flushes(monkeypatch)
    await dispatch._apply_items(moot.fed, items, keeper)
    go_on.set()
    assert await renewal == 3

    assert flushes == [6]
    assert await Post.filter(uri__in=[p["object"]["id"] for p in pages]).count() == 3
    rows = await InboxItem.filter(id__in=[item.id for item in items])
    assert [(row.state, row.outcome, row.locked_until) for row in rows] == [(DONE, dispatch.APPLIED, None)] * 3
    assert lease_lost(moot.fed) == 0
