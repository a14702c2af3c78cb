"""Search and feeds' canaries: a thread in the private group `vault` whose words and hashtag carry the canary.
No outsider may find it: not through /search or /api/v2/search, not in vault's feeds (which answer 404), not in
the hashtag's feed."""
from __future__ import annotations

from tests.privacy.activity_canaries import ActivityWorld, Canaries

CANARY = "Kanarie"  # tests/privacy/world.py's (imported from there, it would be a circle)


async def build(world: ActivityWorld) -> Canaries:
    moot, gid, olga = world.moot, world.group.id, world.tokens["olga"]
    status, post = await moot.api("POST", f"/api/moot/v1/groups/{gid}/posts", olga, json={
        "title": f"{CANARY}-search-thread", "body": f"{CANARY}searchword in the vault #{CANARY.lower()}search"})
    assert status in (200, 201), post
    return Canaries(post_ids=[int(post["id"])], strings=[f"{CANARY}-search-thread", f"{CANARY}searchword"],
                    params={"format": ["rss", "atom"], "tag": [f"{CANARY.lower()}search"]})
