"""Reach at send time: when a page's post fans out, how many servers it goes to and how many followers are on them."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.insights import PostStats
from models.posts import Post
from models.queues import OutboundActivity


async def record_fanout(activity_id: int, audience: dict[str, Any], inboxes: list[str]) -> None:
    """Called by the delivery worker as a fan-out becomes deliveries (federation/delivery.py expand_fanouts)."""
    followers_of = audience.get("followers_of")
    if not followers_of:
        return
    row = await OutboundActivity.filter(id=activity_id, type="Create").values("actor_id", "payload")
    if not row:
        return
    actor_id, payload = row[0]["actor_id"], row[0]["payload"]
    targets = followers_of if isinstance(followers_of, list) else [followers_of]
    if actor_id not in targets or not await Actor.filter(id=actor_id, type="Service", is_local=True).exists():
        return
    obj = payload.get("object") if isinstance(payload, dict) else None
    uri = obj.get("id") if isinstance(obj, dict) else obj if isinstance(obj, str) else None
    if not isinstance(uri, str):
        return
    post = await Post.filter(uri=uri, author_id=actor_id).values("id", "published", "language")
    if not post:
        return
    delivered = set(inboxes)
    reached = 0
    for shared_inbox, inbox in await Follow.filter(
        target_id=actor_id, state=ACCEPTED, follower__is_local=False, follower__deleted_at=None
    ).values_list("follower__shared_inbox", "follower__inbox"):
        if (shared_inbox or inbox) in delivered or inbox in delivered:
            reached += 1
    reached += await Follow.filter(target_id=actor_id, state=ACCEPTED, follower__is_local=True).count()
    servers = len({urlsplit(inbox).netloc.lower() for inbox in inboxes})
    await record_reach(actor_id, post[0], servers, reached)


async def record_reach(page_id: int, post: dict[str, Any], servers: int, followers: int) -> None:
    updated = await PostStats.filter(post_id=post["id"]).update(servers=servers, followers_reached=followers)
    if not updated:
        await PostStats.bulk_create([PostStats(
            post_id=post["id"], page_id=page_id, published=post["published"], language=post["language"],
            servers=servers, followers_reached=followers,
        )], ignore_conflicts=True)
