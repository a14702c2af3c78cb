"""The causes of notifications: one small function per place that calls it (each a one-line hook there)."""
from __future__ import annotations

from typing import Iterable

from tortoise.expressions import Q

from federation import hot_cache
from federation.notifications import kinds as k
from federation.threads import post_by_id
from federation.notifications.core import notify, notify_many
from models.actors import Actor, LocalUser
from federation.protocol.common import id_of
from models.follows import PENDING, Follow
from models.groups import GroupRole, HeldActivity
from models.moderation import Report
from models.posts import Post


async def _local_actors(uris: Iterable[str]) -> list[Actor]:
    wanted = [u for u in set(uris) if u]
    if not wanted:
        return []
    return await Actor.filter(Q(uri__in=wanted) | Q(url__in=wanted), is_local=True, deleted_at=None)


async def moderators_of(group: Actor) -> list[Actor]:
    ids = await GroupRole.filter(group_id=group.id).values_list("actor_id", flat=True)
    return await Actor.filter(id__in=list(ids), deleted_at=None) if ids else []


async def admins() -> list[Actor]:
    ids = await LocalUser.filter(is_admin=True, suspended_at=None).values_list("actor_id", flat=True)
    return await Actor.filter(id__in=list(ids), deleted_at=None) if ids else []


async def post_stored(post: Post, author: Actor | None = None) -> None:
    """A new post (local or remote): its local parent's author hears of a reply, the people it mentions of a
    mention; a local author whose post a group holds hears that it waits. Again when a held post is admitted:
    the dedupe keys make a second call harmless. `author` is the post's author when the caller has it."""
    held = post.audience_group_id is not None and post.group_id is None
    mentioned = [str(tag.get("href") or "") for tag in (post.tags or [])
                 if isinstance(tag, dict) and tag.get("type") == "Mention"]
    batch = hot_cache.current()
    if batch is not None:  # in an inbox batch: only a URL of this server can name someone here
        mentioned = [uri for uri in mentioned if uri and batch.is_local(uri)]
    if not held and post.in_reply_to_id is None and not any(mentioned):
        return  # nobody to tell (decided from the post itself: no query)
    if author is None or author.id != post.author_id:
        author = await Actor.get(id=post.author_id)
    if held and author.is_local:
        group = await Actor.get(id=post.audience_group_id)
        await notify(author, k.POST_HELD, dedupe_key=post.uri, post=post, group=group)
        return
    told: set[int] = set()
    if post.in_reply_to_id is not None:
        parent = await post_by_id(post.in_reply_to_id)
        # A post is local exactly when its author is: a remote parent's author is not read at all.
        parent_author = await Actor.get(id=parent.author_id) if parent is not None and parent.is_local else None
        if parent is not None and parent_author is not None and parent_author.is_local:
            told.add(parent_author.id)
            await notify(parent_author, k.REPLY, dedupe_key=post.uri, from_actor=author, post=post,
                         extra={"parent_id": parent.id})
    for person in await _local_actors(mentioned):
        if person.id not in told:
            await notify(person, k.MENTION, dedupe_key=post.uri, from_actor=author, post=post)


async def interaction(kind: str, actor: Actor, post: Post, activity_uri: str) -> None:
    """A like ("favourite") or a boost ("reblog") of a post by a local author."""
    author = await Actor.get(id=post.author_id)
    if author.is_local:
        await notify(author, kind, dedupe_key=f"{kind}:{actor.id}:{post.id}", from_actor=actor,
                     post=post)


async def follow_received(follow: Follow | None, follower: Actor, target: Actor) -> None:
    """A follow of a local person or page (or a request to follow), or a request to join a local group."""
    if follow is None:
        return
    key = f"follow:{follower.id}:{target.id}:{follow.id}"
    if target.type == "Group":
        if follow.state == PENDING:
            await notify_many(await moderators_of(target), k.JOIN_REQUEST, dedupe_key=key, from_actor=follower,
                              group=target, extra={"follow_id": follow.id})
        return
    await notify(target, k.FOLLOW_REQUEST if follow.state == PENDING else k.FOLLOW, dedupe_key=key,
                 from_actor=follower)


async def join_decided(person: Actor, group: Actor, approved: bool, reason: str = "", key: str = "") -> None:
    """A join request of a local person decided by a group (local or remote)."""
    await notify(person, k.JOIN_APPROVED if approved else k.JOIN_REJECTED,
                 dedupe_key=key or f"join:{group.id}:{person.id}:{approved}", group=group,
                 extra={"reason": reason} if reason else None)


async def post_moderated(post: Post, kind: str, reason: str | None = None, key: str = "") -> None:
    """A local author's post removed or restored by a moderator (of a group, or the instance)."""
    fresh = await Post.filter(id=post.id).select_related("author").first()
    if fresh is None or not fresh.author.is_local:
        return
    group = await Actor.filter(id=fresh.audience_group_id).first() if fresh.audience_group_id else None
    stamp = (fresh.removed_at.isoformat() if fresh.removed_at else key) or "restored"
    await notify(fresh.author, kind, dedupe_key=f"{fresh.uri}#{kind}:{stamp}", post=fresh, group=group,
                 extra={"reason": reason} if reason else None)


async def report_created(report: Report) -> None:
    """A report to handle: for the moderators of its local group, else for the instance's admins."""
    group = await Actor.filter(id=report.group_id).first() if report.group_id else None
    people = await moderators_of(group) if group is not None else await admins()
    reporter = await Actor.filter(id=report.reporter_id).first() if report.reporter_id else None
    reporter = reporter if reporter is not None and reporter.is_local else None
    await notify_many(people, k.REPORT, dedupe_key=f"report:{report.id}", from_actor=reporter, group=group,
                      extra={"report_id": report.id})


async def join_answered(follow: Follow, accepted: bool) -> None:
    """A remote group's Accept or Reject of a local person's request to join it."""
    group = await Actor.filter(id=follow.target_id, type="Group").first()
    person = await Actor.filter(id=follow.follower_id, is_local=True).first()
    if group is not None and person is not None:
        await join_decided(person, group, accepted, key=f"join:{follow.id}:{follow.activity_uri}:{accepted}")


async def held_decided(held: HeldActivity, approved: bool, reason: str = "") -> None:
    """A held post of a local author decided: admitted, its mentions and replies are told now; rejected, its
    author hears why."""
    post = await Post.filter(uri=id_of(held.activity.get("object")), author_id=held.actor_id, is_local=True).first()
    if post is None:
        return
    if approved:
        await post_stored(post)
        return
    await post_moderated(post, k.POST_REMOVED, reason, key=f"held:{held.id}")
