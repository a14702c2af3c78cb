"""Receiving from remote groups (a Lemmy community a local user joined): Announce{activity}.

The group vouches for an embedded activity only when the activity comes from the group's own server.
Otherwise the object is refetched from its origin. Moderation is believed only from the group's
moderators (its moderators collection) or its own server.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from federation.activities.answers_shape import question_update_fields
from federation.fetch import fetch_object
from federation.groups.moderation import apply_ban, apply_lock, apply_moderator, apply_pin, apply_removal, apply_restore
from federation.http import FetchError
from federation.protocol.activity import ActivityDoc, parse_activity
from federation.protocol.common import ProtocolError, host_of
from federation.protocol.objects import ObjectDoc, parse_object
from federation.remote_posts import edited_fields, store_remote_post
from federation.resolve import get_actor
from federation.update_order import is_stale, version_fields, version_of
from federation.vocab import POST_TYPES
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.groups import GroupRole
from models.posts import DISLIKE, LIKE, Interaction, Post

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)
MODERATORS_MAX_AGE_SECONDS = 3600


async def on_group_announce(ctx: "FederationContext", group: Actor, activity: ActivityDoc) -> None:
    if not await Follow.filter(target=group, state=ACCEPTED, follower__is_local=True).exists():
        return  # nobody here is a member: nothing to keep
    if activity.object is None or "actor" not in activity.object:
        await _announced_object(ctx, group, activity.object_id or "", activity.id)
        return
    inner = parse_activity(activity.object)
    if ctx.urls.is_local(inner.actor) and inner.type in ("Create", "Update"):
        return  # our own member's post coming back to us
    handler = _HANDLERS.get(inner.type)
    if handler is None:
        log.info("Announce %s by group %s of a %s: ignored", activity.id, group.uri, inner.type)
        return
    await handler(ctx, group, inner)


def _same_origin(group: Actor, inner: ActivityDoc) -> bool:
    return host_of(inner.actor) == host_of(group.uri) and host_of(inner.id) == host_of(inner.actor)


async def _announced_object(ctx: "FederationContext", group: Actor, uri: str, activity_id: str) -> None:
    """Announce{post id}: fetch the post from its origin."""
    doc = parse_object(await fetch_object(ctx, uri))
    if doc.type not in POST_TYPES or not doc.attributed_to:
        return
    author = await get_actor(ctx, doc.attributed_to)
    _require_authorship(doc, author.uri)
    await store_remote_post(doc, author, activity_id, group=group)


def _require_authorship(doc: ObjectDoc, actor_uri: str) -> None:
    if doc.attributed_to != actor_uri or host_of(doc.id) != host_of(actor_uri):
        raise ProtocolError(f"{doc.id} is not a post by {actor_uri}")


async def _post_from(ctx: "FederationContext", group: Actor, inner: ActivityDoc) -> ObjectDoc:
    """The post of a Create/Update: the embedded copy when the group's server vouches, else from its origin."""
    if inner.object is not None and _same_origin(group, inner):
        doc = parse_object(inner.object)
    else:
        doc = parse_object(await fetch_object(ctx, inner.object_id or ""))
    _require_authorship(doc, inner.actor)
    return doc


async def _on_create(ctx: "FederationContext", group: Actor, inner: ActivityDoc) -> None:
    doc = await _post_from(ctx, group, inner)
    if doc.type in POST_TYPES:
        await store_remote_post(doc, await get_actor(ctx, inner.actor), inner.id, group=group)


async def _on_update(ctx: "FederationContext", group: Actor, inner: ActivityDoc) -> None:
    if inner.object_type == "Group":
        if inner.object_id == group.uri:
            await get_actor(ctx, group.uri, refresh=True)
        return
    doc = await _post_from(ctx, group, inner)
    post = await Post.filter(uri=doc.id, author__uri=inner.actor).first()
    if post is None:
        await _on_create(ctx, group, inner)
        return
    version = version_of(inner, doc)
    if is_stale(post, version):
        return  # a newer Update was already applied
    fields = edited_fields(doc, await get_actor(ctx, inner.actor), doc.updated)
    fields.update(await question_update_fields(post, doc))  # Q&A: acceptedAnswer (federation/activities)
    await Post.filter(id=post.id).update(**fields, **version_fields(version))


async def trusted_moderator(ctx: "FederationContext", group: Actor, actor_uri: str) -> bool:
    """Is actor_uri on the group's own server, or in its moderators collection (refetched hourly)?"""
    if host_of(actor_uri) == host_of(group.uri):
        return True
    await _refresh_moderators(ctx, group)
    return await GroupRole.filter(group=group, actor__uri=actor_uri).exists()


