"""Polls' canaries: a poll in the private group `vault` (its text and options carry the canary word), voted on by a
member. No outsider may see the poll, its options, its counts or who voted, by its post or by its poll id."""
from __future__ import annotations

from tests.privacy.activity_canaries import ActivityWorld, Canaries

CANARY = "Kanarie"  # tests/privacy/world.py's canary word (importing it here would be a cycle)


async def build(world: ActivityWorld) -> Canaries:
    moot = world.moot
    status, post = await moot.api("POST", "/api/v1/statuses", world.tokens["mia"], json={
        "status": f"@vault@{moot.host} {CANARY}-poll-question",
        "poll": {"options": [f"{CANARY}-poll-option-one", f"{CANARY}-poll-option-two"], "expires_in": 86400}})
    assert status == 200 and post["poll"], post
    poll_id = post["poll"]["id"]
    status, voted = await moot.api("POST", f"/api/v1/polls/{poll_id}/votes", world.tokens["olga"], json={"choices": [1]})
    assert status == 200 and voted["own_votes"] == [1], voted
    # Positive control and the refusal, by poll id: a member reads it, an outsider can neither read nor vote.
    assert (await moot.api("GET", f"/api/v1/polls/{poll_id}", world.tokens["mia"]))[0] == 200
    assert (await moot.api("GET", f"/api/v1/polls/{poll_id}", world.tokens["dora"]))[0] == 404
    status, _ = await moot.api("POST", f"/api/v1/polls/{poll_id}/votes", world.tokens["dora"], json={"choices": [0]})
    assert status == 404
    return Canaries(post_ids=[int(post["id"])], strings=[f"{CANARY}-poll-option-one"], params={"poll_id": [poll_id]})
