"""Someone (or some group) on another server, as this server knows them: `/@name@host`.

The page shows what is stored here (name, summary, profile fields, all sanitised when fetched), the posts known
here that the viewer may see (`federation/audience.py visible_posts`), the Follow or Join button, the Report
menu (the report may be forwarded to their server as a `Flag`, web/pages/essentials.py), and for a remote group
its parent, sub-groups and essentials as its server publishes them (federation/community/remote_groups.py).
Only actors already known here are shown: the page never fetches a stranger on a visitor's request.
No route of its own: `/@{name}` (web/activitypub.py profile) hands a name with an @ here.
"""
from __future__ import annotations

from aiohttp import web
from tortoise.expressions import Q

from federation import audience
from federation.people.personal_filters import relationship_flags
from federation.community.remote_groups import remote_group_facts
from federation.vocab import APPLICATION
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.posts import Post
from web import app_keys as keys
from web.negotiation import wants_activity_json
from web.pages.community_common import flash, follow_state, post_stats, viewer_of
from web.templating import gettext, render_page

PAGE_SIZE = 20
MAX_HANDLE = 300


def split_handle(raw: str) -> tuple[str, str] | None:
    """("name", "host") from "name@host" (an optional leading @), or None."""
    name, _, host = raw.lstrip("@").partition("@")
    if not name or not host or "@" in host or len(raw) > MAX_HANDLE:
        return None
    return name, host.lower()


async def remote_actor(request: web.Request, handle: str) -> Actor:
    parts = split_handle(handle)
    actor = None
    if parts is not None:
        actor = await Actor.filter(username=parts[0], domain=parts[1], is_local=False, deleted_at=None) \
            .exclude(type=APPLICATION).first()
    if actor is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such profile here."))
    return actor


async def remote_profile_page(request: web.Request, handle: str) -> web.StreamResponse:
    actor = await remote_actor(request, handle)
    if wants_activity_json(request):
        raise web.HTTPFound(actor.uri)  # the actor document is on its own server
    viewer = viewer_of(request)
    seen_by = audience.viewer_of(viewer)
    path = f"/@{actor.username}@{actor.domain}"
    is_group = actor.type == "Group"
    readable = await audience.may_see_group_content(actor, seen_by) if is_group else True
    posts: list[Post] = []
    more = False
    if readable:
        whose = Q(group_id=actor.id) if is_group else Q(author_id=actor.id)
        query = Post.filter(audience.visible_posts(seen_by), whose, removed_at=None, in_reply_to_uri=None) \
            .exclude(visibility="direct")
        before = request.query.get("before", "")
        if before.isdigit():
            cursor = await Post.filter(whose, id=int(before)).first()
            if cursor is not None:
                query = query.filter(Q(published__lt=cursor.published)
                                     | Q(published=cursor.published, id__lt=cursor.id))
        rows = await query.order_by("-published", "-id").limit(PAGE_SIZE + 1).prefetch_related("author", "group")
        posts, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    facts = await remote_group_facts(request.app[keys.FEDERATION], actor, seen_by) if is_group else None
    return render_page(
        request, "community/remote_profile.html", actor=actor, handle=f"@{actor.username}@{actor.domain}",
        path=path, posts=posts, stats=await post_stats(posts, viewer), readable=readable,
        next_url=f"{path}?before={posts[-1].id}" if more else None, state=await follow_state(viewer, actor),
        members=await Follow.filter(target=actor, state=ACCEPTED).count() if is_group else 0,
        contacts=[f for f in actor.profile_fields or [] if isinstance(f, dict) and f.get("name")],
        group_facts=facts, flash=flash(request),
        personal=(await relationship_flags(viewer, [actor.id]))[actor.id] if viewer else {},  # blocks, mutes
    )
