"""Events with registration against a Mobilizon-shaped server (tests/fakeremote.py actors sending Mobilizon's
real shapes: lib/federation/activity_stream/converter/participant.ex, actions/join.ex, leave.ex, accept.ex).

- a Mobilizon person registers for our event with Join{Event} and gets Accept{Join} naming that Join;
- when the event is full the next one waits, and moves up (gets its Accept) when someone leaves;
- approval mode: pending, then Accept or Reject on the organiser's decision;
- invitation only: the uninvited get a Reject;
- the counts go out as one batched Update{Event} with every field Mobilizon reads;
- cancelling goes out as Update{Event} with ical:status CANCELLED, and later Joins get a Reject;
- a person here registers for a Mobilizon event (Join to its organiser), "requested" until the Accept, which only
  the event's own server may send; an Update{Event} from its owner refreshes it;
- between two Moot servers, both ways.
"""
from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from yarl import URL

from federation.jobs import run_due_jobs
from models.actors import Actor
from models.events import Event
from models.posts import Post
from models.queues import FanOut
from tests.conftest import MootInstance, settle
from tests.fakeremote import AS, FakeActor, FakeRemote
from tests.groups.helpers import join, make_group
from tests.privacy.world import session_cookies
from tests.web.browser import FormClient
from web.sessions import SESSION_COOKIE

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MZ_CONTEXT = {"mz": "https://joinmobilizon.org/ns#",
              "participationMessage": {"@id": "mz:participationMessage", "@type": "sc:Text"}}


def in_days(days: int, hour: int = 18) -> str:
    moment = datetime.now(timezone.utc) + timedelta(days=days)
    return moment.strftime(f"%Y-%m-%dT{hour:02d}:00")


def mobilizon_join(actor: FakeActor, event_uri: str, organiser: str, message: str | None = None) -> dict[str, Any]:
    """Mobilizon's Join of an event: the participant's url as id, the participation message, addressed to the
    participant and the organiser (Audience.get_audience(participant))."""
    return {"@context": [AS, MZ_CONTEXT], "id": actor.new_id("join/event"), "type": "Join", "actor": actor.uri,
            "object": event_uri, "participationMessage": message, "to": [actor.uri, organiser], "cc": []}


def mobilizon_leave(actor: FakeActor, event_uri: str, organiser: str) -> dict[str, Any]:
    return {"@context": [AS, MZ_CONTEXT], "id": actor.new_id("leave/event"), "type": "Leave", "actor": actor.uri,
            "object": event_uri, "to": [actor.uri, organiser], "cc": []}


async def send(moot: MootInstance, remote: FakeRemote, actor: FakeActor, activity: dict[str, Any]) -> None:
    status, body = await remote.send(actor, moot.base_url + "/inbox", activity)
    assert status == 202, body
    await moot.drain()


def answers(remote: FakeRemote, actor: FakeActor, kind: str) -> list[dict[str, Any]]:
    return [r.body for r in remote.received if r.path == f"/users/{actor.name}/inbox" and r.body["type"] == kind]


async def make_event(moot: MootInstance, group: Actor, token: str, **fields: Any) -> dict[str, Any]:
    body = {"title": "Canal walk", "description": "Meet at the bridge. #walks", "starts_at": in_days(10),
            "ends_at": in_days(10, 20), "time_zone": "Europe/Amsterdam", "place_name": "Magere Brug",
            "place_address": "Amstel, 1017 Amsterdam", **fields}
    status, event = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/events", token, json=body)
    assert status == 201, event
    await moot.drain()
    return event


async def participants(moot: MootInstance, event: dict[str, Any], token: str) -> dict[str, str]:
    status, rows = await moot.api("GET", f"/api/moot/v1/events/{event['id']}/participants", token)
    assert status == 200, rows
    return {row["account"]["uri"]: row["state"] for row in rows}


async def run_jobs_later(moot: MootInstance) -> None:
    moot.use()
    await run_due_jobs(moot.fed, now=datetime.now(timezone.utc) + timedelta(minutes=5))
    await moot.drain()


