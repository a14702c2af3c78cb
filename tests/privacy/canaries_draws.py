"""Draws in the private group `vault`: an open one (its commitment) and one already drawn (its seed, the eligible
list and the result post), with canary prizes. Outsiders must see none of it: not the pages, the API, the audit
list, the modlog or the ActivityPub documents."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from federation.activities import draws
from models.draws import Draw
from tests.privacy.activity_canaries import ActivityWorld, Canaries

CANARY = "Kanarie"  # tests/privacy/world.py's (imported from there, it would be a circle)


async def build(world: ActivityWorld) -> Canaries:
    moot, group = world.moot, world.group
    deadline = (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()
    made = []
    for prize in (f"{CANARY}-draw-open", f"{CANARY}-draw-drawn"):
        status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/draws", world.tokens["olga"], json={
            "prize": prize, "winners_count": 1, "deadline": deadline, "description": f"{CANARY}-draw-description"})
        assert status == 201, body
        made.append(body)
    status, _ = await moot.api("POST", f"/api/v1/statuses/{made[1]['post_id']}/favourite", world.tokens["mia"])
    assert status == 200
    moot.use()
    drawn = await draws.reveal(moot.fed, await Draw.get(id=int(made[1]["id"])), datetime.now(timezone.utc))
    assert drawn.state == "drawn" and drawn.result_post_id is not None
    opened = await Draw.get(id=int(made[0]["id"]))
    return Canaries(
        post_ids=[int(made[0]["post_id"]), int(made[1]["post_id"]), drawn.result_post_id],
        strings=[opened.commitment, drawn.commitment, drawn.seed_hex, opened.seed_hex],
        params={"draw_id": [made[0]["id"], made[1]["id"]]},
    )
