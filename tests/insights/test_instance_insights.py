"""Instance insights against a hand-counted world: accounts, groups and pages made on set days, deliveries
done, failed and waiting per remote server, hosts in backoff and queued work. T is today (UTC)."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

from federation.instance_insights import instance_insights
from models.actors import Actor, LocalUser
from models.queues import DONE, FAILED, PENDING, Delivery, HostBackoff, InboxItem, OutboundActivity, ScheduledJob
from tests.conftest import MootInstance
from tests.insights.test_group_insights import NOW, T, _browser, _table, at, day
from tests.web.browser import FormClient


async def _actor(kind: str, name: str, days_ago: int, **extra: object) -> Actor:
    uri = f"http://local.test/{kind.lower()}/{name}"
    actor = await Actor.create(uri=uri, type=kind, is_local=True, username=name, domain="local.test",
                               inbox=uri + "/inbox", **extra)
    await Actor.filter(id=actor.id).update(created_at=at(days_ago))
    return actor


async def build(moot: MootInstance) -> tuple[Actor, str]:
    admin, token = await moot.user("siteadmin", is_admin=True)
    await LocalUser.filter(actor=admin).update(created_at=at(20))
    for name, days_ago in (("una", 5), ("ugo", 1)):
        person, _ = await moot.user(name)
        await LocalUser.filter(actor=person).update(created_at=at(days_ago))
    await _actor("Group", "old", 30, group_name="old")
    await _actor("Group", "new", 3, group_name="new")
    await _actor("Group", "gone", 2, group_name="gone", deleted_at=at(1))
    await _actor("Service", "shop", 6, local_name="shop")

    activity = await OutboundActivity.create(uri="http://local.test/a/1", actor=admin, type="Create", payload={})
    rows = [("a.example", DONE, 2)] * 3 + [("a.example", FAILED, 1)] + [("b.example", FAILED, 3)] * 2 + [
        ("b.example", PENDING, 1), ("c.example", DONE, 10)]
    for n, (host, state, days_ago) in enumerate(rows):
        await Delivery.create(activity=activity, inbox_url=f"https://{host}/inbox", host=host, state=state,
                              next_attempt_at=at(days_ago), created_at=at(days_ago))
    # Still waiting for tomorrow, and done waiting since yesterday (whether the test runs at NOW or now).
    await HostBackoff.create(host="b.example", failures=4, next_attempt_at=datetime.now(timezone.utc) + timedelta(days=1))
    await HostBackoff.create(host="d.example", failures=1, next_attempt_at=datetime.now(timezone.utc) - timedelta(days=1))
    for n in range(2):
        await InboxItem.create(activity_id=f"https://a.example/in/{n}", actor_uri="https://a.example/u",
                               activity={}, next_attempt_at=NOW)
    return admin, token


async def test_every_figure_matches_the_hand_count(moot: MootInstance) -> None:
    await build(moot)
    data = await instance_insights(7, now=NOW)
    assert [row.day for row in data.growth] == [day(n) for n in range(6, -1, -1)]
    assert [row.accounts for row in data.growth] == [1, 2, 2, 2, 2, 3, 3]
    assert [row.groups for row in data.growth] == [1, 1, 1, 2, 2, 2, 2]
    assert [row.pages for row in data.growth] == [1] * 7
    assert (data.new_accounts, data.new_groups, data.new_pages) == (2, 1, 1)
    assert [(h.host, h.done, h.failed, h.waiting) for h in data.hosts] == [
        ("a.example", 3, 1, 0), ("b.example", 0, 2, 1)]
    assert (data.host_count, data.delivered, data.failed, data.waiting) == (2, 3, 3, 1)
    assert [(b.host, b.failures) for b in data.backoffs] == [("b.example", 4)]
    jobs = await ScheduledJob.filter(state=PENDING).count()
    assert data.queues == {"inbox": 2, "fanout": 0, "delivery": 1, "jobs": jobs, "mail": 0}


async def test_the_page_csv_and_api_are_for_admins(moot: MootInstance) -> None:
    _, admin_token = await build(moot)
    _, user_token = await moot.user("visitor")
    admin = await _browser(moot, "siteadmin")
    visitor = await _browser(moot, "visitor")
    anonymous = FormClient(moot.base_url)
    try:
        page = await admin.get("/admin/insights?days=7")
        assert page.status == 200
        assert 'href="/admin/insights" aria-current="page"' in page.text
        assert _table(page.text, "deliveries")[1:] == [["a.example", "3", "1", "0"], ["b.example", "0", "2", "1"]]
        assert "b.example" in page.text and "d.example" not in page.text  # only hosts still in backoff
        for chart_id in ("growth", "deliveries", "queues"):
            download = await admin.get(f"/admin/insights?days=7&csv={chart_id}")
            assert download.status == 200
            assert list(csv.reader(io.StringIO(download.text))) == _table(page.text, chart_id), chart_id
        assert (await visitor.get("/admin/insights")).status == 403
        assert (await anonymous.get("/admin/insights")).status in (401, 403, 404) or \
            "/login" in (await anonymous.get("/admin/insights")).url
    finally:
        for client in (admin, visitor, anonymous):
            await client.close()
    status, body = await moot.api("GET", "/api/moot/v1/admin/insights?days=7", admin_token)
    assert status == 200, body
    assert body["days"] == 7 and body["today"] == T.isoformat()
    assert body["hosts"][0] == {"host": "a.example", "done": 3, "failed": 1, "waiting": 0}
    assert body["queues"]["inbox"] == 2 and body["delivered"] == 3 and body["failed"] == 3
    assert [row["accounts"] for row in body["growth"]][-2:] == [3, 4]  # "visitor" joined today
    assert (await moot.api("GET", "/api/moot/v1/admin/insights", user_token))[0] == 403
    assert (await moot.api("GET", "/api/moot/v1/admin/insights?days=3", admin_token))[0] == 422
