"""Daily check-ins on real loopback servers: the day job posts the day's thread and the group relays it; replies
from remote members (Lemmy- and Mastodon-shaped, signed) count as their check-ins; the local button; streaks over
days driven with `now`; the leaderboard JSON and page; the thread panel."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from federation.activities import checkins as actions
from federation.activities.checkin_streaks import day_start
from federation.activities.checkins_board import member_streaks
from federation.groups.moderation import set_moderator
from federation.jobs import run_due_jobs
from models.actors import Actor, LocalUser
from models.checkins import Checkin, CheckinDay, CheckinSeries
from models.moderation import ModLogEntry
from models.posts import Post
from models.queues import ScheduledJob
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeActor, FakeRemote
from tests.groups.helpers import deliver, lemmy_comment, make_group, plain, remote_member, wrapped
from tests.web.browser import FormClient
from web.passwords import hash_password

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PASSWORD = "correct horse battery"


def mastodon_reply(actor: FakeActor, in_reply_to: str, text: str) -> dict[str, Any]:
    """A reply as Mastodon sends it: to Public, cc the author's followers, no audience, no mention of the group."""
    note_id = actor.new_id("statuses")
    return {
        "@context": AS, "id": f"{note_id}/activity", "type": "Create", "actor": actor.uri,
        "to": [PUBLIC], "cc": [actor.followers],
        "object": {"id": note_id, "type": "Note", "attributedTo": actor.uri, "inReplyTo": in_reply_to,
                   "to": [PUBLIC], "cc": [actor.followers], "content": f"<p>{text}</p>",
                   "published": "2026-11-20T12:05:00Z"},
    }


async def start(moot: MootInstance, token: str, group: str = "yoga", **fields: Any) -> dict[str, Any]:
    body = {"prompt": "Today's practice", "time_zone": "Europe/Amsterdam", **fields}
    status, answer = await moot.api("POST", f"/api/moot/v1/groups/{group}/checkins/series", token, json=body)
    assert status == 201, answer
    moot.use()
    return answer


async def the_day(series_id: int, day: date) -> CheckinDay:
    row = await CheckinDay.get(series_id=series_id, day=day).prefetch_related("thread")
    assert row.thread is not None
    return row


