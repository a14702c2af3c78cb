"""Walking a thread: the post it starts with."""
from __future__ import annotations

from models.posts import Post

# How far up a reply may be from its thread's first post: a cycle or an absurdly deep thread stops there.
MAX_DEPTH = 100


async def thread_root(post: Post) -> Post:
    """The top of the thread a post belongs to (itself when it is one), in at most MAX_DEPTH steps."""
    current = post
    for _ in range(MAX_DEPTH):
        if current.in_reply_to_id is None:
            return current
        parent = await Post.filter(id=current.in_reply_to_id).first()
        if parent is None:
            return current
        current = parent
    return current
