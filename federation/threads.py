"""Walking a thread: the post it starts with, and a thread's posts looked up by id or URI (in an inbox batch, from
what the batch already read: federation/hot_cache.py)."""
from __future__ import annotations

from federation import hot_cache
from models.posts import Post

# How far up a reply may be from its thread's first post: a cycle or an absurdly deep thread stops there.
MAX_DEPTH = 100


async def thread_root(post: Post) -> Post:
    """The top of the thread a post belongs to (itself when it is one), in at most MAX_DEPTH steps."""
    current = post
    for _ in range(MAX_DEPTH):
        if current.in_reply_to_id is None:
            return current
        parent = await post_by_id(current.in_reply_to_id)
        if parent is None:
            return current
        current = parent
    return current


async def post_by_uri(uri: str) -> Post | None:
    """The stored post `uri`, or None."""
    batch = hot_cache.current()
    if batch is not None:
        return await batch.post(uri)
    return await Post.filter(uri=uri).first()


async def post_by_id(post_id: int) -> Post | None:
    batch = hot_cache.current()
    if batch is not None:
        return await batch.post_by_id(post_id)
    return await Post.filter(id=post_id).first()

