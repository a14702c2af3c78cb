"""Delivery: retries with backoff, Retry-After, one backoff per host, giving up, and resuming after a crash."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from federation.delivery import expand_fanouts
from federation.queue import claim
from models.actors import Actor
from models.posts import LIKE, Interaction
from server import keys
from models.follows import ACCEPTED, Follow
from models.queues import DONE, FAILED, PENDING, Delivery, FanOut, HostBackoff
from tests.conftest import MootInstance
from server.worker import run_worker
from tests.fakeremote import AS, FakeRemote


async def followed_page(moot: MootInstance, remote: FakeRemote, followers: int = 1):
    owner, _ = await moot.user("owner")
    page, token = await moot.page("news", owner)
    for index in range(followers):
        actor = remote.add_actor(f"reader{index}")
        doc = actor.document()
        stored = await Actor.create(
            uri=actor.uri, type="Person", username=actor.name, domain=remote.host, inbox=actor.inbox,
            shared_inbox=doc["endpoints"]["sharedInbox"], public_key_id=actor.key_id, public_key_pem=actor.public_pem,
        )
        await Follow.create(follower=stored, target=page, state=ACCEPTED)
    return page, token


async def test_server_error_is_retried_later_with_one_backoff_per_host(moot: MootInstance, remote: FakeRemote) -> None:
    page, token = await followed_page(moot, remote)
    remote.inbox_status = 503
    await moot.api("POST", "/api/v1/statuses", token, json={"status": "one"})
    await moot.drain()
    delivery = await Delivery.get()
    assert delivery.state == PENDING and delivery.attempts == 1 and delivery.last_status == 503
    assert delivery.next_attempt_at > datetime.now(timezone.utc) + timedelta(seconds=10)
    backoff = await HostBackoff.get(host=remote.host)
    assert backoff.failures == 1

    # A second post to the same failing host waits with the host instead of trying at once.
    await moot.api("POST", "/api/v1/statuses", token, json={"status": "two"})
    await moot.drain()
    second = await Delivery.filter(id__gt=delivery.id).first()
    assert second.attempts == 0 and second.next_attempt_at >= backoff.next_attempt_at - timedelta(seconds=1)
    assert len(remote.received) == 1

    # Time passes, the host recovers: both go out and the backoff is cleared.
    remote.inbox_status = None
    past = datetime.now(timezone.utc) - timedelta(seconds=1)
    await Delivery.all().update(next_attempt_at=past)
    await HostBackoff.all().update(next_attempt_at=past)
    await moot.drain()
    assert await Delivery.filter(state=DONE).count() == 2
    assert await HostBackoff.all().count() == 0


async def test_retry_after_is_honoured(moot: MootInstance, remote: FakeRemote) -> None:
    page, token = await followed_page(moot, remote)
    remote.inbox_status = 429
    remote.inbox_headers = {"Retry-After": "3600"}
    await moot.api("POST", "/api/v1/statuses", token, json={"status": "slow down"})
    await moot.drain()
    delivery = await Delivery.get()
    wait = delivery.next_attempt_at - datetime.now(timezone.utc)
    assert timedelta(minutes=59) < wait <= timedelta(hours=1)


async def test_client_error_is_not_retried(moot: MootInstance, remote: FakeRemote) -> None:
    page, token = await followed_page(moot, remote)
    remote.inbox_status = 403
    await moot.api("POST", "/api/v1/statuses", token, json={"status": "nope"})
    await moot.drain()
    delivery = await Delivery.get()
    assert delivery.state == FAILED and delivery.last_status == 403


async def test_dead_server_is_retried_not_lost(moot: MootInstance, remote: FakeRemote) -> None:
    page, token = await followed_page(moot, remote)
    await remote.close()  # nothing listens on its port any more
    await moot.api("POST", "/api/v1/statuses", token, json={"status": "anyone?"})
    await moot.drain()
    delivery = await Delivery.get()
    assert delivery.state == PENDING and delivery.attempts == 1
    assert "127.0.0.1" in delivery.last_error


async def test_restart_resumes_an_interrupted_fan_out(moot_factory, remote: FakeRemote) -> None:
    first = await moot_factory()
    page, token = await followed_page(first, remote, followers=3)
    status, post = await first.api("POST", "/api/v1/statuses", token, json={"status": "survive this"})
    assert status == 200
    # Killed before any worker ran: only the promise to deliver exists.
    assert await FanOut.filter(state=PENDING).count() == 1
    settings = first.app[keys.SETTINGS]
    await first.close()

    restarted = await moot_factory(port=settings.listen_port, database_url=settings.database_url)
    await restarted.drain()
    creates = remote.activities("Create")
    assert [c["object"]["id"] for c in creates] == [post["uri"]]


async def test_a_crashed_workers_lease_expires(moot: MootInstance, remote: FakeRemote) -> None:
    page, token = await followed_page(moot, remote)
    await moot.api("POST", "/api/v1/statuses", token, json={"status": "lease"})
    await expand_fanouts(moot.fed)
    claimed = await claim(Delivery, limit=10, lease=moot.fed.queue_lease)
    assert len(claimed) == 1
    # The worker that claimed it died: nobody else may take it until the lease expires...
    assert await claim(Delivery, limit=10, lease=moot.fed.queue_lease) == []
    await Delivery.all().update(locked_until=datetime.now(timezone.utc) - timedelta(seconds=1))
    # ...and then it is delivered.
    await moot.drain()
    assert (await Delivery.get()).state == DONE


async def test_a_slow_inbox_holds_up_neither_other_deliveries_nor_intake(moot: MootInstance, remote: FakeRemote) -> None:
    """The real worker: one server that never answers keeps one delivery slot busy, nothing else."""
    fast = await FakeRemote().start()
    try:
        page, token = await followed_page(moot, remote)  # remote: the slow one
        reader = fast.add_actor("reader")
        stored = await Actor.create(uri=reader.uri, type="Person", username="reader", domain=fast.host,
                                    inbox=reader.inbox, shared_inbox=f"{fast.base_url}/inbox",
                                    public_key_id=reader.key_id, public_key_pem=reader.public_pem)
        await Follow.create(follower=stored, target=page, state=ACCEPTED)
        remote.inbox_gate = asyncio.Event()
        stop = asyncio.Event()
        moot.use()
        worker = asyncio.create_task(run_worker(moot.fed, stop))
        try:
            status, post = await moot.api("POST", "/api/v1/statuses", token, json={"status": "to both"})
            await asyncio.wait_for(remote.arrived.wait(), timeout=10)  # the slow server got it, and hangs
            await asyncio.wait_for(fast.arrived.wait(), timeout=10)   # the fast one was not held up
            assert [a["object"]["id"] for a in fast.activities("Create")] == [post["uri"]]
            # Incoming activities are processed meanwhile, too.
            like = {"@context": AS, "id": f"{reader.uri}#likes/1", "type": "Like", "actor": reader.uri,
                    "object": post["uri"]}
            assert (await fast.send(reader, f"{moot.base_url}/inbox", like))[0] == 202
            for _ in range(100):
                if await Interaction.filter(kind=LIKE).exists():
                    break
                await asyncio.sleep(0.05)  # polling the worker's effect, bounded; the worker runs on its own
            assert await Interaction.filter(kind=LIKE).count() == 1
            assert await Delivery.filter(state=PENDING).count() == 1  # only the slow one is still out
        finally:
            remote.inbox_gate.set()
            stop.set()
            await asyncio.wait_for(worker, timeout=15)
    finally:
        await fast.close()
