"""The group page (about, rules, pinned, posts sorted new/active/top, join button, composer) and its members."""
from __future__ import annotations

from typing import Any

from aiohttp import web
from tortoise.expressions import RawSQL

from federation.actions import ActionError, StatusInput
from federation.content import render_text
from federation import audience
from federation.people.personal_filters import hidden_among
from federation.community.members_tags import tags_beside_posts
from federation.community import subgroups_access
from federation.community.subgroups import listed_subgroups
from federation.community.tag_posts import chosen_tag
from federation.community.essentials_teaser import start_here_teaser
from federation.groups.admin import rule_lines
from federation.community.joining_dm import take_welcome
from models.actors import Actor
from models.follows import ACCEPTED, PENDING, Follow
from models.groups import OWNER, GroupMute, GroupProfile, GroupRole
from models.posts import Post
from web import app_keys as keys
from web.negotiation import page_number
from web.pages.activity_answers import filtered, unanswered_filter
from web.pages.community_common import (
    composer_extras, flash, follow_state, post_stats, publish_composed, read_form, see_other, text_field, viewer_of,
)
from web.sessions import require_user
from web.visits import previous_visit
from web.templating import gettext, render_page

PAGE_SIZE = 20
MEMBERS_PAGE_SIZE = 50
MAX_TITLE = 300
SORTS = ("new", "active", "top")
# Latest direct reply (or the post itself), and likes minus dislikes; "post" is the outer query's table.
LAST_ACTIVITY = RawSQL(
    'COALESCE((SELECT MAX(r.published) FROM post r WHERE r.in_reply_to_id = "post"."id" '
    'AND r.deleted_at IS NULL AND r.removed_at IS NULL), "post"."published")'
)
SCORE = RawSQL(
    "(SELECT COALESCE(SUM(CASE WHEN i.kind = 'like' THEN 1 WHEN i.kind = 'dislike' THEN -1 ELSE 0 END), 0) "
    'FROM interaction i WHERE i.post_id = "post"."id")'
)


async def local_group(request: web.Request) -> Actor:
    group = await Actor.filter(type="Group", is_local=True, deleted_at=None,
                               group_name=request.match_info["name"].lower()).first()
    if group is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such group here."))
    return group


def _sorted(query: Any, sort: str) -> Any:
    if sort == "active":
        return query.annotate(last_activity=LAST_ACTIVITY).order_by("-last_activity", "-id")
    if sort == "top":
        return query.annotate(score=SCORE).order_by("-score", "-published", "-id")
    return query.order_by("-published", "-id")


def _page_url(group: Actor, sort: str, page: int, post_filter: str = "", tag: str = "") -> str:
    params = [f"sort={sort}"] if sort != "new" else []
    if post_filter:  # Q&A: ?filter=unanswered (web/pages/activity_answers.py)
        params.append(f"filter={post_filter}")
    if tag:  # posts by members holding a member tag (federation/community/tag_posts.py)
        params.append(f"tag={tag}")
    if page > 1:
        params.append(f"page={page}")
    return f"/groups/{group.group_name}" + ("?" + "&".join(params) if params else "")


async def group_header(request: web.Request, group: Actor, seen_by: audience.Viewer) -> dict[str, Any]:
    """What the group's header and tabs show on each of its pages (and its activities' tabs)."""
    viewer = viewer_of(request)
    moderator = await audience.is_group_moderator(group, seen_by)
    return {
        "group": group, "moderator": moderator, "state": await follow_state(viewer, group),
        "members": await Follow.filter(target=group, state=ACCEPTED).count(),
        "pending": await Follow.filter(target=group, state=PENDING).count() if moderator else 0,
        **await subgroups_access.header_facts(group),  # a sub-group names its parent
    }


async def _about(request: web.Request, group: Actor) -> dict[str, Any]:
    """About, rules and moderators: the sidebar on wide screens, the About tab on narrow ones."""
    profile = await GroupProfile.filter(group=group).first()
    description = profile.description if profile else ""
    roles = sorted(await GroupRole.filter(group=group).prefetch_related("actor"),
                   key=lambda role: (role.role != OWNER, role.id))
    return {
        "about": render_text(description, mention_urls={}, tag_url=request.app[keys.FEDERATION].urls.tag)
        if description.strip() else "",
        "rules": rule_lines(profile.rules if profile else ""), "roles": roles,
        "subgroups": await listed_subgroups(group, audience.viewer_of(viewer_of(request))),
    }


