"""Reading a thread: the nested replies under a post, shared by the JSON API and the thread page."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from models.posts import Post

MAX_THREAD_POSTS = 500


@dataclass
class ThreadNode:
    post: Post
    replies: list["ThreadNode"] = field(default_factory=list)


def _always(_: Post) -> bool:
    return True


async def reply_tree(root: Post, keep: Callable[[Post], bool] = _always) -> list[ThreadNode]:
    """Nested replies, breadth-first from the root, oldest first at each level (authors prefetched).

    Deleted replies are left out; so are removed ones and those `keep` refuses, with everything under them.
    """
    children: dict[int, list[Post]] = {}
    frontier, seen = [root.id], 0
    while frontier and seen < MAX_THREAD_POSTS:
        level = (
            await Post.filter(in_reply_to_id__in=frontier, deleted_at=None)
            .order_by("published", "id")
            .limit(MAX_THREAD_POSTS - seen)
            .prefetch_related("author")
        )
        for reply in level:
            children.setdefault(reply.in_reply_to_id, []).append(reply)  # type: ignore[arg-type]
        seen += len(level)
        frontier = [reply.id for reply in level]

    def tree(post_id: int) -> list[ThreadNode]:
        return [
            ThreadNode(reply, tree(reply.id))
            for reply in children.get(post_id, [])
            if reply.removed_at is None and keep(reply)
        ]

    return tree(root.id)


def flatten(nodes: list[ThreadNode]) -> list[Post]:
    """Every post in the tree, depth-first."""
    posts: list[Post] = []
    for node in nodes:
        posts.append(node.post)
        posts.extend(flatten(node.replies))
    return posts
