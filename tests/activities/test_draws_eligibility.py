"""Who may win: registered attendees of the group's event, members with enough check-ins in a period, a page's
followers; and who may see a draw of a private group. Event and check-in rows are made directly with the models
(their own helpers build the pages that make them)."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone

from federation.actions import StatusInput, create_status
from federation.jobs import run_due_jobs
from models.actors import Actor
from models.checkins import Checkin, CheckinSeries
from models.draws import Draw
from models.events import PARTICIPANT, WAITLISTED, Event, EventParticipant
from models.moderation import ModLogEntry
from models.posts import Post
from tests.activities.test_draws import independent_winners, join_locally, new_draw
from tests.conftest import MootInstance
from tests.fakeremote import AS, FakeRemote
from tests.groups.helpers import make_group, remote_member


async def an_event(moot: MootInstance, author: Actor, group: Actor | None, title: str) -> Event:
    moot.use()
    post = await create_status(moot.fed, author, StatusInput(text="Come along", group=group, title=title))
    return await Event.create(post=post, starts_at=datetime.now(timezone.utc) + timedelta(days=3))


async def test_attendees_and_checkins_decide_who_can_win(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner, token, _ = await make_group(moot, "walkers")
    _, alice = await remote_member(moot, remote, group, "alice")
    mia, _ = await join_locally(moot, group, "mia")
    lea, _ = await join_locally(moot, group, "lea")
    stranger, _ = await moot.user("stranger")
    other_group, other_owner, _, _ = await make_group(moot, "others")
    moot.use()
    walk = await an_event(moot, owner, group, "Moonlight walk")
    elsewhere = await an_event(moot, other_owner, other_group, "Not ours")
    for actor, state in ((alice, PARTICIPANT), (mia, PARTICIPANT), (lea, WAITLISTED), (stranger, PARTICIPANT),
                         (owner, PARTICIPANT)):
        await EventParticipant.create(event=walk, actor=actor, state=state)
    series = await CheckinSeries.create(group=group, prompt="Daily steps", created_by=owner)
    first = date(2026, 11, 1)
    days = {mia: [1, 2, 3], alice: [5, 9, 20], lea: [1, 2, 25, 28], stranger: [1, 2, 3]}  # lea: 2 in the period
    for actor, numbers in days.items():
        for number in numbers:
            await Checkin.create(series=series, actor=actor, day=first + timedelta(days=number - 1))

    path = f"/api/moot/v1/groups/{group.id}/draws"
    # The event and the series must be this group's.
    status, body = await new_draw(moot, token, path, eligibility="attendees", event_id=elsewhere.id)
    assert status == 422 and "event" in body["error"]
    status, body = await new_draw(moot, token, path, eligibility="checkins", series_id=series.id, min_checkins=3,
                                  since="2026-11-20", until="2026-11-01")
    assert status == 422 and "period" in body["error"]

    status, by_event = await new_draw(moot, token, path, eligibility="attendees", event_id=walk.id, winners_count=5,
                                      prize="Two tickets")
    assert status == 201, by_event
    status, by_checkins = await new_draw(moot, token, path, eligibility="checkins", series_id=series.id,
                                         min_checkins=3, since="2026-11-01", until="2026-11-21", winners_count=1,
                                         prize="A pedometer")
    assert status == 201, by_checkins
    moot.use()
    announcement = await Post.get(id=int(by_checkins["post_id"]))
    assert "at least 3 check-ins in “Daily steps” from 2026-11-01 to 2026-11-21" in announcement.content
    assert "Moonlight walk" in (await Post.get(id=int(by_event["post_id"]))).content

    await run_due_jobs(moot.fed, now=datetime.now(timezone.utc) + timedelta(hours=2))
    await moot.drain()
    status, event_draw = await moot.api("GET", f"/api/moot/v1/draws/{by_event['id']}", token)
    status_2, audit = await moot.api("GET", f"/draws/{by_event['id']}/audit.json", token)
    assert status == status_2 == 200
    # Seats only (not the waiting list), members only (not the stranger), never the organiser.
    assert audit["eligible"] == sorted([alice.uri, mia.uri])
    # Fewer eligible than winners: everyone eligible wins.
    assert sorted(audit["winners"]) == sorted([alice.uri, mia.uri]) == sorted(
        independent_winners(audit["seed"], audit["eligible"], 5))
    assert event_draw["winners_count"] == 5 and len(event_draw["winners"]) == 2
    status, audit = await moot.api("GET", f"/draws/{by_checkins['id']}/audit.json", token)
    assert audit["eligible"] == sorted([alice.uri, mia.uri])
    assert audit["winners"] == independent_winners(audit["seed"], audit["eligible"], 1)
    assert hashlib.sha256(bytes.fromhex(audit["seed"])).hexdigest() == by_checkins["commitment"]


async def test_nobody_eligible_and_a_locked_thread(moot: MootInstance) -> None:
    """With nobody eligible nobody wins; a thread a moderator locked still gets the result: its moderators reply
    in a locked thread."""
    group, owner, token, _ = await make_group(moot, "quiet")
    status, made = await new_draw(moot, token, f"/api/moot/v1/groups/{group.id}/draws", winners_count=3)
    assert status == 201
    status, _ = await moot.api("POST", f"/api/moot/v1/posts/{made['post_id']}/lock", token, json={"reason": "closed"})
    assert status == 200
    moot.use()
    await run_due_jobs(moot.fed, now=datetime.now(timezone.utc) + timedelta(hours=2))
    draw = await Draw.get(id=int(made["id"]))
    assert draw.state == "drawn" and draw.eligible == [] and draw.winners == []
    result = await Post.get(id=draw.result_post_id)
    assert result.in_reply_to_id == draw.post_id and result.group_id == group.id
    assert "Nobody was eligible, so nobody wins." in result.content
    assert not [tag for tag in result.tags if tag["type"] == "Mention"]


async def test_a_page_draws_among_its_followers(moot: MootInstance, remote: FakeRemote) -> None:
    await moot.user("siteadmin", is_admin=True)
    ada, ada_token = await moot.user("ada")
    page, page_token = await moot.page("bakery", ada)
    mia, mia_token = await moot.user("mia")
    _, nina_token = await moot.user("nina")  # likes the post without following the page
    status, _ = await moot.api("POST", f"/api/v1/accounts/{page.id}/follow", mia_token)
    assert status == 200
    alice_fake = remote.add_actor("alice")
    status, _ = await remote.send(alice_fake, page.inbox, {
        "@context": AS, "id": alice_fake.new_id(), "type": "Follow", "actor": alice_fake.uri, "object": page.uri})
    assert status == 202
    await moot.drain()

    path = "/api/moot/v1/pages/bakery/draws"
    status, _ = await new_draw(moot, mia_token, path)
    assert status == 403
    status, body = await new_draw(moot, ada_token, path, eligibility="checkins", series_id=1, min_checkins=1,
                                  since="2026-11-01", until="2026-11-02")
    assert status == 422 and "page" in body["error"]
    status, made = await new_draw(moot, ada_token, path, prize="A sourdough loaf", winners_count=1)
    assert status == 201, made
    await moot.drain()
    moot.use()
    post = await Post.get(id=int(made["post_id"]))
    assert post.author_id == page.id and post.visibility == "public" and made["commitment"] in post.content
    # The page's followers receive the announcement.
    creates = [a for a in remote.activities("Create") if a["object"]["id"] == post.uri]
    assert creates and made["commitment"] in creates[0]["object"]["content"]

    like = {"@context": AS, "id": alice_fake.new_id(), "type": "Like", "actor": alice_fake.uri, "object": post.uri}
    status, _ = await remote.send(alice_fake, page.inbox, like)
    assert status == 202
    for token in (mia_token, nina_token):
        status, _ = await moot.api("POST", f"/api/v1/statuses/{post.id}/favourite", token)
        assert status == 200
    await moot.drain()
    status, listed = await moot.api("GET", path)
    assert status == 200 and [item["id"] for item in listed] == [made["id"]]
    status, html = await moot.api("GET", "/@bakery/draws")
    assert status == 200 and "A sourdough loaf" in html and "New draw" not in html
    status, _ = await moot.api("GET", "/@mia/draws")  # a person has no draws page
    assert status == 404

    moot.use()
    await run_due_jobs(moot.fed, now=datetime.now(timezone.utc) + timedelta(hours=2))
    await moot.drain()
    status, audit = await moot.api("GET", f"/draws/{made['id']}/audit.json")
    assert status == 200 and audit["eligible"] == sorted([alice_fake.uri, mia.uri])
    assert audit["winners"] == independent_winners(audit["seed"], audit["eligible"], 1)
    moot.use()
    draw = await Draw.get(id=int(made["id"]))
    result = await Post.get(id=draw.result_post_id)
    assert result.author_id == page.id and result.in_reply_to_id == post.id
    assert [tag["href"] for tag in result.tags if tag["type"] == "Mention"] == audit["winners"]
    # The page's followers get the result; a remote winner is also addressed directly.
    assert [a for a in remote.activities("Create") if a["object"]["id"] == result.uri]
    # A page's draws are in the server's log (no group).
    actions = await ModLogEntry.filter(group=None, action__startswith="draw.").values_list("action", flat=True)
    assert sorted(actions) == ["draw.created", "draw.drawn"]


async def test_a_private_groups_draw_is_for_its_members_only(moot: MootInstance) -> None:
    group, owner, token, _ = await make_group(moot, "secret", private=True)
    mia, mia_token = await join_locally(moot, group, "mia")
    status, _ = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/requests/{mia.id}/approve", token)
    assert status == 200
    _, nosy_token = await moot.user("nosy")
    status, made = await new_draw(moot, token, f"/api/moot/v1/groups/{group.id}/draws", prize="Secret prize")
    assert status == 201
    for path in (f"/api/moot/v1/draws/{made['id']}", f"/draws/{made['id']}/audit.json"):
        for who in (None, nosy_token):
            status, body = await moot.api("GET", path, who)
            assert status == 404 and "Secret prize" not in str(body), (path, who)
        status, body = await moot.api("GET", path, mia_token)
        assert status == 200 and body["prize"] == "Secret prize"
    status, body = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/draws", nosy_token)
    assert status == 403 and "Secret prize" not in str(body)
    status, body = await moot.api("GET", "/groups/secret/draws")
    assert status == 200 and "Secret prize" not in body and "only members see its draws" in body
    status, _ = await moot.api("POST", f"/api/moot/v1/draws/{made['id']}/cancel", nosy_token, json={"reason": "x"})
    assert status == 404
