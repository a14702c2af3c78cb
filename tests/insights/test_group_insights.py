"""Group insights against a hand-counted world: members joining and leaving on set days, posts, replies, votes,
check-ins, held posts, removals, reports and join requests with set times. T is today (UTC), T-n n days ago.

Hand count for the 7-day period (T-6..T; the previous one is T-13..T-7):
- joined a1, a2, l1 (T-10), b1 (T-8) before; a3 (T-6), b2 (T-5), c1 (T-1), d1 (T, live) inside; l1 left T-3.
  Members now 7 (a1 a2 a3 b1 b2 c1 d1) on 4 servers; at the end of T-7: 4.
- posts: b2 (T-12, previous); a1 P1 (T-6), a1 poll P2 (T-3), a3 (T-2), d1 (T); c1's post of T-2 was deleted.
  replies: b1 to P1 (T-6), a1 (T-4). votes: a2 on P2 (two options: one vote, T-3), c1 (T-1).
  check-ins: a3 and b2 (T-2), a3 (T-1). held 2 (T-5), removed 1 (T-1), reported 1 (T-4) and 1 before (T-9).
- active per day T-6..T: 2, 0, 1, 2, 2, 2, 1; the owner's event post (T-20) and o1 (joined T-25, posted T-17
  and T-16, left T-15) count in the 30-day windows.
"""
from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, datetime, time, timedelta, timezone

from models.actors import Actor, LocalUser
from models.checkins import Checkin, CheckinSeries
from models.events import PARTICIPANT, WAITLISTED, Event, EventParticipant
from models.follows import ACCEPTED, PENDING, Follow
from models.group_insights import GroupDailyStat
from models.groups import HeldActivity
from models.insights import FOLLOWED, UNFOLLOWED, FollowEvent
from models.moderation import ModLogEntry, Report
from models.polls import Poll, PollVote
from models.posts import Post
from federation.group_insights import group_insights
from federation.group_insights.retention import monday
from federation.group_insights.rollups import JOB_KEY
from models.queues import ScheduledJob
from tests.conftest import MootInstance
from tests.groups.helpers import make_group
from tests.web.browser import FormClient
from web.passwords import hash_password

PASSWORD = "correct horse battery"
T = datetime.now(timezone.utc).date()
NOW = datetime.combine(T, time(12, 0), tzinfo=timezone.utc)