async def test_the_day_thread_federates_and_member_replies_count_once(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner, token, _ = await make_group(moot, "yoga")
    ana, ana_actor = await remote_member(moot, remote, group, "ana")  # replies like Lemmy
    bob, bob_actor = await remote_member(moot, remote, group, "bob")  # replies like Mastodon
    sam = remote.add_actor("sam")  # not a member
    series = await start(moot, token)
    assert series["weekdays"] == [0, 1, 2, 3, 4, 5, 6] and series["state"] == "active"

    now = datetime.now(timezone.utc)
    today = now.astimezone(AMSTERDAM).date()
    assert await run_due_jobs(moot.fed, now=now) == 1
    await moot.drain()
    day = await the_day(int(series["id"]), today)
    thread = day.thread
    assert thread.group_id == group.id and thread.author_id == owner.id and thread.in_reply_to_id is None
    assert thread.name == f"Today's practice — {today.strftime('%A')} {today.day} {today.strftime('%B')}"
    # The group relayed it like any thread: Announce{Create{Page}} for Lemmy and Mbin, Announce{uri} for Mastodon.
    (create,) = [c for c in wrapped(remote, group, "Create") if c["object"]["id"] == thread.uri]
    assert create["actor"] == owner.uri and create["object"]["type"] == "Page"
    assert create["object"]["name"] == thread.name and create["object"]["attributedTo"] == owner.uri
    assert thread.uri in plain(remote, group)
    # The next day is scheduled; running the job again, or posting the day again, makes no second thread.
    job = await ScheduledJob.get(key=f"checkin.day:{series['id']}")
    assert job.next_attempt_at == day_start(today + timedelta(days=1), AMSTERDAM)
    await actions.ensure_day(moot.fed, await CheckinSeries.get(id=int(series["id"])), today)
    assert await CheckinDay.filter(series_id=int(series["id"])).count() == 1
    assert await Post.filter(name=thread.name).count() == 1

    # Ana's Lemmy comment is her check-in; her second comment the same day is an ordinary reply.
    first = lemmy_comment(ana, group, thread.uri, "<p>Twenty minutes of <b>scales</b></p>")
    await deliver(moot, remote, ana, group, first)
    await deliver(moot, remote, ana, group, lemmy_comment(ana, group, thread.uri, "<p>And ten more</p>"))
    (ana_checkin,) = await Checkin.filter(actor=ana_actor)
    assert ana_checkin.day == today and ana_checkin.note == "Twenty minutes of scales"
    assert ana_checkin.post_id == (await Post.get(uri=first["object"]["id"])).id
    assert await Post.filter(in_reply_to_id=thread.id, author=ana_actor).count() == 2
    # Bob's Mastodon reply names only the thread (no group, no audience): the thread's group takes it.
    await deliver(moot, remote, bob, group, mastodon_reply(bob, thread.uri, "Did my stretches"))
    assert await Checkin.filter(actor=bob_actor, day=today).count() == 1
    # Sam is not a member: the group accepts his reply (non-members may post here) but it is no check-in.
    await deliver(moot, remote, sam, group, lemmy_comment(sam, group, thread.uri, "<p>Me too!</p>"))
    sam_actor = await Actor.get(uri=sam.uri)
    assert await Post.filter(author=sam_actor, group=group).exists()
    assert not await Checkin.filter(actor=sam_actor).exists()
    # A member's reply to another thread of the group is no check-in either.
    other = await actions.create_status(moot.fed, owner, actions.StatusInput(text="x", group=group, title="Other"))
    await deliver(moot, remote, bob, group, mastodon_reply(bob, other.uri, "Unrelated"))
    assert await Checkin.filter(series_id=int(series["id"])).count() == 2

    # The leaderboard and today's check-ins, as JSON.
    status, body = await moot.api("GET", "/api/moot/v1/groups/yoga/checkins")
    assert status == 200, body
    assert body["series"]["prompt"] == "Today's practice" and body["today"]["day"] == today.isoformat()
    assert body["today"]["thread_id"] == str(thread.id) and body["today"]["checked_in"] is None
    assert [c["account"]["acct"] for c in body["today"]["checkins"]] == [ana_actor.handle, bob_actor.handle]
    assert body["today"]["checkins"][0]["note"] == "Twenty minutes of scales"
    board = {entry["account"]["acct"]: entry for entry in body["leaderboard"]}
    assert set(board) == {ana_actor.handle, bob_actor.handle}
    assert board[ana_actor.handle] | {"account": None} == {"account": None, "current_streak": 1, "longest_streak": 1,
                                                           "total": 1, "last_day": today.isoformat()}
    status, mine = await moot.api("GET", f"/api/moot/v1/groups/yoga/checkins/{ana_actor.id}")
    assert status == 200 and [d["day"] for d in mine["days"]] == [today.isoformat()] and mine["total"] == 1


async def test_a_reply_after_the_day_closed_does_not_count_and_the_job_catches_up(
        moot: MootInstance, remote: FakeRemote) -> None:
    group, owner, _, _ = await make_group(moot, "yoga")
    ana, ana_actor = await remote_member(moot, remote, group, "ana")
    now = datetime.now(timezone.utc)
    earlier = now - timedelta(days=3)
    series = await actions.start_series(moot.fed, owner, group, actions.parse_settings("Practice", "UTC", None),
                                        now=earlier)
    await run_due_jobs(moot.fed, now=earlier)
    old = await the_day(series.id, earlier.date())
    # Three days later a reply to that day's thread arrives: it is an ordinary reply.
    await deliver(moot, remote, ana, group, lemmy_comment(ana, group, old.thread.uri, "<p>Late</p>"))
    assert await Post.filter(in_reply_to_id=old.thread_id, author=ana_actor).exists()
    assert not await Checkin.filter(actor=ana_actor).exists()
    # The job runs late: it posts today's thread, not the days missed in between.
    await run_due_jobs(moot.fed, now=now)
    assert sorted(await CheckinDay.filter(series=series).values_list("day", flat=True)) == [earlier.date(), now.date()]
    today = await the_day(series.id, now.date())
    await deliver(moot, remote, ana, group, lemmy_comment(ana, group, today.thread.uri, "<p>On time</p>"))
    assert await Checkin.filter(actor=ana_actor, day=now.date()).count() == 1
    # A missed day that never ran breaks nothing: one run day missed (the old one), one checked.
    streaks = await member_streaks(series, ana_actor, now)
    assert (streaks.current, streaks.longest, streaks.total) == (1, 1, 1)


def next_weekday(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7 or 7)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=AMSTERDAM).astimezone(timezone.utc)


