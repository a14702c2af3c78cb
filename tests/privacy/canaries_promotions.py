"""Promotions: a page (owned by olga) promotes a public post, approved and running, and the post then becomes
followers-only (nobody follows the page). Its promotion must not leak it: not in the "From pages" slot on
Explore or home, not through /promoted/{promotion_id}, the page's promotions list or the API."""
from __future__ import annotations

from federation.actions import StatusInput, create_status
from federation.local_actors import create_page
from federation.promotions.requests import approve
from models.actors import Actor
from models.posts import Post
from tests.privacy.activity_canaries import ActivityWorld, Canaries

CANARY = "Kanarie"  # tests/privacy/world.py's (imported from there, it would be a circle)


async def build(world: ActivityWorld) -> Canaries:
    moot = world.moot.use()
    olga = await Actor.get(local_name="olga")
    page = await create_page(moot.fed, "vaultbakery", owner=olga, display_name="Vault Bakery")
    post = await create_status(moot.fed, page, StatusInput(text=f"{CANARY}-promoted-post"))
    status, promotion = await moot.api("POST", "/api/moot/v1/pages/vaultbakery/promotions", world.tokens["olga"],
                                       json={"post_id": str(post.id), "days": 7})
    assert status == 201, promotion
    moot.use()
    await approve(int(promotion["id"]), await Actor.get(local_name="siteadmin"), f"{CANARY}-promotion-reason")
    await Post.filter(id=post.id).update(visibility="private")
    return Canaries(post_ids=[post.id], strings=[f"{CANARY}-promotion-reason"],
                    params={"promotion_id": [promotion["id"]], "name": ["vaultbakery"]})
