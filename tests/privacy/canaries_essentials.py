"""Essentials' canaries: a section of the private group `vault`'s essentials (its name carries the canary word)
holding a canary thread. No outsider may see the section, the thread or their names: not on the Essentials tab,
its filter, the API, the ActivityPub collection, the thread's "add to the essentials" form or the modlog."""
from __future__ import annotations

from tests.privacy.activity_canaries import ActivityWorld, Canaries

CANARY = "Kanarie"  # tests/privacy/world.py's (imported from there, it would be a circle)


async def build(world: ActivityWorld) -> Canaries:
    moot, gid, olga = world.moot, world.group.id, world.tokens["olga"]
    status, post = await moot.api("POST", f"/api/moot/v1/groups/{gid}/posts", olga, json={
        "title": f"{CANARY}-essential-thread", "body": f"{CANARY}-essential-text"})
    assert status in (200, 201), post
    api = f"/api/moot/v1/groups/{gid}/essentials"
    status, section = await moot.api("POST", api + "/sections", olga, json={
        "name": f"{CANARY}-essentials-section", "start_here": True})
    assert status == 201, section
    status, body = await moot.api("POST", f"{api}/sections/{section['id']}/threads", olga, json={"post_id": post["id"]})
    assert status == 201 and body["threads"], body
    return Canaries(post_ids=[int(post["id"])],
                    strings=[f"{CANARY}-essentials-section", f"{CANARY}-essential-thread"],
                    params={"section_id": [section["id"]], "item_id": [body["threads"][0]["id"]]})
