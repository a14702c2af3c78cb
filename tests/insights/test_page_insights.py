"""Page insights against a hand-counted world: two remote servers and one local follower, three posts (one in
the previous period), likes, boosts, replies and local views; the web page, its CSV, the JSON API, the daily
rollups and the daily job (NodeInfo through the guarded client)."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from federation import actions
from federation.insights.jobs import JOB_KEY, next_run
from federation.jobs import run_due_jobs
from federation.local_actors import create_token
from models.actors import Actor, LocalUser
from models.insights import FOLLOWED, UNFOLLOWED, FollowEvent, HostSoftware, PageDay
from models.posts import Interaction, Post
from models.queues import ScheduledJob
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeActor, FakeRemote
from tests.insights.test_charts import TableReader
from tests.web.browser import FormClient
from web.passwords import hash_password

PASSWORD = "correct horse battery"


def follow_activity(actor: FakeActor, target_uri: str) -> dict[str, Any]:
    return {"@context": AS, "id": actor.new_id(), "type": "Follow", "actor": actor.uri, "object": target_uri}


async def build_world(moot: MootInstance, remote: FakeRemote, other: FakeRemote) -> dict[str, Any]:
    owner, _ = await moot.user("owner")
    page, page_token = await moot.page("news", owner)
    fakes = {n: remote.add_actor(n) for n in ("alice", "bob", "carol")} | {n: other.add_actor(n) for n in ("dave", "erin")}
    for fake in fakes.values():
        server = remote if fake.name in ("alice", "bob", "carol") else other
        assert (await server.send(fake, page.inbox, follow_activity(fake, page.uri)))[0] == 202
    lou, _ = await moot.user("lou")
    await actions.follow(moot.fed, lou, page)
    await moot.drain()
    now = datetime.now(timezone.utc)
    # A follower lost ten days ago: in the previous 7-day period.
    await FollowEvent.create(target=page, follower_uri="https://gone.example/users/x", kind=UNFOLLOWED, reason="undo")
    await FollowEvent.filter(kind=UNFOLLOWED).update(created_at=now - timedelta(days=10))

    async def post(text: str, language: str) -> dict[str, Any]:
        status, body = await moot.api("POST", "/api/v1/statuses", page_token, json={"status": text, "language": language})
        assert status == 200, body
        await moot.drain()
        return body

    p1 = await post("Fresh bread today", "nl")
    p2 = await post("Opening hours changed", "en")
    alice, bob, carol, dave = fakes["alice"], fakes["bob"], fakes["carol"], fakes["dave"]
    sends = [
        (remote, alice, {"@context": AS, "id": f"{alice.uri}#likes/1", "type": "Like", "actor": alice.uri, "object": p1["uri"]}),
        (remote, bob, {"@context": AS, "id": f"{bob.uri}/statuses/1/activity", "type": "Announce", "actor": bob.uri,
                       "to": [PUBLIC], "object": p1["uri"]}),
        (other, dave, {"@context": AS, "id": f"{dave.uri}/statuses/2/activity", "type": "Create", "actor": dave.uri,
                       "to": [PUBLIC], "cc": [page.uri],
                       "object": {"id": f"{dave.uri}/statuses/2", "type": "Note", "attributedTo": dave.uri,
                                  "inReplyTo": p1["uri"], "content": "<p>Yum</p>", "to": [PUBLIC], "cc": [page.uri]}}),
        (remote, carol, {"@context": AS, "id": f"{carol.uri}#likes/2", "type": "Like", "actor": carol.uri, "object": p2["uri"]}),
    ]
    for server, fake, activity in sends:
        assert (await server.send(fake, f"{moot.base_url}/inbox", activity))[0] == 202
    await moot.drain()
    await actions.like(moot.fed, lou, await Post.get(id=int(p2["id"])))
    await moot.drain()
    # p2 and its two likes two days ago; p0 nine days ago (the previous period), before anyone followed.
    two_days_ago = now - timedelta(days=2)
    await Post.filter(id=int(p2["id"])).update(published=two_days_ago)
    await Interaction.filter(post_id=int(p2["id"])).update(created_at=two_days_ago)
    p0 = await post("Hello world", "en")
    await Post.filter(id=int(p0["id"])).update(published=now - timedelta(days=9))
    from models.insights import PostStats
    await PostStats.filter(post_id=int(p0["id"])).update(servers=0, followers_reached=0, published=now - timedelta(days=9))
    await PostStats.filter(post_id=int(p2["id"])).update(published=two_days_ago)
    return {"owner": owner, "page": page, "p0": p0, "p1": p1, "p2": p2, "two_days_ago": two_days_ago, "now": now}


async def test_figures_match_the_hand_count(moot: MootInstance, remote: FakeRemote) -> None:
    other = await FakeRemote().start()
    try:
        world = await build_world(moot, remote, other)
        # Three local views of p1: anonymous visitors on its page.
        anonymous = FormClient(moot.base_url)
        for _ in range(3):
            assert (await anonymous.get(f"/threads/{world['p1']['id']}")).status == 200
        await anonymous.close()

        token = await create_token(world["owner"])
        status, data = await moot.api("GET", "/api/moot/v1/pages/news/insights?days=7", token)
        assert status == 200, data
        figures = {key: (f["value"], f["previous"]) for key, f in data["figures"].items()}
        assert figures == {
            "followers": (6, 0), "gained": (6, 0), "lost": (0, 1), "net": (6, -1), "posts": (2, 1),
            "followers_reached": (12, 0), "interactions": (5, 0), "engagement_rate": (0.4167, 0.0), "views": (3, 0),
        }
        assert data["followers"] == 6 and data["follower_servers"] == 3 and len(data["growth"]) == 8
        assert [d["gained"] for d in data["daily"]] == [0, 0, 0, 0, 0, 0, 6]
        assert [d["followers"] for d in data["daily"]] == [0, 0, 0, 0, 0, 0, 6]
        assert [(d["likes"], d["boosts"], d["replies"]) for d in data["daily"]][-3:] == [(2, 0, 0), (0, 0, 0), (1, 1, 1)]
        assert [d["lost"] for d in data["previous_daily"]] == [0, 0, 0, 1, 0, 0, 0]
        p1, p2 = data["posts"]
        assert (p1["id"], p1["servers"], p1["followers_reached"], p1["likes"], p1["boosts"], p1["replies"],
                p1["local_views"]) == (world["p1"]["id"], 2, 6, 1, 1, 1, 3)
        assert (p2["id"], p2["servers"], p2["followers_reached"], p2["likes"], p2["boosts"], p2["replies"],
                p2["local_views"]) == (world["p2"]["id"], 2, 6, 2, 0, 0, 0)
        assert p1["engagement_rate"] == 0.5 and p2["engagement_rate"] == 0.3333
        assert [p["id"] for p in data["top_posts"]] == [world["p1"]["id"], world["p2"]["id"]]
        servers = {(s["host"], s["followers"]) for s in data["audience"]["servers"]}
        assert servers == {(remote.host, 3), (other.host, 2), (None, 1)}
        assert data["audience"]["server_count"] == 2
        assert {(r["language"], r["posts"], r["followers_reached"], r["interactions"])
                for r in data["audience"]["languages"]} == {("nl", 1, 6, 3), ("en", 1, 6, 2)}
        expected_cells: dict[tuple[int, int], int] = {}
        for created in await Interaction.filter(post__author=world["page"]).values_list("created_at", flat=True):
            key = (created.weekday(), created.hour)
            expected_cells[key] = expected_cells.get(key, 0) + 1
        grid = data["heatmap"]["hours"]
        assert sum(map(sum, grid)) == 5
        assert all(grid[d][h] == n for (d, h), n in expected_cells.items())

        # Closed days were rolled up once; asking again gives the same figures from the rollups.
        day = world["two_days_ago"].date()
        rolled = await PageDay.get(page=world["page"], day=day)
        assert (rolled.likes, rolled.boosts, rolled.replies) == (2, 0, 0)
        again = (await moot.api("GET", "/api/moot/v1/pages/news/insights?days=7", token))[1]
        assert again["figures"] == data["figures"] and again["posts"] == data["posts"]
        assert again["daily"] == data["daily"] and again["heatmap"] == data["heatmap"]
    finally:
        await other.close()


async def test_web_page_csv_and_who_may_see_it(moot: MootInstance, remote: FakeRemote) -> None:
    other = await FakeRemote().start()
    try:
        world = await build_world(moot, remote, other)
        await moot.user("siteadmin", is_admin=True)  # an instance with an admin is set up: no /setup redirect
        await LocalUser.filter(actor=world["owner"]).update(password_hash=hash_password(PASSWORD))
        browser = FormClient(moot.base_url)
        signed = await browser.submit("/login", "/login", {"username": "owner", "password": PASSWORD, "next": "/@news"})
        assert signed.url.endswith("/@news")
        assert 'href="/pages/news/insights"' in signed.text  # linked from the page's header
        page = await browser.get("/pages/news/insights?days=7")
        assert page.status == 200, page.text[-2000:]
        assert "What can be counted, and what cannot" in page.text
        for chart_id in ("followers", "growth", "reach", "engagement", "rate", "interactions", "servers", "software",
                         "languages", "when"):
            assert f'id="chart-{chart_id}"' in page.text, chart_id
            block = re.search(rf'<figure[^>]*id="chart-{chart_id}".*?</figure>', page.text, re.S)
            assert block is not None
            reader = TableReader()
            reader.feed(block.group(0))
            download = await browser.get(f"/pages/news/insights?days=7&csv={chart_id}")
            assert download.status == 200
            assert list(csv.reader(io.StringIO(download.text))) == reader.rows, chart_id
        growth = list(csv.reader(io.StringIO((await browser.get("/pages/news/insights?days=7&csv=growth")).text)))
        assert growth[-1][1:] == ["6", "0", "6"]  # today: gained, lost, net
        figure = re.search(r'data-figure="followers".*?insight-figure-value">([^<]+)<', page.text, re.S)
        assert figure is not None and figure.group(1).strip() == "6"
        assert (await browser.get("/pages/news/insights?days=7&csv=nope")).status == 404
        await browser.close()

        # Everyone else gets the 404 of a page that does not exist.
        anonymous = FormClient(moot.base_url)
        missing = await anonymous.get("/pages/nosuchpage/insights")
        assert (await anonymous.get("/pages/news/insights")).status == 404 == missing.status
        assert (await anonymous.get("/pages/news/insights?csv=growth")).status == 404
        await anonymous.close()
        stranger, _ = await moot.user("stranger")
        await LocalUser.filter(actor=stranger).update(password_hash=hash_password(PASSWORD))
        other_browser = FormClient(moot.base_url)
        await other_browser.submit("/login", "/login", {"username": "stranger", "password": PASSWORD, "next": "/home"})
        refused = await other_browser.get("/pages/news/insights")
        assert refused.status == 404 and "Insights" not in refused.text
        assert 'href="/pages/news/insights"' not in (await other_browser.get("/@news")).text
        await other_browser.close()
    finally:
        await other.close()


async def test_daily_job_rolls_up_and_asks_nodeinfo(moot: MootInstance, remote: FakeRemote) -> None:
    other = await FakeRemote().start()
    try:
        world = await build_world(moot, remote, other)
        remote.publish({"id": f"{remote.base_url}/.well-known/nodeinfo",
                        "links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                                   "href": f"{remote.base_url}/nodeinfo/2.0"}]})
        remote.publish({"id": f"{remote.base_url}/nodeinfo/2.0", "software": {"name": "Mastodon", "version": "4.3.0"}})
        token = await create_token(world["owner"])
        assert (await moot.api("GET", "/api/moot/v1/pages/news/insights?days=7", token))[0] == 200
        job = await ScheduledJob.get(key=JOB_KEY)
        tomorrow = next_run(datetime.now(timezone.utc))
        assert job.next_attempt_at == tomorrow
        assert await run_due_jobs(moot.fed, now=tomorrow) >= 1
        today = world["now"].date()
        rolled = await PageDay.get(page=world["page"], day=today)  # yesterday, seen from the job's night
        assert (rolled.gained, rolled.followers, rolled.likes, rolled.boosts, rolled.replies) == (6, 6, 1, 1, 1)
        assert (await HostSoftware.get(host=remote.host)).software == "mastodon"
        assert (await HostSoftware.get(host=other.host)).software == ""  # no NodeInfo there: unknown
        assert f"{remote.base_url}/.well-known/nodeinfo".split("://", 1)[1].split("/", 1)[1] in \
            "".join(remote.fetched)
        assert (await ScheduledJob.get(key=JOB_KEY)).next_attempt_at == tomorrow + timedelta(days=1)
        status, data = await moot.api("GET", "/api/moot/v1/pages/news/insights?days=7", token)
        assert {(s["software"], s["followers"]) for s in data["audience"]["software"]} == \
            {("mastodon", 3), (None, 2), ("moot", 1)}
    finally:
        await other.close()


async def test_new_followers_move_the_audience_snapshot(moot: MootInstance, remote: FakeRemote) -> None:
    owner, _ = await moot.user("owner")
    page, _ = await moot.page("news", owner)
    token = await create_token(owner)
    first = remote.add_actor("first")
    await remote.send(first, page.inbox, follow_activity(first, page.uri))
    await moot.drain()
    data = (await moot.api("GET", "/api/moot/v1/pages/news/insights?days=7", token))[1]
    assert [(s["host"], s["followers"]) for s in data["audience"]["servers"]] == [(remote.host, 1)]
    second = remote.add_actor("second")
    await remote.send(second, page.inbox, follow_activity(second, page.uri))
    await moot.drain()
    data = (await moot.api("GET", "/api/moot/v1/pages/news/insights?days=7", token))[1]
    assert [(s["host"], s["followers"]) for s in data["audience"]["servers"]] == [(remote.host, 2)]
    assert await FollowEvent.filter(target=page, kind=FOLLOWED).count() == 2
    assert await Actor.filter(uri=second.uri).exists()
