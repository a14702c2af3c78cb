"""GET /metrics: Prometheus text behind a token, with counters that move when real activities arrive and
deliveries go out."""
from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.federation.test_mastodon_remote import page_with_followers

TOKEN = "metrics-Secret-123"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """{(sample name, sorted labels): value} from a Prometheus text page (parsed by prometheus-client itself)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(moot: MootInstance) -> dict:
    status, text = await moot.api("GET", "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 200, text
    return samples(text)


async def test_metrics_is_404_without_the_setting(moot: MootInstance) -> None:
    assert (await moot.api("GET", "/metrics"))[0] == 404
    assert (await moot.api("GET", "/metrics?token=anything"))[0] == 404


async def test_metrics_needs_the_token(moot_factory) -> None:  # type: ignore[no-untyped-def]
    moot = await moot_factory(metrics_token=TOKEN)
    assert (await moot.api("GET", "/metrics"))[0] == 401
    assert (await moot.api("GET", "/metrics", headers={"Authorization": "Bearer wrong"}))[0] == 401
    assert (await moot.api("GET", "/metrics?token=wrong"))[0] == 401
    status, text = await moot.api("GET", f"/metrics?token={TOKEN}")
    assert status == 200 and "moot_queue_pending" in text
    async with moot.session.get(moot.base_url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
        assert resp.status == 200 and resp.content_type == "text/plain"


async def test_counters_move_with_real_traffic(moot_factory, remote: FakeRemote) -> None:  # type: ignore[no-untyped-def]
    moot = await moot_factory(metrics_token=TOKEN)
    before = await scrape(moot)
    assert value(before, "moot_inbox_received_total", result="accepted", reason="") == 0

    # Two Mastodon-like followers: signed Follows over the inbox (their keys fetched), Accepts delivered back.
    page, token, (alice, bob) = await page_with_followers(moot, remote, "alice", "bob")
    # One forged activity: refused at the door.
    status, _ = await remote.send(alice, page.inbox, {"type": "Like", "id": alice.new_id(), "actor": alice.uri,
                                                       "object": page.uri}, private_pem=bob.private_pem)
    assert status == 401
    # A post goes out to the followers' shared inbox.
    assert (await moot.api("POST", "/api/v1/statuses", token, json={"status": "hello"}))[0] == 200
    await moot.drain()

    after = await scrape(moot)
    assert value(after, "moot_inbox_received_total", result="accepted", reason="") == 2
    assert value(after, "moot_inbox_received_total", result="refused", reason="signature") == 1
    assert value(after, "moot_inbox_processed_total", outcome="applied") == 2
    assert value(after, "moot_inbox_processing_seconds_count") == 2
    assert value(after, "moot_key_fetches_total", result="ok") >= 2
    delivered = [r for r in remote.received if r.verified]
    assert value(after, "moot_deliveries_total", result="delivered") == len(delivered) >= 3
    assert value(after, "moot_delivery_seconds_count") == len(delivered)
    assert value(after, "moot_fanouts_total") >= 1
    # Requests by route name, never by raw path.
    assert value(after, "moot_http_requests_total", route="actor_inbox", method="POST", status="202") == 2
    assert value(after, "moot_http_requests_total", route="actor_inbox", method="POST", status="401") == 1
    assert value(after, "moot_http_request_seconds_count", route="api_statuses") == 1
    text = (await moot.api("GET", "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}))[1]
    assert "/pages/" not in text and alice.uri not in text
    # Queue gauges: everything drained.
    for queue in ("inbox", "fanout", "delivery", "jobs", "mail"):
        assert value(after, "moot_queue_due", queue=queue) == 0
    assert value(after, "moot_hosts_in_backoff") == 0


async def test_queue_gauges_and_failed_deliveries(moot_factory, remote: FakeRemote) -> None:  # type: ignore[no-untyped-def]
    moot = await moot_factory(metrics_token=TOKEN)
    page, token, _ = await page_with_followers(moot, remote, "carol")
    remote.inbox_status = 503
    await moot.api("POST", "/api/v1/statuses", token, json={"status": "into the void"})
    await moot.drain()
    found = await scrape(moot)
    assert value(found, "moot_deliveries_total", result="retry") == 1
    assert value(found, "moot_hosts_in_backoff") == 1
    assert value(found, "moot_queue_pending", queue="delivery") == 1
    assert value(found, "moot_queue_due", queue="delivery") == 0  # it waits for its next attempt
    assert re.search(r'moot_queue_oldest_due_seconds\{queue="delivery"\} 0\.0', (await moot.api(
        "GET", "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}))[1])
