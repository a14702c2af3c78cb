"""A thread whose first post was deleted (by its author, or with the author's account): the replies keep their
place under a "This post was deleted." placeholder, for whom the post was meant. Nothing of it is shown."""
from __future__ import annotations

from aiohttp import web

from federation import audience
from federation.groups.intake import thread_root
from models.actors import Actor
from models.posts import Post
from web.pages.community_common import post_stats, viewer_of
from web.templating import render_page
from web.threads import flatten, reply_tree


async def deleted_thread(request: web.Request) -> web.StreamResponse | None:
    """The page of a deleted post that has replies this viewer may see; None otherwise (the usual 404)."""
    raw = request.match_info.get("post_id", "")
    post = await Post.filter(id=int(raw), deleted_at__not_isnull=True).first() if raw.isdigit() else None
    viewer = viewer_of(request)
    seen_by = audience.viewer_of(viewer)
    if post is None or not await audience.may_know_gone(post, seen_by):
        return None
    group_id = post.group_id or post.audience_group_id
    group = await Actor.filter(id=group_id).first() if group_id else None
    moderator = group is not None and await audience.is_group_moderator(group, seen_by)
    tree = await reply_tree(post, seen_by, removed=moderator, deleted=True)
    if not tree:
        return None
    locked = (await thread_root(post)).locked_at is not None
    return render_page(request, "accounts/deleted_thread.html", post=post, group=group, tree=tree,
                       stats=await post_stats(flatten(tree), viewer), moderator=moderator, locked=locked,
                       can_reply=viewer is not None and (not locked or moderator), thread_path=f"/threads/{post.id}")