async def _refresh_moderators(ctx: "FederationContext", group: Actor) -> None:
    newest = await GroupRole.filter(group=group).order_by("-created_at").first()
    fresh = newest is not None and (datetime.now(timezone.utc) - newest.created_at).total_seconds() < MODERATORS_MAX_AGE_SECONDS
    if fresh or not group.moderators_url:
        return
    collection = await fetch_object(ctx, group.moderators_url)
    items = collection.get("orderedItems") or collection.get("items") or []
    uris = [item if isinstance(item, str) else item.get("id") for item in items if isinstance(item, (str, dict))]
    await GroupRole.filter(group=group).delete()
    for uri in uris[:100]:
        if isinstance(uri, str):
            try:
                await GroupRole.create(group=group, actor=await get_actor(ctx, uri))
            except (FetchError, ProtocolError) as exc:
                log.info("moderator %s of %s could not be fetched: %s", uri, group.uri, exc)


async def _require_moderation(ctx: "FederationContext", group: Actor, inner: ActivityDoc) -> None:
    if not await trusted_moderator(ctx, group, inner.actor):
        raise ProtocolError(f"{inner.actor} is not a moderator of {group.uri}")


async def _on_delete(ctx: "FederationContext", group: Actor, inner: ActivityDoc) -> None:
    post = await Post.filter(uri=inner.object_id or "", group=group).prefetch_related("author").first()
    if post is None:
        return
    if post.author.uri == inner.actor and (_same_origin(group, inner) or await _gone(ctx, post.uri)):
        await Post.filter(id=post.id).update(deleted_at=datetime.now(timezone.utc))
        return
    await _require_moderation(ctx, group, inner)
    await apply_removal(post, inner.summary)


async def _gone(ctx: "FederationContext", uri: str) -> bool:
    """A deletion from a third server is believed when the object is gone at its origin."""
    try:
        await fetch_object(ctx, uri)
    except FetchError as exc:
        return exc.status in (404, 410)
    return False


async def _on_vote(ctx: "FederationContext", group: Actor, inner: ActivityDoc) -> None:
    post = await Post.filter(uri=inner.object_id or "", is_local=True).first()
    if post is None or not _same_origin(group, inner):
        return  # only votes on our posts are counted, and only as the group's server vouches
    actor = await get_actor(ctx, inner.actor)
    kind = DISLIKE if inner.type == "Dislike" else LIKE
    await Interaction.filter(post=post, actor=actor, kind__in=[LIKE, DISLIKE]).exclude(activity_uri=inner.id).delete()
    await Interaction.get_or_create(defaults={"kind": kind, "actor": actor, "post": post}, activity_uri=inner.id)


async def _on_lock(ctx: "FederationContext", group: Actor, inner: ActivityDoc) -> None:
    post = await Post.filter(uri=inner.object_id or "", group=group).first()
    if post is not None:
        await _require_moderation(ctx, group, inner)
        await apply_lock(post, True)


async def _on_block(ctx: "FederationContext", group: Actor, inner: ActivityDoc) -> None:
    if inner.target_id != group.uri or not inner.object_id:
        return
    await _require_moderation(ctx, group, inner)
    target = await get_actor(ctx, inner.object_id)
    await apply_ban(group, target, inner.summary or "", inner.end_time, inner.raw.get("removeData") is True, inner.id)


async def _on_add_remove(ctx: "FederationContext", group: Actor, inner: ActivityDoc) -> None:
    await _require_moderation(ctx, group, inner)
    added = inner.type == "Add"
    if inner.target_id == group.featured_url:
        post = await Post.filter(uri=inner.object_id or "", group=group).first()
        if post is not None:
            await apply_pin(post, added)
    elif inner.target_id == group.moderators_url and inner.object_id:
        await apply_moderator(group, await get_actor(ctx, inner.object_id), added)


async def _on_undo(ctx: "FederationContext", group: Actor, inner: ActivityDoc) -> None:
    if inner.object is None:
        return
    undone = parse_activity(inner.object)
    if undone.actor != inner.actor:
        raise ProtocolError(f"{inner.actor} may not undo an activity of {undone.actor}")
    if undone.type in ("Like", "Dislike"):
        if _same_origin(group, inner):
            await Interaction.filter(activity_uri=undone.id, actor__uri=inner.actor).delete()
        return
    post = await Post.filter(uri=undone.object_id or "", group=group).first()
    if undone.type in ("Delete", "Lock") and post is not None:
        await _require_moderation(ctx, group, inner)
        await (apply_restore(post) if undone.type == "Delete" else apply_lock(post, False))


_HANDLERS: dict[str, Any] = {
    "Create": _on_create,
    "Update": _on_update,
    "Delete": _on_delete,
    "Like": _on_vote,
    "Dislike": _on_vote,
    "Lock": _on_lock,
    "Block": _on_block,
    "Add": _on_add_remove,
    "Remove": _on_add_remove,
    "Undo": _on_undo,
}
