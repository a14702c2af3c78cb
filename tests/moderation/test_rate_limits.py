"""Inbox rate limits per remote actor and per domain: 429 with Retry-After, and nothing stored."""
from __future__ import annotations

from federation.policy.ratelimit import RateLimiter
from models.queues import InboxItem
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.groups.helpers import lemmy_page, make_group


def test_token_bucket_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=3, clock=lambda: now[0])
    assert [limiter.check("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.check("a") == 0.5
    assert limiter.check("b") == 0.0  # another key has its own bucket
    now[0] = 0.5
    assert limiter.check("a") == 0.0


async def test_flooding_actor_gets_429_and_nothing_is_stored(moot_factory, remote: FakeRemote) -> None:
    moot: MootInstance = await moot_factory(inbox_rate_per_actor=1.0)  # a burst of 20, then 1/s
    assert moot.fed.inbox_limits.per_actor.burst == 20
    # Stop the clock, so the test does not depend on how fast this machine sends 25 requests.
    moot.fed.inbox_limits.per_actor = RateLimiter(rate=1.0, burst=20, clock=lambda: 0.0)
    group, _, _, _ = await make_group(moot)
    bea = remote.add_actor("bea")
    statuses = []
    for _ in range(25):
        status, body = await remote.send(bea, group.inbox, lemmy_page(bea, group))
        statuses.append((status, body))
    accepted = [s for s, _ in statuses if s == 202]
    limited = [(s, b) for s, b in statuses if s == 429]
    assert len(accepted) == 20 and len(limited) == 5
    assert "too many" in limited[0][1]["error"]
    assert await InboxItem.all().count() == 20
    status, body = await remote.send(remote.add_actor("cleo"), group.inbox, lemmy_page(remote.actors["cleo"], group))
    assert status == 202  # another actor on the same domain is not held back


async def test_retry_after_header(moot_factory, remote: FakeRemote) -> None:
    moot: MootInstance = await moot_factory(inbox_rate_per_actor=0.05)  # burst of 1, then one per 20 s
    group, _, _, _ = await make_group(moot)
    bea = remote.add_actor("bea")
    await remote.send(bea, group.inbox, lemmy_page(bea, group))
    import json

    body = json.dumps(lemmy_page(bea, group)).encode()
    headers = remote.signed_headers(bea, group.inbox, body)
    async with remote.session.post(group.inbox, data=body, headers=headers) as response:
        assert response.status == 429
        assert 15 <= int(response.headers["Retry-After"]) <= 20