async def test_mobilizon_registers_waits_when_full_and_moves_up(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner, token, _ = await make_group(moot, "walkers")
    member = remote.add_actor("mira")  # a member of the group on the remote side: gets the relayed Create
    await join(remote, member, group)
    await moot.drain()
    event = await make_event(moot, group, token, capacity=1)

    # The Create on the wire (relayed to the member's server) carries every field Mobilizon reads.
    (create,) = [a["object"] for a in remote.activities("Announce") if isinstance(a["object"], dict)
                 and a["object"]["type"] == "Create"]
    doc = create["object"]
    assert doc["type"] == "Event" and doc["name"] == "Canal walk" and "Meet at the bridge" in doc["content"]
    assert doc["startTime"].endswith(("+01:00", "+02:00")) and doc["timezone"] == "Europe/Amsterdam"
    assert doc["startTime"][:16] == in_days(10) and doc["endTime"][:16] == in_days(10, 20)
    assert doc["location"] == {"type": "Place", "name": "Magere Brug",
                               "address": {"type": "PostalAddress", "streetAddress": "Amstel, 1017 Amsterdam"}}
    assert doc["joinMode"] == "free" and doc["maximumAttendeeCapacity"] == 1
    assert doc["participantCount"] == 0 and doc["remainingAttendeeCapacity"] == 1
    assert doc["ical:status"] == "CONFIRMED" and doc["attributedTo"] == owner.uri
    terms = {k: v for item in doc["@context"] if isinstance(item, dict) for k, v in item.items()}
    assert terms["mz"] == "https://joinmobilizon.org/ns#" and terms["ical"] == "http://www.w3.org/2002/12/cal/ical#"
    assert terms["sc"] == "http://schema.org#" and terms["joinMode"]["@id"] == "mz:joinMode"
    assert terms["participantCount"]["@id"] == "mz:participantCount"
    assert terms["maximumAttendeeCapacity"] == "sc:maximumAttendeeCapacity"
    # Mastodon shows an Event as title, summary and link: the summary says when and where.
    assert "(Europe/Amsterdam)" in doc["summary"] and "Magere Brug" in doc["summary"]

    hana, bob = remote.add_actor("hana"), remote.add_actor("bob")
    hana_join = mobilizon_join(hana, event["uri"], owner.uri, "<b>Bringing</b> a flask")
    await send(moot, remote, hana, hana_join)
    (accept,) = answers(remote, hana, "Accept")
    # Mobilizon finds the participation by the Join's id, and lets the organiser accept it.
    assert accept["actor"] == owner.uri and accept["to"] == [hana.uri]
    assert accept["object"] == {"id": hana_join["id"], "type": "Join", "actor": hana.uri, "object": event["uri"],
                                "participationMessage": "Bringing a flask"}
    assert all(r.verified for r in remote.received)

    bob_join = mobilizon_join(bob, event["uri"], owner.uri)
    await send(moot, remote, bob, bob_join)
    assert answers(remote, bob, "Accept") == []  # the one seat is taken: bob waits
    assert await participants(moot, event, token) == {hana.uri: "participant", bob.uri: "waitlisted"}
    status, shown = await moot.api("GET", f"/api/moot/v1/events/{event['id']}")
    assert shown["participant_count"] == 1 and shown["remaining_seats"] == 0 and shown["waitlist_count"] == 1

    await send(moot, remote, hana, mobilizon_leave(hana, event["uri"], owner.uri))
    (moved_up,) = answers(remote, bob, "Accept")
    assert moved_up["object"]["id"] == bob_join["id"] and moved_up["actor"] == owner.uri
    assert await participants(moot, event, token) == {hana.uri: "left", bob.uri: "participant"}

    # Three registrations, one Update with the counts as they are now (a job batches them).
    before = len(remote.activities("Update"))
    await run_jobs_later(moot)
    updates = [u for u in remote.activities("Update")[before:] if u["object"]["id"] == event["uri"]]
    assert len({u["id"] for u in updates}) == 1, updates
    counted = updates[0]["object"]
    assert counted["participantCount"] == 1 and counted["remainingAttendeeCapacity"] == 0
    assert updates[0]["actor"] == owner.uri
    # The remote participants' servers hear it too, not only the group's members.
    moot.use()
    (fan_out,) = await FanOut.filter(activity__uri=updates[0]["id"])
    assert bob.document()["endpoints"]["sharedInbox"] in fan_out.audience["inboxes"]  # his server's, once
    assert bob.inbox not in fan_out.audience["inboxes"]
    await run_jobs_later(moot)
    assert len(remote.activities("Update")) == before + len(updates)  # nothing more to send

    # Cancelling (with a reason) goes out at once as Update{Event} with ical:status CANCELLED.
    status, body = await moot.api("POST", f"/api/moot/v1/events/{event['id']}/cancel", token,
                                  json={"reason": "Storm warning"})
    assert status == 200 and body["status"] == "CANCELLED" and body["cancel_reason"] == "Storm warning"
    await moot.drain()
    cancelled = [u["object"] for u in remote.activities("Update") if u["object"]["id"] == event["uri"]][-1]
    assert cancelled["ical:status"] == "CANCELLED" and cancelled["status"] == "CANCELLED"
    assert cancelled["summary"].startswith("CANCELLED")
    cleo = remote.add_actor("cleo")
    await send(moot, remote, cleo, mobilizon_join(cleo, event["uri"], owner.uri))
    assert len(answers(remote, cleo, "Reject")) == 1


async def test_approval_mode_and_invitation_only(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner, token, _ = await make_group(moot, "choir")
    event = await make_event(moot, group, token, title="Rehearsal", join_mode="restricted", capacity=5)
    hana, bob = remote.add_actor("hana"), remote.add_actor("bob")
    hana_join = mobilizon_join(hana, event["uri"], owner.uri, "Alto, two years")
    bob_join = mobilizon_join(bob, event["uri"], owner.uri)
    await send(moot, remote, hana, hana_join)
    await send(moot, remote, bob, bob_join)
    assert answers(remote, hana, "Accept") == [] and answers(remote, bob, "Accept") == []
    rows = {row["account"]["uri"]: row for row in
            (await moot.api("GET", f"/api/moot/v1/events/{event['id']}/participants", token))[1]}
    assert rows[hana.uri]["state"] == "pending" and rows[hana.uri]["message"] == "Alto, two years"

    # Someone who is not an organiser may not decide, nor see the list.
    _, other = await moot.user("nosy")
    status, _ = await moot.api("GET", f"/api/moot/v1/events/{event['id']}/participants", other)
    assert status == 403
    hana_id, bob_id = rows[hana.uri]["account"]["id"], rows[bob.uri]["account"]["id"]
    status, _ = await moot.api("POST", f"/api/moot/v1/events/{event['id']}/participants/{hana_id}/approve", other)
    assert status == 403

    status, row = await moot.api("POST", f"/api/moot/v1/events/{event['id']}/participants/{hana_id}/approve", token)
    assert status == 200 and row["state"] == "participant", row
    status, row = await moot.api("POST", f"/api/moot/v1/events/{event['id']}/participants/{bob_id}/reject", token,
                                 json={"reason": "Full for basses"})
    assert status == 200 and row["state"] == "rejected"
    await moot.drain()
    (accept,) = answers(remote, hana, "Accept")
    assert accept["object"]["id"] == hana_join["id"] and accept["actor"] == owner.uri
    (reject,) = answers(remote, bob, "Reject")
    assert reject["object"]["id"] == bob_join["id"] and reject["summary"] == "Full for basses"
    # A rejected person stays out: a new Join is answered with a Reject again.
    await send(moot, remote, bob, mobilizon_join(bob, event["uri"], owner.uri))
    assert len(answers(remote, bob, "Reject")) == 2

    # Invitation only: the uninvited get a Reject, the invited a seat.
    closed = await make_event(moot, group, token, title="Members' dinner", join_mode="invite")
    cleo = remote.add_actor("cleo")
    await send(moot, remote, cleo, mobilizon_join(cleo, closed["uri"], owner.uri))
    (refused,) = answers(remote, cleo, "Reject")
    assert refused["object"]["object"] == closed["uri"]
    local, local_token = await moot.user("lena")
    status, body = await moot.api("POST", f"/api/moot/v1/events/{closed['id']}/register", local_token)
    assert status == 403 and body["error"].startswith("invite:"), body
    status, _ = await moot.api("POST", f"/api/moot/v1/events/{closed['id']}/invitations", token,
                               json={"account_id": str(local.id)})
    assert status == 201
    status, body = await moot.api("POST", f"/api/moot/v1/events/{closed['id']}/register", local_token)
    assert status == 200 and body["viewer"]["state"] == "participant", body
    # Someone on another server, invited by handle, registers with Join and gets a seat.
    dan = remote.add_actor("dan")
    status, row = await moot.api("POST", f"/api/moot/v1/events/{closed['id']}/invitations", token,
                                 json={"handle": f"@dan@{remote.host}"})
    assert status == 201 and row["state"] == "invited" and row["account"]["uri"] == dan.uri, row
    dan_join = mobilizon_join(dan, closed["uri"], owner.uri)
    await send(moot, remote, dan, dan_join)
    (welcome,) = answers(remote, dan, "Accept")
    assert welcome["object"]["id"] == dan_join["id"]


def mobilizon_event_create(remote: FakeRemote, hana: FakeActor, library: FakeActor, group: Actor) -> dict[str, Any]:
    """tests/fixtures/mobilizon_create_event.json, moved onto the fake server and into the future."""
    create = json.loads((FIXTURES / "mobilizon_create_event.json").read_text())
    text = json.dumps(create).replace("https://mobilizon.example/@hana", hana.uri) \
        .replace("https://mobilizon.example/@seedlibrary", library.uri) \
        .replace("https://mobilizon.example", remote.base_url).replace("https://moot.example/groups/bakers", group.uri)
    create = json.loads(text)
    start = datetime.now(timezone.utc) + timedelta(days=20)
    obj = create["object"]
    obj["startTime"] = start.strftime("%Y-%m-%dT14:00:00+01:00")
    obj["endTime"] = start.strftime("%Y-%m-%dT17:00:00+01:00")
    obj["maximumAttendeeCapacity"], obj["participantCount"] = 30, 3
    obj["attachment"].append({"type": "Link", "href": "https://meet.example/seeds", "mediaType": "text/html",
                              "name": "Website"})
    return create


async def mobilizon_event_in_group(moot: MootInstance, remote: FakeRemote) -> tuple[Actor, dict[str, Any], Post]:
    """A Mobilizon event by hana (for the group seedlibrary on her server), addressed to our group bakers."""
    _, admin_token = await moot.user("ada", is_admin=True)
    # A new account posting links is held for review by default; this test is not about that.
    status, _ = await moot.api("PATCH", "/api/moot/v1/admin/settings", admin_token, json={"new_account_hours": 0})
    assert status == 200
    group, _, _, _ = await make_group(moot, "bakers")
    hana, library = remote.add_actor("hana"), remote.add_actor("seedlibrary", "Group")
    await join(remote, hana, group)
    await moot.drain()
    create = mobilizon_event_create(remote, hana, library, group)
    status, body = await remote.send(hana, group.inbox, create)
    assert status == 202, body
    await moot.drain()
    moot.use()
    return group, create, await Post.get(uri=create["object"]["id"])


async def test_a_person_here_registers_for_a_mobilizon_event(moot: MootInstance, remote: FakeRemote) -> None:
    group, create, post = await mobilizon_event_in_group(moot, remote)
    hana, library, mod = remote.actors["hana"], remote.actors["seedlibrary"], remote.add_actor("mod")
    event = await Event.get(post_id=post.id)
    assert post.type == "Event" and post.author_id == (await Actor.get(uri=hana.uri)).id
    assert event.time_zone == "Europe/Paris" and event.place_name == "Community hall"
    assert event.place_address == "Lyon, France" and event.online_url == "https://meet.example/seeds"
    assert event.capacity == 30 and event.participant_count == 3 and event.join_mode == "free"
    assert event.starts_at.hour == 13  # 14:00 at +01:00

    lena, lena_token = await moot.user("lena")
    status, shown = await moot.api("GET", f"/api/moot/v1/events/{post.id}", lena_token)
    assert status == 200 and shown["remaining_seats"] == 27 and shown["viewer"]["state"] is None
    # Its thread here has the event's panel, with a Register button.
    browser = FormClient(moot.base_url)
    try:
        cookie = (await session_cookies(lena))[SESSION_COOKIE]
        browser.session.cookie_jar.update_cookies({SESSION_COOKIE: cookie}, URL(moot.base_url))
        page = await browser.get(f"/threads/{post.id}")
        assert page.status == 200 and "Community hall" in page.text and "Europe/Paris" in page.text
        assert "Register" in page.text and "27 seats left" in page.text
    finally:
        await browser.close()
    status, shown = await moot.api("POST", f"/api/moot/v1/events/{post.id}/register", lena_token,
                                   json={"message": "First time!"})
    assert status == 200 and shown["viewer"]["state"] == "requested", shown
    await moot.drain()
    (sent,) = [r for r in remote.received if r.body["type"] == "Join"]
    assert sent.path == "/users/hana/inbox" and sent.verified
    assert sent.body["actor"] == lena.uri and sent.body["object"] == post.uri
    assert sent.body["participationMessage"] == "First time!"

    # Mobilizon answers a group's event from one of the group's moderators, embedding our Join.
    accept = {"@context": AS, "id": mod.new_id("accept/join"), "type": "Accept", "actor": mod.uri,
              "attributedTo": library.uri, "to": [lena.uri, hana.uri], "cc": [],
              "object": {"id": sent.body["id"], "type": "Join", "actor": lena.uri, "object": post.uri}}
    status, body = await remote.send(mod, lena.inbox, accept)
    assert status == 202, body
    await moot.drain()
    status, shown = await moot.api("GET", f"/api/moot/v1/events/{post.id}", lena_token)
    assert shown["viewer"]["state"] == "participant", shown

    # Leaving sends Leave{event} to the organiser.
    status, shown = await moot.api("POST", f"/api/moot/v1/events/{post.id}/leave", lena_token)
    assert status == 200 and shown["viewer"]["state"] == "left"
    await moot.drain()
    (leave,) = [r.body for r in remote.received if r.body["type"] == "Leave"]
    assert leave["actor"] == lena.uri and leave["object"] == post.uri

    # An Update{Event} from its owner (cancelled, new counts) reaches the Event row.
    update_obj = copy.deepcopy(create["object"])
    update_obj.update({"ical:status": "CANCELLED", "status": "CANCELLED", "participantCount": 4,
                       "updated": "2030-01-01T00:00:00Z"})
    update = {"@context": AS, "id": hana.new_id("update"), "type": "Update", "actor": hana.uri, "object": update_obj}
    status, body = await remote.send(hana, group.inbox, update)
    assert status == 202, body
    await moot.drain()
    moot.use()
    event = await Event.get(post_id=post.id)
    assert event.status == "CANCELLED" and event.participant_count == 4
    status, body = await moot.api("POST", f"/api/moot/v1/events/{post.id}/register", lena_token)
    assert status == 409 and body["error"].startswith("cancelled:"), body


async def test_an_answer_from_another_server_changes_nothing(moot: MootInstance, remote: FakeRemote) -> None:
    _, _, post = await mobilizon_event_in_group(moot, remote)
    lena, lena_token = await moot.user("lena")
    await moot.api("POST", f"/api/moot/v1/events/{post.id}/register", lena_token)
    await moot.drain()
    (sent,) = [r for r in remote.received if r.body["type"] == "Join"]

    other = await FakeRemote().start()
    try:
        stranger = other.add_actor("stranger")
        forged = {"@context": AS, "id": stranger.new_id(), "type": "Accept", "actor": stranger.uri,
                  "object": {"id": sent.body["id"], "type": "Join", "actor": lena.uri, "object": post.uri}}
        status, _ = await other.send(stranger, lena.inbox, forged)
        assert status == 202
        await moot.drain()
    finally:
        await other.close()
    status, shown = await moot.api("GET", f"/api/moot/v1/events/{post.id}", lena_token)
    assert shown["viewer"]["state"] == "requested"


async def test_between_two_moot_servers(moot_factory: Any) -> None:
    """A member on B registers for A's event from B's copy of it; A's Accept makes it "participant" on B, and
    A's batched Update{Event} brings B the new count."""
    a, b = await moot_factory(), await moot_factory()
    group, owner, token, _ = await make_group(a, "walkers")
    ann, ann_token = await b.user("ann")
    status, found = await b.api("GET", f"/api/v2/search?q=@walkers@{a.host}&resolve=true", ann_token)
    assert status == 200 and found["accounts"], found
    status, _ = await b.api("POST", f"/api/moot/v1/groups/{found['accounts'][0]['id']}/join", ann_token)
    assert status == 200
    await settle(a, b)
    event = await make_event(a, group, token, capacity=10, join_mode="restricted")
    await settle(a, b)
    b.use()
    copy_on_b = await Post.get(uri=event["uri"])
    status, shown = await b.api("GET", f"/api/moot/v1/events/{copy_on_b.id}", ann_token)
    assert status == 200 and shown["local"] is False and shown["join_mode"] == "restricted", shown
    assert shown["time_zone"] == "Europe/Amsterdam" and shown["place"]["name"] == "Magere Brug"

    status, shown = await b.api("POST", f"/api/moot/v1/events/{copy_on_b.id}/register", ann_token,
                                json={"message": "From the other server"})
    assert status == 200 and shown["viewer"]["state"] == "requested", shown
    await settle(a, b)
    rows = {row["account"]["acct"]: row for row in
            (await a.api("GET", f"/api/moot/v1/events/{event['id']}/participants", token))[1]}
    (ann_row,) = rows.values()
    assert ann_row["state"] == "pending" and ann_row["message"] == "From the other server"
    status, _ = await a.api("POST", f"/api/moot/v1/events/{event['id']}/participants/"
                                    f"{ann_row['account']['id']}/approve", token)
    assert status == 200
    await settle(a, b)
    status, shown = await b.api("GET", f"/api/moot/v1/events/{copy_on_b.id}", ann_token)
    assert shown["viewer"]["state"] == "participant", shown

    await run_jobs_later(a)
    await settle(a, b)
    b.use()
    assert (await Event.get(post_id=copy_on_b.id)).participant_count == 1