async def test_the_button_and_streaks_across_tuesdays_and_thursdays(moot: MootInstance) -> None:
    group, owner, token, _ = await make_group(moot, "yoga")
    mia, mia_token = await moot.user("mia")
    lea, lea_token = await moot.user("lea")
    nina, nina_token = await moot.user("nina")  # not a member
    for joiner in (mia_token, lea_token):
        status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", joiner)
        assert status in (200, 202), body
    await moot.drain()
    tuesday = next_weekday(date.today() + timedelta(days=30), 1)
    thursday, wednesday = tuesday + timedelta(days=2), tuesday + timedelta(days=1)
    monday_evening = at(tuesday - timedelta(days=1), 20)
    settings = actions.parse_settings("Today's practice", "Europe/Amsterdam", [1, 3])
    series = await actions.start_series(moot.fed, owner, group, settings, now=monday_evening)
    job = await ScheduledJob.get(key=f"checkin.day:{series.id}")
    assert job.next_attempt_at == day_start(tuesday, AMSTERDAM)  # Tuesday, midnight in Amsterdam
    with pytest.raises(actions.CheckinError) as refused:
        await actions.check_in(moot.fed, mia, series, now=monday_evening)
    assert refused.value.code == actions.NO_DAY_OPEN

    # Tuesday: the job posts the thread at midnight; Mia checks in with the button and a note.
    assert await run_due_jobs(moot.fed, now=at(tuesday, 0, 1)) == 1
    checkin = await actions.check_in(moot.fed, mia, series, "Scales, then the Bach", now=at(tuesday, 9))
    reply = await Post.get(id=checkin.post_id).prefetch_related("in_reply_to")
    tuesday_thread = (await the_day(series.id, tuesday)).thread
    assert reply.in_reply_to_id == tuesday_thread.id and reply.source == "Scales, then the Bach"
    assert reply.group_id == group.id and checkin.day == tuesday and checkin.note == "Scales, then the Bach"
    with pytest.raises(actions.CheckinError) as twice:
        await actions.check_in(moot.fed, mia, series, "again", now=at(tuesday, 10))
    assert twice.value.code == actions.ALREADY_CHECKED_IN and twice.value.status == 409
    with pytest.raises(actions.CheckinError) as outsider:
        await actions.check_in(moot.fed, nina, series, now=at(tuesday, 10))
    assert outsider.value.code == actions.NOT_MEMBER and outsider.value.status == 403
    # A reply by Mia in the thread the same day stays an ordinary reply.
    await actions.create_status(moot.fed, mia, actions.StatusInput(text="More later", in_reply_to=tuesday_thread))
    assert await Checkin.filter(actor=mia).count() == 1

    # Wednesday: no thread (the series does not run); Tuesday is still open, so Lea's check-in counts for it.
    assert await run_due_jobs(moot.fed, now=at(wednesday, 12)) == 0
    late = await actions.check_in(moot.fed, lea, series, now=at(wednesday, 12))
    assert late.day == tuesday and late.note is None
    assert (await Post.get(id=late.post_id)).source == actions.CHECKED_IN_TEXT

    # Thursday: both check in (Lea with a reply from the thread page's reply form, through create_status).
    assert await run_due_jobs(moot.fed, now=at(thursday, 0, 1)) == 1
    await actions.check_in(moot.fed, mia, series, now=at(thursday, 8))
    thursday_thread = (await the_day(series.id, thursday)).thread
    await actions.create_status(moot.fed, lea, actions.StatusInput(text="Done!", in_reply_to=thursday_thread))
    assert await Checkin.filter(actor=lea, day=thursday, note="Done!").exists()
    streaks = await member_streaks(series, mia, at(thursday, 20))
    assert (streaks.current, streaks.longest, streaks.total) == (2, 2, 2)  # Wednesday broke nothing

    # Next week: Mia skips Tuesday; on Thursday morning her streak is broken, Lea's goes on.
    next_tuesday, next_thursday = tuesday + timedelta(days=7), thursday + timedelta(days=7)
    await run_due_jobs(moot.fed, now=at(next_tuesday, 0, 1))
    await actions.check_in(moot.fed, lea, series, now=at(next_tuesday, 7))
    await run_due_jobs(moot.fed, now=at(next_thursday, 0, 1))
    mia_streaks = await member_streaks(series, mia, at(next_thursday, 6))
    assert (mia_streaks.current, mia_streaks.longest, mia_streaks.total) == (0, 2, 2)
    lea_streaks = await member_streaks(series, lea, at(next_thursday, 6))
    assert (lea_streaks.current, lea_streaks.longest, lea_streaks.total) == (3, 3, 3)  # Thursday still open
    await actions.check_in(moot.fed, mia, series, now=at(next_thursday, 7))
    assert (await member_streaks(series, mia, at(next_thursday, 8))).current == 1

    # Pausing stops the days; resuming does not post the days skipped; the modlog has each step.
    await actions.set_paused(moot.fed, owner, series, True)
    assert not await ScheduledJob.filter(key=f"checkin.day:{series.id}", state="pending").exists()
    saturday = next_thursday + timedelta(days=9)  # a Tuesday and a Thursday went by while it was paused
    await actions.set_paused(moot.fed, owner, series, False, now=at(saturday, 12))
    assert await run_due_jobs(moot.fed, now=at(saturday, 12)) == 0
    assert await run_due_jobs(moot.fed, now=at(saturday + timedelta(days=3), 0, 1)) == 1  # the next Tuesday
    assert await CheckinDay.filter(series=series).count() == 5
    assert (await member_streaks(series, mia, at(saturday + timedelta(days=3), 6))).current == 1
    assert set(await ModLogEntry.filter(group=group).values_list("action", flat=True)) == {
        "checkin.started", "checkin.paused", "checkin.resumed"}

    # The leaderboard JSON, read at the real clock, before these days: none of them is open any more.
    status, body = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/checkins", lea_token)
    assert status == 200, body
    assert body["today"] is None and body["series"]["weekdays"] == [1, 3]
    rows = [(e["account"]["username"], e["current_streak"], e["longest_streak"], e["total"]) for e in body["leaderboard"]]
    # Both missed the last Tuesday, which is over by then; Lea's longest run is three, Mia's two.
    assert rows == [("lea", 0, 3, 3), ("mia", 0, 2, 3)]
    # The API's own button: nothing open at the real clock.
    status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/checkins", mia_token, json={"note": "x"})
    assert status == 409, body


