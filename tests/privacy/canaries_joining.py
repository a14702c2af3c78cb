"""Getting-in canaries: an applicant's answer to the private group `vault`'s join question, the group's welcome
message, and an invitation code. Only the group's moderators see answers and codes; only members the welcome."""
from __future__ import annotations

from tests.privacy.activity_canaries import ActivityWorld, Canaries

CANARY = "Kanarie"  # tests/privacy/world.py's (imported from there, it would be a circle)


async def build(world: ActivityWorld) -> Canaries:
    moot, gid, olga = world.moot, world.group.id, world.tokens["olga"]
    api = f"/api/moot/v1/groups/{gid}"
    status, body = await moot.api("PATCH", api + "/joining", olga, json={
        "join_questions": ["Why do you want in?"], "welcome_message": f"{CANARY}-welcome-message"})
    assert status == 200, body
    _, jules_token = await moot.user("jules")
    status, body = await moot.api("POST", api + "/join", jules_token, json={"answers": [f"{CANARY}-join-answer"]})
    assert status == 200 and body["state"] == "pending", body
    # The question goes again, so that later joins in the world need no answers.
    status, body = await moot.api("PATCH", api + "/joining", olga, json={"join_questions": []})
    assert status == 200, body
    status, invite = await moot.api("POST", api + "/invites", olga, json={"max_uses": 3})
    assert status == 201, invite
    return Canaries(strings=[f"{CANARY}-join-answer", f"{CANARY}-welcome-message", invite["code"]])