def at(days_ago: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(T - timedelta(days=days_ago), time(hour, minute), tzinfo=timezone.utc)


def day(days_ago: int) -> date:
    return T - timedelta(days=days_ago)


class World:
    group: Actor
    owner: Actor
    token: str
    people: dict[str, Actor]


async def _person(name: str, domain: str) -> Actor:
    uri = f"https://{domain}/users/{name}"
    return await Actor.create(uri=uri, type="Person", username=name, domain=domain, inbox=uri + "/inbox",
                              display_name=name.upper())


async def _post(group: Actor, author: Actor, n: int, when: datetime, *, parent: Post | None = None,
                **extra: object) -> Post:
    return await Post.create(uri=f"https://{author.domain}/posts/{n}", author=author, group=group,
                             audience_group=group, published=when, content=f"<p>Post {n}</p>",
                             in_reply_to=parent, in_reply_to_uri=parent.uri if parent else None, **extra)


async def build(moot: MootInstance) -> World:
    world = World()
    world.group, world.owner, world.token, _ = await make_group(moot, "allotment")
    group = world.group
    # Start from a clean slate: the owner's own membership is not part of the hand count.
    await Follow.filter(target=group).delete()
    await FollowEvent.filter(target=group).delete()
    await ModLogEntry.filter(group=group).delete()
    servers = {"a1": "one.example", "a2": "one.example", "a3": "one.example", "l1": "one.example",
               "b1": "two.example", "b2": "two.example", "c1": "three.example", "d1": "four.example",
               "e1": "five.example", "o1": "one.example"}
    world.people = p = {name: await _person(name, domain) for name, domain in servers.items()}
    joined = {"o1": 25, "a1": 10, "a2": 10, "l1": 10, "b1": 8, "a3": 6, "b2": 5, "c1": 1, "d1": 0}
    for name, days_ago in joined.items():
        await FollowEvent.create(target=group, follower_uri=p[name].uri, kind=FOLLOWED, created_at=at(days_ago, 1))
        if name not in ("l1", "o1"):
            await Follow.create(follower=p[name], target=group, state=ACCEPTED, accepted_at=at(days_ago, 1))
    await FollowEvent.create(target=group, follower_uri=p["l1"].uri, kind=UNFOLLOWED, created_at=at(3, 9))
    await FollowEvent.create(target=group, follower_uri=p["o1"].uri, kind=UNFOLLOWED, created_at=at(15, 9))
    pending = await Follow.create(follower=p["e1"], target=group, state=PENDING)
    await Follow.filter(id=pending.id).update(created_at=at(0, 2))

    await _post(group, p["b2"], 1, at(12))
    await _post(group, p["o1"], 9, at(17))
    await _post(group, p["o1"], 10, at(16))
    first = await _post(group, p["a1"], 2, at(6))
    await _post(group, p["b1"], 3, at(6, 11), parent=first)
    await _post(group, p["a1"], 4, at(4), parent=first)
    question = await _post(group, p["a1"], 5, at(3), type="Question")
    await _post(group, p["a3"], 6, at(2))
    await _post(group, p["c1"], 7, at(2), deleted_at=at(2, 11))
    await _post(group, p["d1"], 8, at(0, 9))
    event_post = await Post.create(uri="https://local.example/posts/event", author=world.owner, group=group,
                                   audience_group=group, published=at(20), is_local=True, type="Event",
                                   name="Seed swap", content="<p>Bring seeds</p>")

    poll = await Poll.create(post=question, options=[{"title": "Yes", "votes_count": 1},
                                                     {"title": "No", "votes_count": 1}],
                             multiple=True, voters_count=2)
    await PollVote.create(poll=poll, voter=p["a2"], choice=0, activity_uri="https://one.example/v/1", created_at=at(3, 11))
    await PollVote.create(poll=poll, voter=p["a2"], choice=1, activity_uri="https://one.example/v/2", created_at=at(3, 11))
    await PollVote.create(poll=poll, voter=p["c1"], choice=0, activity_uri="https://three.example/v/3", created_at=at(1))

    series = await CheckinSeries.create(group=group, prompt="Watered today?")
    for name, days_ago in (("a3", 2), ("b2", 2), ("a3", 1)):
        await Checkin.create(series=series, actor=p[name], day=day(days_ago), created_at=at(days_ago))

    for n in range(2):
        await HeldActivity.create(group=group, actor=p["e1"], activity_uri=f"https://five.example/a/{n}",
                                  activity={}, reason="non-member", created_at=at(5))
    await ModLogEntry.create(action="post.removed", group=group, target="x", created_at=at(1))
    await Report.create(group=group, comment="spam", created_at=at(4))
    await Report.create(group=group, comment="spam", created_at=at(9))
    for action, requested, decided in (("join.approved", at(5, 6), at(5, 12)), ("join.approved", at(3, 12), at(1, 12)),
                                       ("join.rejected", at(2, 0), at(2, 12))):
        await ModLogEntry.create(action=action, group=group, target="x", public=False,
                                 details={"requested_at": requested.isoformat()}, created_at=decided)

    event = await Event.create(post=event_post, starts_at=at(2), capacity=10)
    for name, state in (("a1", PARTICIPANT), ("a2", PARTICIPANT), ("a3", PARTICIPANT), ("b1", WAITLISTED)):
        await EventParticipant.create(event=event, actor=p[name], state=state)
    return world


async def test_every_figure_matches_the_hand_count(moot: MootInstance) -> None:
    world = await build(moot)
    data = await group_insights(world.group, 7, now=NOW)
    assert [row.day for row in data.days] == [day(n) for n in range(6, -1, -1)]
    figures = {f.name: (f.value, f.previous) for f in data.summary}
    assert figures == {
        "members": (7, 4), "joins": (4, 4), "leaves": (1, 0), "net": (3, 4), "posts": (4, 1), "replies": (2, 0),
        "votes": (2, 0), "checkins": (3, 0), "held": (2, 0), "removed": (1, 0), "reported": (1, 1),
        "active_daily": (round(10 / 7, 2), round(1 / 7, 2)), "active_week": (7, 1), "active_month": (9, 3),
    }
    assert [row.members for row in data.days] == [5, 6, 6, 5, 5, 6, 7]
    assert [row.figures.active for row in data.days] == [2, 0, 1, 2, 2, 2, 1]
    assert [row.figures.posts for row in data.days] == [1, 0, 0, 1, 1, 0, 1]
    assert [row.figures.replies for row in data.days] == [1, 0, 1, 0, 0, 0, 0]
    assert [row.figures.joins for row in data.days] == [1, 1, 0, 0, 0, 1, 1]
    assert [row.figures.leaves for row in data.days] == [0, 0, 0, 1, 0, 0, 0]
    assert [row.figures.active_week for row in data.days] == [3, 2, 2, 3, 5, 6, 7]
    assert [row.checkin_rate for row in data.days] == [0, 0, 0, 0, 0.4, round(1 / 6, 4), 0]
    assert [(w.held, w.removed, w.reported) for w in data.moderation] == [(2, 1, 1)]
    waits = data.join_waits
    assert (waits.approved, waits.rejected, waits.median_hours, waits.longest_hours) == (2, 1, 12.0, 48.0)
    assert (waits.pending_now, waits.oldest_pending_hours) == (1, 10.0)
    p = world.people
    # Top contributors over the finished days (d1's post of today counts from tomorrow).
    assert [(c.actor.id, c.posts, c.replies) for c in data.contributors] == [
        (p["a1"].id, 2, 1), (p["a3"].id, 1, 0), (p["b1"].id, 0, 1)]
    assert [(s.domain, s.members) for s in data.servers] == [
        ("one.example", 3), ("two.example", 2), ("four.example", 1), ("three.example", 1)]
    assert data.server_count == 4
    assert [(poll.voters, poll.participation) for poll in data.polls] == [(2, round(2 / 7, 4))]
    assert [(e.participants, e.capacity, e.attendance) for e in data.events] == [(3, 10, 0.3)]

    # Finished days were rolled up once; asking again reads the same figures from the rollups.
    assert await GroupDailyStat.filter(group=world.group, day=day(1)).count() == 1
    again = await group_insights(world.group, 7, now=NOW)
    assert again.summary == data.summary and [r.figures for r in again.days] == [r.figures for r in data.days]

    # Retention over 30 days, by calendar week (Monday to Sunday), counted from finished days only: d1 joined
    # and posted today. The expected cohorts are worked out here from the hand-made lists above.
    month = await group_insights(world.group, 30, now=NOW)
    joins = {"o1": 25, "a1": 10, "a2": 10, "l1": 10, "b1": 8, "a3": 6, "b2": 5, "c1": 1}
    active_days = {"o1": [17, 16], "a1": [6, 4, 3], "b1": [6], "a2": [3], "a3": [2, 1], "b2": [12, 2], "c1": [1],
                   world.owner.local_name: [20]}
    expected = []
    week = monday(day(29))
    while week <= monday(day(1)):
        people = [name for name, ago in joins.items() if monday(day(ago)) == week]
        counts = []
        for after in range(1, 5):
            start = week + timedelta(days=7 * after)
            over = start + timedelta(days=6) <= day(1)
            counts.append(sum(1 for name in people if any(monday(day(ago)) == start for ago in active_days.get(name, [])))
                          if over else None)
        expected.append((week, len(people), counts))
        week += timedelta(days=7)
    assert [(c.week_start, c.joined, c.active) for c in month.cohorts] == expected
    assert sum(c.joined for c in month.cohorts) == 8
    assert all(share == (None if n is None else round(n / c.joined, 4) if c.joined else 0.0)
               for c in month.cohorts for n, share in zip(c.active, c.shares))
    # At least one finished following week with someone in it, whatever weekday today is.
    assert any(n for c in month.cohorts for n in c.active if n)


async def _browser(moot: MootInstance, name: str) -> FormClient:
    moot.use()
    await LocalUser.filter(actor__local_name=name).update(password_hash=hash_password(PASSWORD))
    client = FormClient(moot.base_url)
    page = await client.submit("/login", "/login", {"username": name, "password": PASSWORD})
    assert "Sign out" in page.text
    return client


def _table(page: str, chart_id: str) -> list[list[str]]:
    figure = re.search(rf'<figure[^>]*id="chart-{chart_id}".*?</figure>', page, re.S)
    assert figure, chart_id
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", figure.group(0), re.S):
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
                     for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)])
    return rows


