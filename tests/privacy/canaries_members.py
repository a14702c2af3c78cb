"""Members' canaries: a member tag of the private group `vault` (its name carries the canary word) given to
mia, and a read-only spell on mia with a canary reason. No outsider may see the tag (members page, group
page, threads, the member_tags API, the directory) nor the standing (moderators only)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from models.actors import Actor
from tests.privacy.activity_canaries import ActivityWorld, Canaries

CANARY = "Kanarie"  # tests/privacy/world.py's (imported from there, it would be a circle)


async def build(world: ActivityWorld) -> Canaries:
    moot, gid, olga = world.moot, world.group.id, world.tokens["olga"]
    api = f"/api/moot/v1/groups/{gid}"
    status, tag = await moot.api("POST", api + "/member_tags", olga, json={"name": f"{CANARY}-membertag"})
    assert status == 201, tag
    moot.use()
    mia = await Actor.get(local_name="mia", is_local=True)
    status, body = await moot.api("POST", f"{api}/members/{mia.id}/tags", olga, json={"tag": tag["id"]})
    assert status == 200, body
    until = (datetime.now(timezone.utc) + timedelta(days=30)).isoformat()
    status, body = await moot.api("POST", api + "/mutes", olga, json={
        "account_id": str(mia.id), "reason": f"{CANARY}-readonly-reason", "expires_at": until})
    assert status == 200, body
    return Canaries(strings=[f"{CANARY}-membertag", f"{CANARY}-readonly-reason"])
