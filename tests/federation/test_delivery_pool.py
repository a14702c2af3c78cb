"""Delivery on every core and kindly to big servers: deliveries are signed on the signing pool's threads (and
verify at the remote), never more than delivery_per_host are in flight to one host, in a single pass and in
the worker's loop; a redirecting or trickling inbox gives its slot back within the delivery timeout."""
from __future__ import annotations

import asyncio
import threading
import time
from typing import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from federation import delivery as delivery_module
from federation import delivery_signing
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.queues import DONE, FAILED, Delivery
from server.worker import run_worker
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote

FOLLOWERS = 12
CAP = 3


class CountingRemote(FakeRemote):
    """A FakeRemote whose inboxes answer a little slowly and count how many requests are open at once."""

    async def start(self) -> "CountingRemote":
        self.open_now = 0
        self.most_open = 0
        await super().start()
        return self

    async def _inbox(self, request: web.Request) -> web.Response:
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        try:
            await asyncio.sleep(0.05)  # long enough for the others to pile up, if they were let through
            return await super()._inbox(request)
        finally:
            self.open_now -= 1


@pytest.fixture
async def big_server() -> AsyncIterator[CountingRemote]:
    remote = await CountingRemote().start()
    yield remote
    await remote.close()


async def page_followed_on_one_host(moot: MootInstance, remote: FakeRemote) -> str:
    """A page with FOLLOWERS followers on one host, none with a shared inbox: one delivery each."""
    owner, _ = await moot.user("owner")
    page, token = await moot.page("news", owner)
    for index in range(FOLLOWERS):
        actor = remote.add_actor(f"reader{index}")
        stored = await Actor.create(uri=actor.uri, type="Person", username=actor.name, domain=remote.host,
                                    inbox=actor.inbox, public_key_id=actor.key_id, public_key_pem=actor.public_pem)
        await Follow.create(follower=stored, target=page, state=ACCEPTED)
    return token


