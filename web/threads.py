"""Reading a thread: the nested replies under a post, shared by the JSON API and the thread page."""
from __future__ import annotations

from dataclasses import dataclass, field
from federation.audience import Viewer, in_thread_of, known_posts, visible_posts
from models.posts import Post

MAX_THREAD_POSTS = 500


@dataclass
class ThreadNode:
    post: Post
    replies: list["ThreadNode"] = field(default_factory=list)


async def reply_tree(root: Post, viewer: Viewer, *, removed: bool = False, deleted: bool = False) -> list[ThreadNode]:
    """Nested replies the viewer may see (federation/audience.py), breadth-first from the root, oldest first at
    each level (authors prefetched). Replies the viewer may not see are left out with everything under them;
    so are removed ones unless `removed` (moderators see them, to restore them). With `deleted`, a deleted reply
    that has replies the viewer sees stays as a node (its content is never shown: the page says "deleted")."""
    readable = known_posts(viewer) if deleted else visible_posts(viewer)
    children: dict[int, list[Post]] = {}
    frontier, seen = [root.id], 0
    while frontier and seen < MAX_THREAD_POSTS:
        level = (
            await Post.filter(readable, in_thread_of(root), in_reply_to_id__in=frontier)
            .order_by("published", "id")
            .limit(MAX_THREAD_POSTS - seen)
            .prefetch_related("author")
        )
        for reply in level:
            children.setdefault(reply.in_reply_to_id, []).append(reply)  # type: ignore[arg-type]
        seen += len(level)
        frontier = [reply.id for reply in level]

    def tree(post_id: int) -> list[ThreadNode]:
        nodes = [
            ThreadNode(reply, tree(reply.id))
            for reply in children.get(post_id, [])
            if removed or reply.removed_at is None
        ]
        return [node for node in nodes if node.post.deleted_at is None or node.replies]

    return tree(root.id)


def flatten(nodes: list[ThreadNode]) -> list[Post]:
    """Every post in the tree, depth-first."""
    posts: list[Post] = []
    for node in nodes:
        posts.append(node.post)
        posts.extend(flatten(node.replies))
    return posts
