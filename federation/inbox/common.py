"""Small lookups the inbox handlers share."""
from __future__ import annotations

from typing import TYPE_CHECKING

from federation import hot_cache
from federation.protocol.common import ProtocolError, host_of
from federation.resolve import get_actor
from models.actors import Actor
from models.posts import Post

# A handler returns this when the activity concerned nothing here.
IGNORED = "ignored"

if TYPE_CHECKING:
    from federation.context import FederationContext
    from federation.protocol.activity import ActivityDoc
    from federation.protocol.objects import ObjectDoc


async def sender(ctx: "FederationContext", activity: "ActivityDoc") -> Actor:
    """The authenticated actor of an activity (already stored when its key was fetched)."""
    batch = hot_cache.current()
    if batch is not None and activity.actor in batch.actors:
        return batch.actors[activity.actor]  # read for the whole batch, known and fresh
    return await get_actor(ctx, activity.actor)


async def post_author(ctx: "FederationContext", activity: "ActivityDoc", doc: "ObjectDoc") -> Actor:
    """Who wrote a created post: the activity's actor, who must be the object's `attributedTo`.

    One origin rule more (docs/federation.md, "The origin rule for objects a group owns"): an object a
    group owns, as Mobilizon sends its events, may be attributed to that Group when the Group is on the
    actor's own host, the actor is a Person on that host and the object's id is on that host too. The
    Person is then the author.
    """
    author = await sender(ctx, activity)
    if doc.attributed_to == activity.actor or await is_group_owned(ctx, activity, doc, author):
        return author
    raise ProtocolError(f"{activity.type} by {activity.actor} of {doc.id}, attributed to {doc.attributed_to}")


async def is_group_owned(ctx: "FederationContext", activity: "ActivityDoc", doc: "ObjectDoc", author: Actor) -> bool:
    """The Mobilizon shape: a Person acting for a Group of their own server, on an object of that server."""
    owner = doc.attributed_to
    if owner is None or author.type != "Person":
        return False
    home = host_of(activity.actor)
    if host_of(owner) != home or host_of(doc.id) != home:
        return False
    return (await get_actor(ctx, owner)).type == "Group"


async def local_actor(uri: str | None) -> Actor | None:
    if not uri:
        return None
    return await Actor.filter(uri=uri, is_local=True, deleted_at=None).first()


async def local_post(uri: str | None) -> Post | None:
    if not uri:
        return None
    return await Post.filter(uri=uri, is_local=True, deleted_at=None).first()


async def local_group_of(post: Post) -> Actor | None:
    """The post's group when it is one of ours (and so relays what happens to the post)."""
    if post.group_id is None:
        return None
    return await Actor.filter(id=post.group_id, is_local=True, deleted_at=None).first()