async def test_the_page_csv_api_and_who_may_see_them(moot: MootInstance) -> None:
    world = await build(moot)
    await moot.user("siteadmin", is_admin=True)
    member, member_token = await moot.user("gardener")
    await Follow.create(follower=member, target=world.group, state=ACCEPTED)
    path = "/groups/allotment/insights"
    owner = await _browser(moot, world.owner.local_name)
    gardener = await _browser(moot, "gardener")
    admin = await _browser(moot, "siteadmin")
    anonymous = FormClient(moot.base_url)
    try:
        page = await owner.get(path + "?days=7")
        assert page.status == 200
        assert 'href="/groups/allotment/insights"' in page.text  # the tab in the group header
        posts = _table(page.text, "posts")
        assert posts[0] == ["", "Posts", "Replies"]
        assert posts[1:] == [[day(n).isoformat(), str(pc), str(rc)]
                             for n, pc, rc in zip(range(6, -1, -1), [1, 0, 0, 1, 1, 0, 1], [1, 0, 1, 0, 0, 0, 0])]
        for chart_id in ("posts", "joins", "active", "retention", "servers", "contributors", "moderation"):
            download = await owner.get(f"{path}?days=7&csv={chart_id}")
            assert download.status == 200
            assert list(csv.reader(io.StringIO(download.text))) == _table(page.text, chart_id), chart_id
        assert (await owner.get(f"{path}?csv=nothing")).status == 404
        assert (await admin.get(path)).status == 200
        for outsider in (gardener, anonymous):
            missing = await outsider.get("/groups/nosuchgroup/insights")
            seen = await outsider.get(path)
            assert seen.status == 404 and seen.text == missing.text.replace("nosuchgroup", "allotment")
            assert (await outsider.get(f"{path}?csv=posts")).status == 404
        assert 'href="/groups/allotment/insights"' not in (await gardener.get("/groups/allotment")).text
    finally:
        for client in (owner, gardener, admin, anonymous):
            await client.close()

    status, body = await moot.api("GET", f"/api/moot/v1/groups/{world.group.id}/insights?days=7", world.token)
    assert status == 200, body
    assert body["members"] == 8 and body["summary"]["joins"] == {"value": 4, "previous": 4}
    assert [row["active"] for row in body["daily"]] == [2, 0, 1, 2, 2, 2, 1]
    assert body["top_contributors"][0] == {"account_id": str(world.people["a1"].id), "posts": 2, "replies": 1}
    assert body["join_requests"]["median_hours"] == 12.0
    assert (await moot.api("GET", f"/api/moot/v1/groups/{world.group.id}/insights?days=5", world.token))[0] == 422
    assert (await moot.api("GET", f"/api/moot/v1/groups/{world.group.id}/insights", member_token))[0] == 404
    assert (await moot.api("GET", "/api/moot/v1/groups/allotment/insights", member_token))[0] == 404
    assert (await moot.api("GET", f"/api/moot/v1/groups/{world.group.id}/insights"))[0] == 401


