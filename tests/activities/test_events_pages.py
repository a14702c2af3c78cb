"""Events through the pages (a browser without JavaScript: forms, POST then redirect), the calendars (parsed with
the `icalendar` package), the organisers' CSV, a page's events, and the privacy of a private group's event."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone
from typing import Any, AsyncIterator, Awaitable, Callable
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from yarl import URL

from models.actors import Actor
from models.events import Event, EventParticipant
from models.posts import Post
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.groups.helpers import make_group
from tests.privacy.world import session_cookies
from tests.web.browser import FormClient, Page
from web.sessions import SESSION_COOKIE

Browser = Callable[[str], Awaitable[tuple[Actor, str, FormClient]]]


@pytest.fixture
async def person(moot: MootInstance) -> AsyncIterator[Browser]:
    """A local person with an API token and a signed-in browser (a session cookie, as after the login form)."""
    browsers: list[FormClient] = []

    async def make(name: str) -> tuple[Actor, str, FormClient]:
        actor, token = await moot.user(name)
        browser = FormClient(moot.base_url)
        cookie = (await session_cookies(actor))[SESSION_COOKIE]
        browser.session.cookie_jar.update_cookies({SESSION_COOKIE: cookie}, URL(moot.base_url))
        browsers.append(browser)
        return actor, token, browser

    yield make
    for browser in browsers:
        await browser.close()


def wall_clock(days: int, hour: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).strftime(f"%Y-%m-%dT{hour:02d}:00")


def calendar_of(page: Page) -> Calendar:
    assert page.status == 200, page.text[-500:]
    return Calendar.from_ical(page.text)


async def anonymous(moot: MootInstance, path: str) -> Page:
    client = FormClient(moot.base_url)
    try:
        return await client.get(path)
    finally:
        await client.close()


def vevents(cal: Calendar) -> list[Any]:
    return [component for component in cal.walk("VEVENT")]


async def test_create_register_organise_and_export(moot: MootInstance, person: Browser) -> None:
    ada, ada_token, ada_web = await person("ada")
    status, group_json = await moot.api("POST", "/api/moot/v1/groups", ada_token, json={"name": "walkers"})
    assert status == 201
    group = await Actor.get(id=int(group_json["id"]))
    people = {}
    for name in ("ben", "cleo"):
        actor, token, web = await person(name)
        assert (await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", token))[0] == 200
        people[name] = (actor, web)

    tab = await ada_web.get("/groups/walkers/events")
    assert tab.status == 200 and "New event" in tab.text and "No upcoming events." in tab.text
    assert 'type="text/calendar" href="/groups/walkers/calendar.ics"' in tab.text
    form = {"title": "Canal walk", "description": "Meet at the bridge.", "starts_at": wall_clock(9, 18),
            "ends_at": wall_clock(9, 20), "time_zone": "Europe/Amsterdam", "place_name": "Magere Brug",
            "place_address": "Amstel, Amsterdam", "online_url": "", "capacity": "1", "join_mode": "free"}
    wrong = await ada_web.submit("/groups/walkers/events/new", "/groups/walkers/events/new",
                                 {**form, "ends_at": wall_clock(8, 18)})
    assert wrong.status == 422 and "The end must be a date and time after the start" in wrong.text
    assert 'value="Canal walk"' in wrong.text  # the form keeps what was typed
    created = await ada_web.submit("/groups/walkers/events/new", "/groups/walkers/events/new", form)
    assert created.status == 200 and re.search(r"/threads/\d+\?notice=posted$", created.url), created.url
    post_id = int(created.url.rsplit("/", 1)[1].split("?")[0])
    thread = f"/threads/{post_id}"
    assert "Attendees" in created.text and "Cancel the event" in created.text
    assert f'type="text/calendar" href="/threads/{post_id}/event.ics"' in created.text
    moot.use()
    post = await Post.get(id=post_id)
    event = await Event.get(post_id=post_id)
    assert post.type == "Event" and post.name == "Canal walk" and post.group_id == group.id
    amsterdam = ZoneInfo("Europe/Amsterdam")
    assert event.starts_at.astimezone(amsterdam).strftime("%Y-%m-%dT%H:%M") == form["starts_at"]

    ben, ben_web = people["ben"]
    cleo, cleo_web = people["cleo"]
    page = await ben_web.get(thread)
    assert "Register" in page.text and "1 seat left" in page.text and "Attendees" not in page.text
    page = await ben_web.submit(thread, f"{thread}/event/register", {})
    assert page.status == 200 and "You are going" in page.text
    page = await cleo_web.submit(thread, f"{thread}/event/register", {})
    assert "You are number 1 on the waiting list" in page.text
    listed = await ben_web.get("/groups/walkers/events")
    assert "Canal walk" in listed.text and "Full" in listed.text and "Going" in listed.text

    # The organisers' list, and nobody else's.
    assert (await ben_web.get(f"{thread}/attendees")).status == 403
    assert (await ben_web.get(f"{thread}/attendees.csv")).status == 403
    attendees = await ada_web.get(f"{thread}/attendees")
    assert attendees.status == 200 and "Waiting list" in attendees.text and "@ben" in attendees.text
    exported = await ada_web.get(f"{thread}/attendees.csv")
    assert exported.status == 200
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0][:3] == ["Name", "Handle", "State"]
    assert {row[1]: row[2] for row in rows[1:]} == {f"ben@{moot.host}": "Going",
                                                   f"cleo@{moot.host}": "On the waiting list"}

    # Calendars: one event, and the group's feed of upcoming events.
    cal = calendar_of(await cleo_web.get(f"{thread}/event.ics"))
    (entry,) = vevents(cal)
    assert str(entry["SUMMARY"]) == "Canal walk" and str(entry["UID"]) == post.uri
    assert entry.decoded("DTSTART") == event.starts_at and str(entry["DTSTART"].params["TZID"]) == "Europe/Amsterdam"
    assert str(entry["LOCATION"]) == "Magere Brug, Amstel, Amsterdam" and str(entry["STATUS"]) == "CONFIRMED"
    assert str(entry["URL"]).endswith(thread)
    feed = calendar_of(await anonymous(moot, "/groups/walkers/calendar.ics"))
    assert [str(e["SUMMARY"]) for e in vevents(feed)] == ["Canal walk"]

    # Ben leaves: cleo moves up.
    page = await ben_web.submit(thread, f"{thread}/event/leave", {})
    assert "You are going" not in page.text
    assert "You are going" in (await cleo_web.get(thread)).text

    # The organiser edits (more seats) and then cancels with a reason.
    edit = await ada_web.get(f"{thread}/event/edit")
    assert edit.status == 200 and 'value="Magere Brug"' in edit.text and f'value="{form["starts_at"]}"' in edit.text
    saved = await ada_web.submit(f"{thread}/event/edit", f"{thread}/event/edit",
                                 {**form, "title": "Canal walk (longer)", "capacity": "5"})
    assert saved.status == 200 and "Canal walk (longer)" in saved.text and "4 seats left" in saved.text
    assert (await ben_web.get(f"{thread}/event/edit")).status == 403
    cancelled = await ada_web.submit(thread, f"{thread}/event/cancel", {"reason": "Storm warning"})
    assert "This event was cancelled." in cancelled.text and "Storm warning" in cancelled.text
    assert "Register" not in (await ben_web.get(thread)).text
    cal = calendar_of(await ben_web.get(f"{thread}/event.ics"))
    assert str(vevents(cal)[0]["STATUS"]) == "CANCELLED"


async def test_a_private_groups_event_is_for_its_members(moot: MootInstance, remote: FakeRemote,
                                                         person: Browser) -> None:
    await moot.user("siteadmin", is_admin=True)  # a server with an admin serves its pages
    group, olga, olga_token, _ = await make_group(moot, "vault", private=True)
    mia, mia_token, mia_web = await person("mia")
    nina, nina_token, nina_web = await person("nina")
    await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", mia_token)
    status, _ = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/requests/{mia.id}/approve", olga_token)
    assert status == 200
    status, event = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/events", olga_token, json={
        "title": "Secret supper", "starts_at": wall_clock(5, 19), "time_zone": "UTC", "capacity": 4})
    assert status == 201, event
    await moot.drain()
    post_id = event["id"]
    thread = f"/threads/{post_id}"

    # Members: the event, its calendar and registration.
    assert calendar_of(await mia_web.get(f"{thread}/event.ics"))
    feed = calendar_of(await mia_web.get("/groups/vault/calendar.ics"))
    assert [str(e["SUMMARY"]) for e in vevents(feed)] == ["Secret supper"]
    status, shown = await moot.api("POST", f"/api/moot/v1/events/{post_id}/register", mia_token)
    assert status == 200 and shown["viewer"]["state"] == "participant"
    assert "Secret supper" in (await mia_web.get("/groups/vault/events")).text

    # Anyone else: exactly as if there were no such event.
    anonymous = FormClient(moot.base_url)
    try:
        for web in (nina_web, anonymous):
            for path in (thread, f"{thread}/event.ics", f"{thread}/attendees", f"{thread}/attendees.csv",
                         f"{thread}/event/edit", "/groups/vault/calendar.ics"):
                page = await web.get(path)
                assert "Secret supper" not in page.text, path
                # The organisers' pages ask an anonymous visitor to sign in first, whatever the post is.
                signing_in = web is anonymous and "/login" in page.url and ("attendees" in path or "/edit" in path)
                assert page.status == 404 or signing_in, (path, page.status, page.url)
            assert "Secret supper" not in (await web.get("/groups/vault/events")).text
    finally:
        await anonymous.close()
    for method, path in (("GET", ""), ("POST", "/register"), ("GET", "/participants")):
        status, body = await moot.api(method, f"/api/moot/v1/events/{post_id}{path}", nina_token)
        assert status == 404 and "Secret supper" not in str(body), (path, status)
    status, _ = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/events", nina_token)
    assert status == 403

    # A remote non-member's Join is ignored like a Join of nothing: no answer, no registration.
    stranger = remote.add_actor("stranger")
    join = {"@context": "https://www.w3.org/ns/activitystreams", "id": stranger.new_id(), "type": "Join",
            "actor": stranger.uri, "object": event["uri"]}
    status, _ = await remote.send(stranger, moot.base_url + "/inbox", join)
    assert status == 202
    await moot.drain()
    assert remote.activities("Reject") == [] and remote.activities("Accept") == []
    moot.use()
    assert not await EventParticipant.filter(actor__uri=stranger.uri).exists()
    # Invitations reach members only.
    status, body = await moot.api("POST", f"/api/moot/v1/events/{post_id}/invitations", olga_token,
                                  json={"account_id": str(nina.id)})
    assert status == 422 and "cannot see the event" in body["error"]


async def test_a_pages_events_and_calendar(moot: MootInstance, person: Browser) -> None:
    owner, _, owner_web = await person("baker")
    page, page_token = await moot.page("bakery", owner)
    status, body = await moot.api("POST", "/api/moot/v1/events", page_token, json={"title": ""})
    assert status == 422 and body["error"].startswith("title:"), body
    status, body = await moot.api("POST", "/api/moot/v1/events", page_token, json={
        "title": "Bread class", "starts_at": wall_clock(3, 10), "time_zone": "Mars/Olympus"})
    assert status == 422 and body["error"].startswith("time_zone:"), body
    status, event = await moot.api("POST", "/api/moot/v1/events", page_token, json={
        "title": "Bread class", "description": "Sourdough basics", "starts_at": wall_clock(3, 10) + "+02:00",
        "time_zone": "Europe/Paris", "online_url": "https://video.example/bread", "join_mode": "restricted",
        "capacity": 8})
    assert status == 201, event
    assert event["join_mode"] == "restricted" and event["online_url"] == "https://video.example/bread"
    assert event["viewer"]["organiser"] is True

    profile = await owner_web.get("/@bakery")
    assert 'type="text/calendar" href="/@bakery/calendar.ics"' in profile.text and "/@bakery/events" in profile.text
    listed = await owner_web.get("/@bakery/events")
    assert listed.status == 200 and "Bread class" in listed.text and "New event" in listed.text
    form = await owner_web.get("/@bakery/events/new")
    assert form.status == 200 and 'name="join_mode"' in form.text
    feed = calendar_of(await anonymous(moot, "/@bakery/calendar.ics"))
    (entry,) = vevents(feed)
    assert str(entry["SUMMARY"]) == "Bread class" and str(entry["LOCATION"]) == "https://video.example/bread"

    # The page's admin edits through the API; a stranger may not.
    _, stranger_token, _ = await person("stranger")
    status, _ = await moot.api("PATCH", f"/api/moot/v1/events/{event['id']}", stranger_token, json={"capacity": 3})
    assert status == 403
    status, edited = await moot.api("PATCH", f"/api/moot/v1/events/{event['id']}", page_token,
                                    json={"capacity": 3, "place_name": "The shop"})
    assert status == 200 and edited["capacity"] == 3 and edited["place"]["name"] == "The shop"
    assert edited["title"] == "Bread class" and edited["starts_at"] == event["starts_at"]
    status, body = await moot.api("POST", f"/api/moot/v1/events/{event['id']}/cancel", stranger_token)
    assert status == 403
    # A person registering for a restricted event waits for approval; the page's owner approves on the page.
    status, shown = await moot.api("POST", f"/api/moot/v1/events/{event['id']}/register", stranger_token,
                                   json={"message": "Beginner"})
    assert status == 200 and shown["viewer"]["state"] == "pending"
    attendees = await owner_web.get(f"/threads/{event['id']}/attendees")
    assert attendees.status == 200 and "Beginner" in attendees.text
    stranger = await Actor.get(local_name="stranger")
    done = await owner_web.submit(f"/threads/{event['id']}/attendees",
                                  f"/threads/{event['id']}/attendees/{stranger.id}/approve", {})
    assert done.status == 200
    status, shown = await moot.api("GET", f"/api/moot/v1/events/{event['id']}", stranger_token)
    assert shown["viewer"]["state"] == "participant" and shown["participant_count"] == 1
