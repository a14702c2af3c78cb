"""The group relays accepted activities to its members (FEP-1b12): Announce{activity as received}.

Mastodon-compatible servers ignore Announce{activity}. For them the group keeps one boost of each post
standing: an id-form Announce{object: post id} when the post is created (Mastodon refetches the post and
shows the boost), Undo of that very Announce when the post is deleted or removed (else the boost stays in
timelines while the post answers 410), and a fresh id-form Announce when the post is restored. Edits send
no boost: the author's own Update reaches the group's followers instead (federation/actions/statuses.py).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Awaitable, Callable

from federation import hot_cache, render
from federation.outbox import publish
from federation.protocol.activity import ActivityDoc, parse_activity
from federation.protocol.common import id_of
from federation.vocab import PUBLIC
from models.actors import Actor
from models.posts import Post

if TYPE_CHECKING:
    from federation.context import FederationContext


def addressing(group: Actor) -> tuple[list[str], list[str]]:
    """Public groups announce to Public; private groups only to the group and its members."""
    followers = group.followers_url or ""
    if group.manually_approves:
        return [group.uri, followers], []
    return [PUBLIC], [followers]


async def announce(ctx: "FederationContext", group: Actor, activity: dict[str, Any]) -> None:
    """Wrap `activity` exactly as received and deliver it to every member server, once per shared inbox;
    then keep the post's boost for Mastodon in step (see the module's docstring).

    Call inside the transaction that applied the activity; call ctx.wake() after the commit.
    """
    to, cc = addressing(group)
    wrapped = render.activity(ctx.urls.new_activity(), "Announce", group.uri, activity, to=to, cc=cc)
    await _publish(group, wrapped)
    # Types and the object's id are read through the protocol: `type` may be a list, `object` a list or an id.
    doc = parse_activity(activity)
    follow_up = _BOOSTS.get(doc.type)
    if follow_up is not None:
        await follow_up(ctx, group, doc)


async def _boost(ctx: "FederationContext", group: Actor, create: ActivityDoc) -> None:
    """A new post or comment: the id-form Announce, whose id the post keeps for a later Undo."""
    if create.object_id is None:
        return
    announce_uri = await _send_boost(ctx, group, create.object_id)
    batch = hot_cache.current()
    if batch is not None:
        batch.defer_announce_uri(create.object_id, group.id, announce_uri)  # one UPDATE for the batch
    else:
        await Post.filter(uri=create.object_id, group_id=group.id).update(group_announce_uri=announce_uri)


async def _unboost(ctx: "FederationContext", group: Actor, delete: ActivityDoc) -> None:
    """A deletion (by the author) or a removal (by a moderator): Undo the boost, embedding it with its id."""
    post = await _post_in(group, delete.object_id)
    if post is None or post.group_announce_uri is None:
        return
    to, cc = addressing(group)
    boost = render.activity(post.group_announce_uri, "Announce", group.uri, post.uri, to=to, cc=cc)
    undo = render.activity(ctx.urls.new_activity(), "Undo", group.uri, render.strip_context(boost), to=to, cc=cc)
    await publish(group, undo, to_followers=True, public=not group.manually_approves)
    await Post.filter(id=post.id).update(group_announce_uri=None)


async def _reboost(ctx: "FederationContext", group: Actor, undo: ActivityDoc) -> None:
    """Undo{Delete}: a restored post that is visible again gets a fresh boost."""
    if undo.object_type != "Delete" or undo.object is None:
        return
    post = await _post_in(group, id_of(undo.object.get("object")))
    if post is None or not post.is_visible or post.group_announce_uri is not None:
        return
    announce_uri = await _send_boost(ctx, group, post.uri)
    await Post.filter(id=post.id).update(group_announce_uri=announce_uri)


async def _send_boost(ctx: "FederationContext", group: Actor, post_uri: str) -> str:
    to, cc = addressing(group)
    boost = render.activity(ctx.urls.new_activity(), "Announce", group.uri, post_uri, to=to, cc=cc)
    await _publish(group, boost)
    return boost["id"]


async def _publish(group: Actor, activity: dict[str, Any]) -> None:
    """To the group's followers; in an inbox batch written with the batch's others (federation/hot_cache.py)."""
    batch = hot_cache.current()
    if batch is not None:
        batch.defer_publish(group, activity, public=not group.manually_approves)
    else:
        await publish(group, activity, to_followers=True, public=not group.manually_approves)


async def _post_in(group: Actor, uri: str | None) -> Post | None:
    if not uri:
        return None
    return await Post.filter(uri=uri, group_id=group.id).first()


_BOOSTS: dict[str, Callable[["FederationContext", Actor, ActivityDoc], Awaitable[None]]] = {
    "Create": _boost,
    "Delete": _unboost,
    "Undo": _reboost,
}