async def sign_in(moot: MootInstance, actor: Actor) -> FormClient:
    client = FormClient(moot.base_url)
    moot.use()
    await LocalUser.filter(actor=actor).update(password_hash=hash_password(PASSWORD))
    page = await client.submit("/login", "/login", {"username": actor.local_name, "password": PASSWORD})
    assert "Sign out" in page.text
    return client


async def test_the_pages_set_up_check_in_and_show_the_leaderboard(moot: MootInstance) -> None:
    await moot.user("siteadmin", is_admin=True)  # a server with an admin serves its pages
    group, owner, token, _ = await make_group(moot, "yoga", private=True)
    mia, mia_token = await moot.user("mia")
    await moot.user("nina")
    await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", mia_token)
    moot.use()
    await moot.api("POST", f"/api/moot/v1/groups/{group.id}/requests/{mia.id}/approve", token)
    owner_browser, mia_browser = await sign_in(moot, owner), await sign_in(moot, mia)
    nina_browser = await sign_in(moot, await Actor.get(local_name="nina"))
    try:
        page = await owner_browser.get("/groups/yoga/checkins")
        assert page.status == 200 and "Set up a check-in" in page.text
        refused = await owner_browser.submit("/groups/yoga/checkins", "/groups/yoga/checkins/settings", {
            "action": "start", "prompt": "", "time_zone": "Europe/Amsterdam", "weekdays": "1"})
        assert refused.status == 422 and "Write the prompt people check in to." in refused.text
        done = await owner_browser.submit("/groups/yoga/checkins", "/groups/yoga/checkins/settings", {
            "action": "start", "prompt": "Today's practice", "time_zone": "Europe/Amsterdam",
            "weekdays": ["0", "1", "2", "3", "4", "5", "6"]})
        assert done.status == 200 and "The check-in is set up." in done.text
        await run_due_jobs(moot.fed, now=datetime.now(timezone.utc))
        await moot.drain()
        # Mia sees the prompt and the button; she checks in with a note.
        page = await mia_browser.get("/groups/yoga/checkins")
        assert "Today&#39;s practice" in page.text and ">Check in</button>" in page.text.replace("\n", "")
        checked = await mia_browser.submit("/groups/yoga/checkins", "/groups/yoga/checkins", {"note": "Long tones"})
        assert checked.status == 200 and "You checked in today" in checked.text
        assert "Long tones" in checked.text and '<table class="leaderboard">' in checked.text
        assert '<td class="day-checked">' in checked.text.replace("\n", "").replace("  ", "") or \
            'class="day-checked"' in checked.text
        assert "checked in</span>" in checked.text  # the calendar says it in words, not colour only
        again = await mia_browser.submit("/groups/yoga/checkins", "/groups/yoga/checkins", {"note": "Again"})
        assert again.status == 409 and "You already checked in today." in again.text
        # The day's thread shows the panel with Mia in it.
        thread = (await CheckinDay.filter(series__group=group).first().prefetch_related("thread")).thread
        page = await owner_browser.get(f"/threads/{thread.id}")
        assert "Check-ins for" in page.text and "1 member checked in" in page.text
        # A non-member of the private group sees none of it, on the page and the API.
        page = await nina_browser.get("/groups/yoga/checkins")
        assert "Today&#39;s practice" not in page.text and "only members see its check-ins" in page.text
        _, nina_token = await moot.user("nina2")
        for path in ("/api/moot/v1/groups/yoga/checkins", f"/api/moot/v1/groups/yoga/checkins/{mia.id}"):
            status, body = await moot.api("GET", path, nina_token)
            assert status == 404, body
        # The owner pauses it, then ends it; the modlog says so in sentences.
        paused = await owner_browser.submit("/groups/yoga/checkins", "/groups/yoga/checkins/settings", {"action": "pause"})
        assert "The check-in is paused." in paused.text and ">Resume</button>" in paused.text
        ended = await owner_browser.submit("/groups/yoga/checkins", "/groups/yoga/checkins/settings", {"action": "end"})
        assert "The check-in has ended." in ended.text
        log = await owner_browser.get("/moderation/groups/yoga")
        assert "started the check-in “Today&#39;s practice” in" in log.text
        assert "ended the check-in “Today&#39;s practice” in" in log.text
    finally:
        for browser in (owner_browser, mia_browser, nina_browser):
            await browser.close()


