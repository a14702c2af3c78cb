"""Events' canaries: an event in the private group `vault` (its title, description and place carry the canary word),
a member's registration with a canary message, and a second event cancelled with a canary reason. No outsider may
see the event, its place, who registered or why: not on its thread, its .ics, the group's calendar or Events tab,
the organisers' attendee list and CSV, or the events API."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.privacy.activity_canaries import ActivityWorld, Canaries

CANARY = "Kanarie"  # tests/privacy/world.py's canary word (importing it here would be a cycle)


async def build(world: ActivityWorld) -> Canaries:
    moot, gid = world.moot, world.group.id
    starts = (datetime.now(timezone.utc) + timedelta(days=7)).strftime("%Y-%m-%dT19:00")
    status, event = await moot.api("POST", f"/api/moot/v1/groups/{gid}/events", world.tokens["olga"], json={
        "title": f"{CANARY}-event-title", "description": f"{CANARY}-event-description", "starts_at": starts,
        "time_zone": "Europe/Amsterdam", "place_name": f"{CANARY}-event-place", "capacity": 10,
        "join_mode": "restricted"})
    assert status == 201, event
    status, shown = await moot.api("POST", f"/api/moot/v1/events/{event['id']}/register", world.tokens["mia"],
                                   json={"message": f"{CANARY}-event-message"})
    assert status == 200 and shown["viewer"]["state"] == "pending", shown
    status, cancelled = await moot.api("POST", f"/api/moot/v1/groups/{gid}/events", world.tokens["olga"], json={
        "title": f"{CANARY}-cancelled-event", "starts_at": starts, "time_zone": "UTC"})
    assert status == 201, cancelled
    status, _ = await moot.api("POST", f"/api/moot/v1/events/{cancelled['id']}/cancel", world.tokens["olga"],
                               json={"reason": f"{CANARY}-cancel-reason"})
    assert status == 200
    # Positive control and the refusal: the organiser sees the message, a member the event, an outsider nothing.
    status, rows = await moot.api("GET", f"/api/moot/v1/events/{event['id']}/participants", world.tokens["olga"])
    assert status == 200 and rows[0]["message"] == f"{CANARY}-event-message", rows
    assert (await moot.api("GET", f"/api/moot/v1/events/{event['id']}", world.tokens["mia"]))[0] == 200
    assert (await moot.api("GET", f"/api/moot/v1/events/{event['id']}", world.tokens["dora"]))[0] == 404
    assert (await moot.api("POST", f"/api/moot/v1/events/{event['id']}/register", world.tokens["dora"]))[0] == 404
    return Canaries(post_ids=[int(event["id"]), int(cancelled["id"])],
                    strings=[f"{CANARY}-event-place", f"{CANARY}-event-message", f"{CANARY}-cancel-reason"])
