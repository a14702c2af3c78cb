"""A sub-group of the private group `vault`: private too, and listed only to those who may read vault. Outsiders
must not learn its name from vault's pages (sidebar, Sub-groups tab), the API or vault's subgroups collection."""
from __future__ import annotations

from tests.privacy.activity_canaries import ActivityWorld, Canaries

CANARY = "Kanarie"  # tests/privacy/world.py's (imported from there, it would be a circle)


async def build(world: ActivityWorld) -> Canaries:
    moot, group = world.moot, world.group
    status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/subgroups", world.tokens["olga"], json={
        "name": "vault_kanarie_topic", "display_name": f"{CANARY}-subgroup-title",
        "description": f"{CANARY}-subgroup-description", "parent_members_only": True})
    assert status == 201 and body["private"] is True, body
    moot.use()
    return Canaries(strings=[f"{CANARY}-subgroup-title", "vault_kanarie_topic"])