async def group_page(request: web.Request, group: Actor, *, error: str = "", form: dict[str, str] | None = None,
                     status: int = 200) -> web.StreamResponse:
    """What a browser sees at /groups/{name}; ActivityPub clients get the actor document instead."""
    viewer = viewer_of(request)
    seen_by = audience.viewer_of(viewer)
    readable = await audience.may_see_group_content(group, seen_by)
    header = await group_header(request, group, seen_by)
    sort = request.query.get("sort", "new") if request.query.get("sort") in SORTS else "new"
    post_filter = unanswered_filter(request)
    page = page_number(request) or 1
    pinned: list[Post] = []
    posts: list[Post] = []
    more = False
    since = None
    tag = await chosen_tag(group, request.query.get("tag")) if readable else None
    if readable:
        base = Post.filter(audience.visible_posts(seen_by), group=group, in_reply_to_uri=None, removed_at=None)
        base = filtered(base, post_filter)
        if tag is not None:  # narrows the audience's query, never widens it
            base = base.filter(tag.authors)
        if page == 1:
            pinned = await base.filter(pinned_at__not_isnull=True).order_by("-pinned_at").prefetch_related("author")
        rows = await _sorted(base.filter(pinned_at=None), sort).offset((page - 1) * PAGE_SIZE).limit(
            PAGE_SIZE + 1).prefetch_related("author")
        posts, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
        if viewer is not None:
            since = await previous_visit(viewer, group)
    # New since the last visit: threads others started after it.
    unread: set[int] = set()
    if since is not None and viewer is not None:
        unread = {post.id for post in pinned + posts if post.published > since and post.author_id != viewer.id}
    return render_page(
        request, "community/group.html", status=status, readable=readable, **header, **await _about(request, group),
        pinned=pinned, posts=posts, stats=await post_stats(pinned + posts, viewer), sort=sort, sorts=SORTS,
        can_post=viewer is not None and (header["moderator"] or not group.posting_restricted_to_mods),
        unread=unread, since=since if unread else None,
        next_url=_page_url(group, sort, page + 1, post_filter, tag.code if tag else "") if more else None,
        previous_url=_page_url(group, sort, page - 1, post_filter, tag.code if tag else "") if page > 1 else None,
        post_filter=post_filter, chosen_tag=tag,
        # blocked and muted: folded rows (federation/people)
        hidden_authors=await hidden_among(viewer, [post.author_id for post in pinned + posts]),
        start_here=await start_here_teaser(group, viewer) if readable and page == 1 and not tag else [],
        form=form or {}, error=error, flash=flash(request),
        welcome=await take_welcome(viewer, group, request.app[keys.FEDERATION].urls.tag),  # once, after joining
        member_tags=await tags_beside_posts(group, [p.author_id for p in pinned + posts]) if readable else {},
    )


async def about_page(request: web.Request) -> web.StreamResponse:
    """The About tab: what the sidebar shows on wide screens, for narrow ones (and anyone who links it)."""
    group = await local_group(request)
    header = await group_header(request, group, audience.viewer_of(viewer_of(request)))
    return render_page(request, "community/group_about.html", **header, **await _about(request, group))


async def create_post(request: web.Request) -> web.StreamResponse:
    """The composer: a titled post (a Page, as Lemmy shows it) in the group, or held for the moderators."""
    user = require_user(request)
    group = await local_group(request)
    form = await read_form(request)
    values = {"title": text_field(form, "title", MAX_TITLE), "body": text_field(form, "body"),
              "spoiler_text": text_field(form, "spoiler_text", 500)}
    if not values["title"]:
        return await group_page(request, group, error=gettext(request, "Give your post a title."), form=values,
                                status=422)
    try:
        data = StatusInput(text=values["body"] or values["title"], group=group, title=values["title"],
                           spoiler_text=values["spoiler_text"], **await composer_extras(request, form))
        post = await publish_composed(request, user, data)
    except ActionError as exc:
        return await group_page(request, group, error=gettext(request, str(exc)), form=values, status=exc.status)
    if post.group_id != group.id:
        raise see_other(f"/groups/{group.group_name}", "held")
    raise see_other(f"/threads/{post.id}", "posted")


async def members_page(request: web.Request) -> web.StreamResponse:
    """Members with their roles; in a private group only members and moderators see who is in it."""
    group = await local_group(request)
    viewer = viewer_of(request)
    seen_by = audience.viewer_of(viewer)
    if not await audience.may_see_group_content(group, seen_by):
        raise web.HTTPForbidden(text=gettext(request, "Only members see who is in a private group."))
    header = await group_header(request, group, seen_by)
    page = page_number(request) or 1
    rows = await (Follow.filter(target=group, state=ACCEPTED).order_by("id")
                  .offset((page - 1) * MEMBERS_PAGE_SIZE).limit(MEMBERS_PAGE_SIZE + 1).prefetch_related("follower"))
    follows = rows[:MEMBERS_PAGE_SIZE]
    roles = {role.actor_id: role.role for role in await GroupRole.filter(group=group)}
    muted: set[int] = set()
    if header["moderator"]:
        muted = set(await GroupMute.filter(group=group).values_list("actor_id", flat=True))
    base = f"/groups/{group.group_name}/members"
    return render_page(
        request, "community/members.html", **header, member_list=[f.follower for f in follows], roles=roles,
        muted=muted, member_tags=await tags_beside_posts(group, [f.follower_id for f in follows]),
        total=header["members"], joined={f.follower_id: f.accepted_at or f.created_at for f in follows},
        next_url=f"{base}?page={page + 1}" if len(rows) > MEMBERS_PAGE_SIZE else None,
        previous_url=(f"{base}?page={page - 1}" if page > 2 else base) if page > 1 else None,
    )


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/groups/{name}/members", members_page, name="group_members")
    r.add_get("/groups/{name}/about", about_page, name="group_about")
    r.add_post("/groups/{name}/posts", create_post, name="group_post")