async def test_the_api_sets_up_and_changes_a_series(moot: MootInstance) -> None:
    group, owner, token, _ = await make_group(moot, "yoga")
    mia, mia_token = await moot.user("mia")
    await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", mia_token)
    path = f"/api/moot/v1/groups/{group.id}/checkins/series"
    status, body = await moot.api("POST", path, mia_token, json={"prompt": "Mine"})
    assert status == 403, body
    for bad, message in ((["x"], "weekdays"), ([], "at least one day"), ([7], "weekdays")):
        status, body = await moot.api("POST", path, token, json={"prompt": "P", "weekdays": bad})
        assert status == 422 and message in body["error"], body
    status, body = await moot.api("POST", path, token, json={"prompt": "P", "time_zone": "Mars/Olympus"})
    assert status == 422 and "time zone" in body["error"]
    status, body = await moot.api("POST", path, token, json={"prompt": "x" * 201})
    assert status == 422
    series = await start(moot, token, str(group.id), weekdays=[1, 3], time_zone="America/New_York")
    assert series["weekdays"] == [1, 3] and series["time_zone"] == "America/New_York"
    status, body = await moot.api("POST", path, token, json={"prompt": "Another"})
    assert status == 409, body
    status, body = await moot.api("PATCH", path, token, json={"prompt": "Evening practice", "weekdays": "024"})
    assert status == 200 and body["prompt"] == "Evening practice" and body["weekdays"] == [0, 2, 4]
    status, body = await moot.api("PATCH", path, token, json={"state": "paused"})
    assert status == 200 and body["state"] == "paused" and body["next_day"] is None
    status, body = await moot.api("PATCH", path, mia_token, json={"state": "active"})
    assert status == 403
    status, body = await moot.api("PATCH", path, token, json={"state": "ended"})
    assert status == 200 and body["state"] == "ended" and body["ended_at"]
    status, body = await moot.api("PATCH", path, token, json={"state": "active"})
    assert status == 404
    status, body = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/checkins")
    assert status == 200 and body["series"]["state"] == "ended" and body["leaderboard"] == []
    assert (await ModLogEntry.filter(group=group, action="checkin.edited").first()) is not None
    status, body = await moot.api("POST", path, token, json={"prompt": ["not", "text"]})
    assert status == 422, body

    # Day threads are written by the moderator who set the series up; once they are no moderator, by the owner.
    await set_moderator(moot.fed, owner, group, mia, added=True)
    series = await start(moot, mia_token, str(group.id), prompt="Mia's practice")
    now = datetime.now(timezone.utc)
    await run_due_jobs(moot.fed, now=now)
    day = await the_day(int(series["id"]), now.astimezone(AMSTERDAM).date())
    assert day.thread.author_id == mia.id
    await set_moderator(moot.fed, owner, group, mia, added=False)
    tomorrow = now.astimezone(AMSTERDAM).date() + timedelta(days=1)
    assert await run_due_jobs(moot.fed, now=day_start(tomorrow, AMSTERDAM)) == 1
    assert (await the_day(int(series["id"]), tomorrow)).thread.author_id == owner.id
