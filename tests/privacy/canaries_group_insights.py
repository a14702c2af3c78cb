"""Group insights' canaries: a poll in the private group `vault` whose question names the canary word, so the
group's insights page (its poll participation table) carries it. Only vault's moderators see that page: every
outsider gets the same 404 as for a missing group, on the page, its CSV and the API."""
from __future__ import annotations

from tests.privacy.activity_canaries import ActivityWorld, Canaries

CANARY = "Kanarie"  # tests/privacy/world.py's canary word (importing it here would be a cycle)


async def build(world: ActivityWorld) -> Canaries:
    moot = world.moot
    status, post = await moot.api("POST", "/api/v1/statuses", world.tokens["olga"], json={
        "status": f"@vault@{moot.host} {CANARY}-insights-poll",
        "poll": {"options": ["one", "two"], "expires_in": 86400}})
    assert status == 200 and post["poll"], post
    await moot.drain()  # the group admits the post
    # Positive control: the owner's insights name the poll; a member who does not moderate gets a 404.
    status, body = await moot.api("GET", "/api/moot/v1/groups/vault/insights?days=7", world.tokens["olga"])
    assert status == 200 and str(post["id"]) in [p["post_id"] for p in body["polls"]], body
    assert (await moot.api("GET", "/api/moot/v1/groups/vault/insights", world.tokens["mia"]))[0] == 404
    return Canaries(post_ids=[int(post["id"])], strings=[f"{CANARY}-insights-poll"])
