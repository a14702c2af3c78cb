"""Reach at send time: when a page's post fans out, how many servers it goes to and how many followers are on them."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tortoise.functions import Count

from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.insights import PostStats
from models.posts import Post
from models.queues import OutboundActivity


@dataclass(frozen=True, slots=True)
class _Sent:
    page_id: int
    post_uri: str
    inboxes: list[str]


async def record_fanouts_reach(expanded: list[tuple[int, dict[str, Any], list[str]]]) -> None:
    """Called by the delivery worker as fan-outs become deliveries (federation/delivery.py expand_fanouts), with
    (activity id, audience, inboxes) for each: only a Create sent to followers can be a page post. A pass's
    page posts are handled together: a fixed number of queries however many there are (a relay's pass has none
    and costs one)."""
    wanted = {activity_id for activity_id, audience, _ in expanded if audience.get("followers_of")}
    if not wanted:
        return
    creates = {row["id"]: row for row in await OutboundActivity.filter(id__in=wanted, type="Create").values(
        "id", "actor_id", "payload")}
    sent: list[_Sent] = []
    for activity_id, audience, inboxes in expanded:
        if activity_id in creates and (item := _sent(creates[activity_id], audience["followers_of"], inboxes)):
            sent.append(item)
    if not sent:
        return
    pages = set(await Actor.filter(id__in={s.page_id for s in sent}, type="Service", is_local=True)
                .values_list("id", flat=True))
    sent = [s for s in sent if s.page_id in pages]
    if not sent:
        return
    posts = {(row["author_id"], row["uri"]): row for row in await Post.filter(
        uri__in={s.post_uri for s in sent}, author_id__in=pages
    ).values("id", "uri", "author_id", "published", "language")}
    sent = [s for s in sent if (s.page_id, s.post_uri) in posts]
    if not sent:
        return
    senders = {s.page_id for s in sent}
    remote_followers: dict[int, list[tuple[str | None, str]]] = defaultdict(list)
    for page_id, shared_inbox, inbox in await Follow.filter(
        target_id__in=senders, state=ACCEPTED, follower__is_local=False, follower__deleted_at=None
    ).values_list("target_id", "follower__shared_inbox", "follower__inbox"):
        remote_followers[page_id].append((shared_inbox, inbox))
    local_followers = Counter(dict(await Follow.filter(target_id__in=senders, state=ACCEPTED, follower__is_local=True)
                                   .group_by("target_id").annotate(n=Count("id")).values_list("target_id", "n")))
    reach: dict[int, tuple[int, dict[str, Any], int, int]] = {}  # post id -> page, post, servers, followers
    for s in sent:
        post = posts[(s.page_id, s.post_uri)]
        delivered = set(s.inboxes)
        reached = sum(1 for shared_inbox, inbox in remote_followers[s.page_id]
                      if (shared_inbox or inbox) in delivered or inbox in delivered)
        servers = len({urlsplit(inbox).netloc.lower() for inbox in s.inboxes})
        reach[post["id"]] = (s.page_id, post, servers, reached + local_followers[s.page_id])  # the last fan-out wins
    await record_reach(list(reach.values()))


def _sent(create: dict[str, Any], followers_of: Any, inboxes: list[str]) -> _Sent | None:
    """A Create its author sent to its own followers, with the id of the post: a page post if the author is a page."""
    targets = followers_of if isinstance(followers_of, list) else [followers_of]
    if create["actor_id"] not in targets:
        return None
    payload = create["payload"]
    obj = payload.get("object") if isinstance(payload, dict) else None
    uri = obj.get("id") if isinstance(obj, dict) else obj if isinstance(obj, str) else None
    return _Sent(create["actor_id"], uri, inboxes) if isinstance(uri, str) else None


async def record_reach(reach: list[tuple[int, dict[str, Any], int, int]]) -> None:
    """Store (page id, post {id, published, language}, servers, followers reached) for each post: an update of
    the posts that have stats already (the rollups may have made them), one insert of the others."""
    existing = set(await PostStats.filter(post_id__in=[post["id"] for _, post, _, _ in reach])
                   .values_list("post_id", flat=True))
    for _, post, servers, followers in reach:
        if post["id"] in existing:
            await PostStats.filter(post_id=post["id"]).update(servers=servers, followers_reached=followers)
    new = [PostStats(post_id=post["id"], page_id=page_id, published=post["published"], language=post["language"],
                     servers=servers, followers_reached=followers)
           for page_id, post, servers, followers in reach if post["id"] not in existing]
    if new:
        await PostStats.bulk_create(new, batch_size=500, ignore_conflicts=True)
