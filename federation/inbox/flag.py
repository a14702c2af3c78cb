"""Flag: a report from another server about local actors, local posts, or posts in a local group."""
from __future__ import annotations

from typing import TYPE_CHECKING

from federation.actions.statuses import ActionError
from federation.inbox.common import IGNORED, sender
from federation.protocol.activity import ActivityDoc
from federation.protocol.common import ProtocolError
from federation.reports import create_report
from models.actors import Actor
from models.moderation import Report
from models.posts import Post

if TYPE_CHECKING:
    from federation.context import FederationContext


async def on_flag(ctx: "FederationContext", activity: ActivityDoc) -> str | None:
    if await Report.filter(activity_uri=activity.id).exists():
        return IGNORED
    ids = list(activity.object_ids)
    local_actors = await Actor.filter(uri__in=ids, is_local=True, deleted_at=None)
    posts = [
        post for post in await Post.filter(uri__in=ids, deleted_at=None).prefetch_related("group")
        if post.is_local or (post.group is not None and post.group.is_local)
    ]
    if not local_actors and not posts:
        return IGNORED  # nothing here it is about
    target = local_actors[0] if local_actors else None
    if posts:
        # A report names posts: it is about their author.
        await posts[0].fetch_related("author")
        target = posts[0].author
    comment = str(activity.raw.get("content") or activity.summary or "")
    try:
        await create_report(ctx, await sender(ctx, activity), target,
                            [post for post in posts if post.author_id == target.id], comment,
                            activity_uri=activity.id)
    except ActionError as exc:
        raise ProtocolError(f"report not taken: {exc}") from None
    return None
