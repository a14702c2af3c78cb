"""The admin queue dashboard: a delivery that gave up (a remote that refuses, a remote that is dead) shows with
its server; Retry puts it back and it then goes out; Discard removes it; only admins see any of it."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import AsyncIterator

import pytest
from aiohttp.test_utils import unused_port

from federation.delivery import MAX_ATTEMPTS
from federation.queue_admin import queue_stats
from models.actors import Actor, LocalUser
from models.follows import ACCEPTED, Follow
from models.queues import DONE, FAILED, PENDING, Delivery, HostBackoff, OutboundActivity
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.federation.test_mastodon_remote import page_with_followers
from tests.web.browser import FormClient
from web.pages.moderation_common import PAGE_SIZE
from web.passwords import hash_password

PASSWORD = "correct horse battery"


@pytest.fixture
async def clients() -> AsyncIterator[list[FormClient]]:
    opened: list[FormClient] = []
    yield opened
    for client in opened:
        await client.close()


async def signed_in(moot: MootInstance, clients: list[FormClient], actor: Actor) -> FormClient:
    client = FormClient(moot.base_url)
    clients.append(client)
    moot.use()
    await LocalUser.filter(actor=actor).update(password_hash=hash_password(PASSWORD))
    page = await client.submit("/login", "/login", {"username": actor.local_name, "password": PASSWORD})
    assert "Sign out" in page.text
    return client


async def dead_follower(moot: MootInstance, page: Actor) -> str:
    """A follower on a server that is gone (nothing listens on its port); returns its host."""
    host = f"127.0.0.1:{unused_port()}"
    follower = await Actor.create(uri=f"http://{host}/users/ghost", type="Person", username="ghost", domain=host,
                                  inbox=f"http://{host}/users/ghost/inbox", public_key_id=f"http://{host}/users/ghost#k",
                                  public_key_pem="-")
    await Follow.create(follower=follower, target=page, state=ACCEPTED)
    return host


def item_ids(html: str) -> list[str]:
    return re.findall(r'id="item-(delivery-\d+)"', html)


async def test_failed_deliveries_show_and_can_be_retried_or_discarded(
    moot: MootInstance, remote: FakeRemote, clients: list[FormClient]
) -> None:
    admin, _ = await moot.user("boss", is_admin=True)
    page, token, _ = await page_with_followers(moot, remote, "dora")
    dead_host = await dead_follower(moot, page)
    remote.inbox_status = 400  # the remote refuses it for good
    assert (await moot.api("POST", "/api/v1/statuses", token, json={"status": "news of the day"}))[0] == 200
    await moot.drain()
    refused = await Delivery.get(host=remote.host, state=FAILED)
    waiting = await Delivery.get(host=dead_host)
    assert waiting.state == PENDING and await HostBackoff.filter(host=dead_host).exists()

    browser = await signed_in(moot, clients, admin)
    html = (await browser.get("/admin/queues")).text
    assert 'aria-current="page">Queues' in html
    assert item_ids(html) == [f"delivery-{refused.id}"]
    assert remote.host in html and dead_host in html and "Paused until" in html
    assert "1 delivery gave up" in html and "1 delivery being retried" in html

    # The dead server's delivery runs out of attempts too.
    past = datetime.now(timezone.utc) - timedelta(seconds=1)
    await Delivery.filter(id=waiting.id).update(attempts=MAX_ATTEMPTS - 1, next_attempt_at=past)
    await HostBackoff.filter(host=dead_host).update(next_attempt_at=past)
    await moot.drain()
    assert (await Delivery.get(id=waiting.id)).state == FAILED
    html = (await browser.get("/admin/queues?queue=delivery")).text
    assert set(item_ids(html)) == {f"delivery-{refused.id}", f"delivery-{waiting.id}"}

    # Retry: back in the queue, due now; the remote takes it this time.
    remote.inbox_status = None
    result = await browser.submit("/admin/queues", f"/admin/queues/delivery/{refused.id}/retry", {})
    assert result.status == 200 and "will be tried again now" in result.text
    row = await Delivery.get(id=refused.id)
    assert row.state == PENDING and row.attempts == 0 and row.next_attempt_at <= datetime.now(timezone.utc)
    (delivery_stats,) = [stats for stats in await queue_stats() if stats.queue == "delivery"]
    assert delivery_stats.due == 1 and delivery_stats.failed == 1 and delivery_stats.oldest_due_seconds is not None
    assert 0 <= delivery_stats.oldest_due_seconds < 120
    await moot.drain()
    assert (await Delivery.get(id=refused.id)).state == DONE
    assert [r.body["object"]["content"] for r in remote.received if r.body["type"] == "Create"] \
        and all(r.verified for r in remote.received)

    # Discard: gone for good.
    result = await browser.submit("/admin/queues", f"/admin/queues/delivery/{waiting.id}/discard", {})
    assert result.status == 200 and "discarded" in result.text
    assert not await Delivery.filter(id=waiting.id).exists()
    assert item_ids(result.text) == []
    # Nothing left to act on: a second click says so.
    again = await browser.submit("/admin/queues", f"/admin/queues/delivery/{waiting.id}/discard", {})
    assert again.status == 404


async def test_retry_all_for_a_host(moot: MootInstance, remote: FakeRemote, clients: list[FormClient]) -> None:
    admin, _ = await moot.user("boss", is_admin=True)
    page, token, _ = await page_with_followers(moot, remote, "erin")
    remote.inbox_status = 403
    for text in ("one", "two"):
        await moot.api("POST", "/api/v1/statuses", token, json={"status": text})
    await moot.drain()
    assert await Delivery.filter(state=FAILED, host=remote.host).count() == 2
    browser = await signed_in(moot, clients, admin)
    result = await browser.submit("/admin/queues", "/admin/queues/hosts/retry", {"host": remote.host})
    assert "back in the queue" in result.text
    assert await Delivery.filter(state=PENDING, host=remote.host, attempts=0).count() == 2


async def test_only_admins_see_the_queues(moot: MootInstance, remote: FakeRemote, clients: list[FormClient]) -> None:
    member, _ = await moot.user("member")
    admin, _ = await moot.user("boss", is_admin=True)
    page, token, _ = await page_with_followers(moot, remote, "fred")
    remote.inbox_status = 400
    await moot.api("POST", "/api/v1/statuses", token, json={"status": "x"})
    await moot.drain()
    failed = await Delivery.get(state=FAILED)
    # Anonymous: sent to sign in.
    anonymous = FormClient(moot.base_url)
    clients.append(anonymous)
    async with anonymous.session.get(moot.base_url + "/admin/queues", allow_redirects=False) as resp:
        assert resp.status == 303 and "/login" in resp.headers["Location"]
    # A signed-in member who is not an admin: forbidden, and the actions too.
    browser = await signed_in(moot, clients, member)
    assert (await browser.get("/admin/queues")).status == 403
    token_page = (await browser.get("/settings")).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', token_page)
    assert match
    for action in ("retry", "discard"):
        async with browser.session.post(f"{moot.base_url}/admin/queues/delivery/{failed.id}/{action}",
                                        data={"csrf_token": match.group(1)}, allow_redirects=False) as resp:
            assert resp.status == 403
    assert (await Delivery.get(id=failed.id)).state == FAILED
    # The admin link is not in the member's navigation either way; the admin sees the page.
    admin_browser = await signed_in(moot, clients, admin)
    assert (await admin_browser.get("/admin/queues")).status == 200


async def test_items_that_gave_up_are_paginated(moot: MootInstance, clients: list[FormClient]) -> None:
    admin, _ = await moot.user("boss", is_admin=True)
    activity = await OutboundActivity.create(uri=f"{moot.base_url}/activities/x1", actor=admin, type="Create",
                                             payload={"type": "Create"})
    now = datetime.now(timezone.utc)
    await Delivery.bulk_create([
        Delivery(activity=activity, inbox_url=f"https://s{n}.example/inbox", host=f"s{n}.example", state=FAILED,
                 attempts=MAX_ATTEMPTS, next_attempt_at=now, last_error="HTTP 500")
        for n in range(PAGE_SIZE + 3)
    ])
    browser = await signed_in(moot, clients, admin)
    first = (await browser.get("/admin/queues?queue=delivery")).text
    assert len(item_ids(first)) == PAGE_SIZE and 'rel="next"' in first
    second = (await browser.get("/admin/queues?queue=delivery&page=2")).text
    assert len(item_ids(second)) == 3 and not set(item_ids(first)) & set(item_ids(second))
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # An unknown queue is not a page.
    assert (await browser.get("/admin/queues?queue=nothing")).status == 404