@pytest.fixture
def signing_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of the thread each delivery was signed on."""
    names: list[str] = []
    real = delivery_signing.sign_request

    def recording(**kwargs):  # type: ignore[no-untyped-def]
        names.append(threading.current_thread().name)
        return real(**kwargs)

    monkeypatch.setattr(delivery_signing, "sign_request", recording)
    return names


def assert_all_delivered_and_verified(remote: FakeRemote, post_uri: str) -> None:
    creates = [r for r in remote.received if r.body.get("type") == "Create"]
    assert sorted(r.path for r in creates) == sorted(f"/users/reader{index}/inbox" for index in range(FOLLOWERS))
    assert all(r.verified for r in creates), "every delivery's signature verifies at the remote"
    assert {r.body["object"]["id"] for r in creates} == {post_uri}


async def test_a_pass_signs_on_the_pool_and_keeps_to_the_per_host_cap(
        moot: MootInstance, big_server: CountingRemote, signing_threads: list[str]) -> None:
    moot.fed.delivery_per_host = CAP
    token = await page_followed_on_one_host(moot, big_server)
    _, post = await moot.api("POST", "/api/v1/statuses", token, json={"status": "to everyone on one host"})
    await moot.drain()
    assert_all_delivered_and_verified(big_server, post["uri"])
    assert big_server.most_open == CAP  # the cap was reached, never passed
    assert len(signing_threads) == FOLLOWERS
    assert all(name.startswith(delivery_signing.SIGNING_THREAD_PREFIX) for name in signing_threads), signing_threads
    assert await Delivery.filter(state=DONE).count() == FOLLOWERS


async def test_the_worker_loop_keeps_to_the_per_host_cap(
        moot: MootInstance, big_server: CountingRemote, signing_threads: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery_module, "HOST_BUSY_DEFER", delivery_module.timedelta(milliseconds=100))
    moot.fed.delivery_per_host = CAP
    token = await page_followed_on_one_host(moot, big_server)
    stop = asyncio.Event()
    moot.use()
    worker = asyncio.create_task(run_worker(moot.fed, stop))
    try:
        _, post = await moot.api("POST", "/api/v1/statuses", token, json={"status": "through the loop"})
        for _ in range(300):
            if await Delivery.filter(state=DONE).count() == FOLLOWERS:
                break
            await asyncio.sleep(0.05)  # polling the worker's effect, bounded; the worker runs on its own
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=15)
    assert await Delivery.filter(state=DONE).count() == FOLLOWERS
    assert_all_delivered_and_verified(big_server, post["uri"])
    assert big_server.most_open == CAP
    assert signing_threads and all(name.startswith(delivery_signing.SIGNING_THREAD_PREFIX) for name in signing_threads)


def test_the_signing_pool_has_a_thread_per_core_by_default() -> None:
    assert delivery_signing.signing_threads(0) >= 2
    assert delivery_signing.signing_threads(3) == 3
    pool = delivery_signing.signing_pool(0)
    assert pool is delivery_signing.signing_pool(0)  # one pool per process, shared
    chunks = delivery_signing._chunks(list(range(40)), 2)  # type: ignore[arg-type]
    assert [len(chunk) for chunk in chunks] == [16, 16, 8]
    assert [len(chunk) for chunk in delivery_signing._chunks(list(range(5)), 2)] == [3, 2]  # type: ignore[arg-type]


@pytest.fixture
async def tricky() -> AsyncIterator[TestServer]:
    seen: dict[str, int] = {}

    async def redirect(request: web.Request) -> web.Response:
        seen["redirect"] = seen.get("redirect", 0) + 1
        raise web.HTTPTemporaryRedirect(location=str(request.url))  # to itself, for ever

    async def trickle(request: web.Request) -> web.StreamResponse:
        seen["trickle"] = seen.get("trickle", 0) + 1
        await request.read()
        response = web.StreamResponse(status=202)
        await response.prepare(request)
        while True:  # one byte every 200 ms, never ending
            await response.write(b"x")
            await asyncio.sleep(0.2)

    app = web.Application()
    app.router.add_post("/redirect/inbox", redirect)
    app.router.add_post("/trickle/inbox", trickle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    server.seen = seen  # type: ignore[attr-defined]
    yield server
    await server.close()


async def test_endless_redirects_and_a_trickling_body_give_the_slot_back(
        moot: MootInstance, tricky: TestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery_module, "DELIVERY_TIMEOUT_SECONDS", 1.0)
    owner, _ = await moot.user("owner")
    page, token = await moot.page("news", owner)
    base = f"http://127.0.0.1:{tricky.port}"
    for name in ("redirect", "trickle"):
        follower = await Actor.create(uri=f"{base}/{name}", type="Person", username=name,
                                      domain=f"127.0.0.1:{tricky.port}", inbox=f"{base}/{name}/inbox")
        await Follow.create(follower=follower, target=page, state=ACCEPTED)
    await moot.api("POST", "/api/v1/statuses", token, json={"status": "hello"})
    began = time.monotonic()
    await moot.drain()
    assert time.monotonic() - began < 8
    rows = {row.inbox_url.rsplit("/", 2)[1]: row for row in await Delivery.all()}
    # A delivery never follows a redirect (it would have to be re-signed for another inbox): one request, and
    # a 3xx is an answer that will not change.
    assert tricky.seen["redirect"] == 1  # type: ignore[attr-defined]
    assert rows["redirect"].state == FAILED and rows["redirect"].last_status == 307
    # A 202 whose body never ends is a 202: only the start of the answer is read.
    assert tricky.seen["trickle"] == 1  # type: ignore[attr-defined]
    assert rows["trickle"].state == DONE


async def test_the_worker_loop_sends_everything_when_claiming_runs_ahead_of_sending(
        moot: MootInstance, big_server: CountingRemote) -> None:
    """Few slots and a high cap: the loop claims and signs the next batch while the last one is sent, and
    every claimed delivery is sent (none is left behind in a batch the loop lost track of)."""
    moot.fed.delivery_concurrency, moot.fed.delivery_per_host = 2, 64
    token = await page_followed_on_one_host(moot, big_server)
    stop = asyncio.Event()
    moot.use()
    worker = asyncio.create_task(run_worker(moot.fed, stop))
    try:
        _, post = await moot.api("POST", "/api/v1/statuses", token, json={"status": "many small batches"})
        for _ in range(300):
            if await Delivery.filter(state=DONE).count() == FOLLOWERS:
                break
            await asyncio.sleep(0.05)  # polling the worker's effect, bounded; the worker runs on its own
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=15)
    assert await Delivery.filter(state=DONE).count() == FOLLOWERS
    assert_all_delivered_and_verified(big_server, post["uri"])
    assert big_server.most_open <= 2


async def test_a_host_that_answers_quickly_gets_its_backlog_without_waiting_out_the_defer(
        moot: MootInstance, big_server: CountingRemote, monkeypatch: pytest.MonkeyPatch) -> None:
    """A busy group relays many posts to one big server. Once the loop knows the host answers quickly, it
    keeps as much of its backlog claimed as the host takes in HOST_READY_HORIZON: the rest is put back only for
    about as long as that takes, never for the full HOST_BUSY_DEFER (set here far beyond the test's wait)."""
    monkeypatch.setattr(delivery_module, "HOST_BUSY_DEFER", delivery_module.timedelta(seconds=120))
    moot.fed.delivery_per_host = 2
    owner, _ = await moot.user("owner")
    page, token = await moot.page("news", owner)
    readers = []
    for index in range(4 * CAP):  # a first post within twice the cap: nothing is deferred, the pace is learnt
        actor = big_server.add_actor(f"reader{index}")
        readers.append(await Actor.create(uri=actor.uri, type="Person", username=actor.name, domain=big_server.host,
                                          inbox=actor.inbox, public_key_id=actor.key_id,
                                          public_key_pem=actor.public_pem))
    for reader in readers[:2 * moot.fed.delivery_per_host]:
        await Follow.create(follower=reader, target=page, state=ACCEPTED)
    stop = asyncio.Event()
    moot.use()
    worker = asyncio.create_task(run_worker(moot.fed, stop))

    async def delivered(count: int) -> None:
        for _ in range(300):
            if await Delivery.filter(state=DONE).count() == count:
                return
            await asyncio.sleep(0.05)  # polling the worker's effect, bounded; the worker runs on its own
        raise AssertionError(f"{await Delivery.filter(state=DONE).count()} of {count} delivered")

    try:
        await moot.api("POST", "/api/v1/statuses", token, json={"status": "first"})
        await delivered(4)
        for reader in readers[4:]:
            await Follow.create(follower=reader, target=page, state=ACCEPTED)
        await moot.api("POST", "/api/v1/statuses", token, json={"status": "a backlog for one host"})
        await delivered(4 + len(readers))  # with a fixed defer, all but four would wait two minutes
    finally:
        stop.set()
        moot.fed.wake()
        await asyncio.wait_for(worker, timeout=15)
    assert big_server.most_open <= 2


def test_the_per_host_cap_and_signing_threads_are_settings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from server.settings import SettingsError, load_settings

    missing = tmp_path / "none.toml"
    defaults = load_settings({"MOOT_BASE_URL": "https://moot.example"}, missing)
    assert (defaults.delivery_per_host, defaults.signing_threads) == (8, 0)
    chosen = load_settings({"MOOT_BASE_URL": "https://moot.example", "MOOT_DELIVERY_PER_HOST": "2",
                            "MOOT_SIGNING_THREADS": "3"}, missing)
    assert (chosen.delivery_per_host, chosen.signing_threads) == (2, 3)
    with pytest.raises(SettingsError, match="MOOT_DELIVERY_PER_HOST"):
        load_settings({"MOOT_BASE_URL": "https://moot.example", "MOOT_DELIVERY_PER_HOST": "0"}, missing)
