"""Small lookups the inbox handlers share."""
from __future__ import annotations

from typing import TYPE_CHECKING

from federation.resolve import get_actor
from models.actors import Actor
from models.posts import Post

# A handler returns this when the activity concerned nothing here.
IGNORED = "ignored"

if TYPE_CHECKING:
    from federation.context import FederationContext
    from federation.protocol.activity import ActivityDoc


async def sender(ctx: "FederationContext", activity: "ActivityDoc") -> Actor:
    """The authenticated actor of an activity (already stored when its key was fetched)."""
    return await get_actor(ctx, activity.actor)


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
