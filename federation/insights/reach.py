"""Reach at send time: when a page's post fans out, how many servers it goes to and how many followers are on them."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.insights import PostStats
from models.posts import Post
from models.queues import OutboundActivity


async def record_fanouts_reach(expanded: list[tuple[int, dict[str, Any], list[str]]]) -> None:
    """Called by the delivery worker as fan-outs become deliveries (federation/delivery.py expand_fanouts), with
    (activity id, audience, inboxes) for each: only a Create sent to followers can be a page post, and those
    rows are read in one query for the whole pass."""
    wanted = {activity_id for activity_id, audience, _ in expanded if audience.get("followers_of")}
    if not wanted:
        return
    creates = {row["id"]: row for row in await OutboundActivity.filter(id__in=wanted, type="Create").values(
        "id", "actor_id", "payload")}
    for activity_id, audience, inboxes in expanded:
        if activity_id in creates:
            row = creates[activity_id]
            await _record_fanout(row["actor_id"], row["payload"], audience["followers_of"], inboxes)


async def _record_fanout(actor_id: int, payload: Any, followers_of: Any, inboxes: list[str]) -> None:
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