async def test_a_long_history_is_rolled_up_by_the_job_then_every_night(moot: MootInstance) -> None:
    await moot.user("siteadmin", is_admin=True)  # a server with an admin: no first-run setup page
    group, owner, token, _ = await make_group(moot, "oldtimers")
    old = await _person("veteran", "one.example")
    await FollowEvent.create(target=group, follower_uri=old.uri, kind=FOLLOWED, created_at=at(100, 1))
    await Post.create(uri="https://one.example/posts/old", author=old, group=group, audience_group=group,
                      published=at(99), content="<p>Hello</p>")
    # 100 days not rolled up: the page says so and the job is asked to run now; the API answers 503.
    status, body = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/insights?days=90", token)
    assert status == 503
    owner_browser = await _browser(moot, owner.local_name)
    try:
        page = await owner_browser.get("/groups/oldtimers/insights")
        assert page.status == 200 and "being prepared" in page.text
        assert await GroupDailyStat.filter(group=group).count() == 0
        await moot.drain()  # the worker's pass runs the due job
        assert await GroupDailyStat.filter(group=group).count() >= 100
        job = await ScheduledJob.get(key=JOB_KEY)
        tomorrow = datetime.combine(datetime.now(timezone.utc).date() + timedelta(days=1), time(0, 5),
                                    tzinfo=timezone.utc)
        assert job.state == "pending" and job.next_attempt_at == tomorrow  # and again the next night
        page = await owner_browser.get("/groups/oldtimers/insights?days=90")
        assert page.status == 200 and "being prepared" not in page.text
    finally:
        await owner_browser.close()
    status, body = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/insights?days=90", token)
    assert status == 200 and body["summary"]["posts"] == {"value": 0, "previous": 1}  # T-99: the previous 90 days
