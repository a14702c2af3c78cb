"""Community pages: the home timeline, explore (directory, remote lookup, trending tags), hashtags,
following and joining, and /authorize_interaction. Groups, threads and profiles live in sibling modules,
all registered here."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web
from tortoise.expressions import Q

from federation import actions, audience, timelines
from federation.people.personal_filters import hidden_q
from federation.community.subgroups_access import missing_parent_membership
from federation.community.joining import requirements as joining_requirements
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.posts import Post
from web import app_keys as keys
from web.negotiation import page_number
from web.pages import community_groups, community_profiles, community_threads
from web.pages.home_entries import home_entries
from web.pages.promotions import promoted_slot
from web.pages.community_common import (
    COMPOSER_HOOKS, FOLLOWING, LookupFailed, actor_path, blurbs, composer_defaults, flash, follow_state,
    follower_counts, lookup_actor, post_stats, read_form, see_other, viewer_of,
)
from web.sessions import require_user
from web.templating import gettext, render_page, safe_next

HOME_PAGE_SIZE = 20
DIRECTORY_PAGE_SIZE = 24
DIRECTORY_TYPES = {"group": "Group", "page": "Service"}
TRENDING_DAYS = 7
TRENDING_SCAN = 5000
TAG_SCAN = 2000
TAG_PAGE_SIZE = 40


# --- home ---------------------------------------------------------------------------------------


async def home_page(request: web.Request) -> web.StreamResponse:
    """Followed people and pages, joined groups and the user's own posts, newest first."""
    user = require_user(request)
    follows = await Follow.filter(follower=user, state=ACCEPTED).prefetch_related("target")
    # Whom to follow is the timeline's choice (federation/timelines.py); who may see each post is the audience's.
    # Boosts by those followed come as entries of their own, at the boost's time (web/pages/home_entries.py).
    before = request.query.get("before", "")
    entries, more = await home_entries(user, before, HOME_PAGE_SIZE)
    posts = [entry.post for entry in entries]
    groups = [f.target for f in follows if f.target.type == "Group"]
    return render_page(
        request, "community/home.html", posts=posts, stats=await post_stats(posts, user), groups=groups,
        boosters=[entry.booster for entry in entries],
        next_url=f"/home?before={entries[-1].cursor}" if more else None, flash=flash(request),
        promoted=await promoted_slot(request) if posts and not before else None,
        # The composer starts on the person's default audience (federation/people/posting_defaults.py).
        visibilities=community_profiles.COMPOSER_VISIBILITIES, default_visibility=composer_defaults(request, user).visibility,
    )


# --- explore ------------------------------------------------------------------------------------


def _explore_url(params: dict[str, str], page: int) -> str:
    query = {k: v for k, v in params.items() if v}
    if page > 1:
        query["page"] = str(page)
    return "/explore" + ("?" + urlencode(query) if query else "")


async def explore_page(request: web.Request) -> web.StreamResponse:
    viewer = viewer_of(request)
    q = request.query.get("q", "").strip()[:100]
    category = request.query.get("category", "").strip()[:100]
    kind = request.query.get("type", "")
    page = page_number(request) or 1
    listed = Actor.filter(is_local=True, deleted_at=None, discoverable=True, type__in=list(DIRECTORY_TYPES.values()))
    query = listed
    if q:
        query = query.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    if category:
        query = query.filter(category=category)
    if kind in DIRECTORY_TYPES:
        query = query.filter(type=DIRECTORY_TYPES[kind])
    offset = (page - 1) * DIRECTORY_PAGE_SIZE
    rows = await query.order_by("username", "id").offset(offset).limit(DIRECTORY_PAGE_SIZE + 1)
    entries = rows[:DIRECTORY_PAGE_SIZE]
    ids = [actor.id for actor in entries]
    states: dict[int, str] = {}
    if viewer is not None and ids:
        for follow in await Follow.filter(follower=viewer, target_id__in=ids):
            states[follow.target_id] = FOLLOWING if follow.state == ACCEPTED else "pending"
    categories = sorted(set(await listed.filter(category__not_isnull=True).exclude(category="")
                            .values_list("category", flat=True)))
    params = {"q": q, "category": category, "type": kind if kind in DIRECTORY_TYPES else ""}
    lookup = await _lookup(request)
    return render_page(
        request, "community/explore.html", q=q, category=category, kind=params["type"], categories=categories,
        entries=entries, counts=await follower_counts(ids), states=states, trending=await trending_tags(),
        blurbs=await blurbs(entries + ([lookup["found"]] if lookup["found"] else [])),
        next_url=_explore_url(params, page + 1) if len(rows) > DIRECTORY_PAGE_SIZE else None,
        previous_url=_explore_url(params, page - 1) if page > 1 else None, flash=flash(request), **lookup,
        promoted=await promoted_slot(request),
    )


async def _lookup(request: web.Request) -> dict[str, Any]:
    """The remote lookup: only for signed-in people, so visitors cannot make this server fetch for them."""
    handle = request.query.get("handle", "").strip()[:300]
    found, state, error, detail = None, "none", "", ""
    if handle and viewer_of(request) is None:
        error = gettext(request, "Sign in to look up accounts on other servers.")
    elif handle:
        try:
            found = await lookup_actor(request, handle)
        except LookupFailed as exc:
            error, detail = _not_found(request, handle), str(exc)
        else:
            state = await follow_state(viewer_of(request), found)
    return {"handle": handle, "found": found, "found_state": state, "found_path": actor_path(found) if found else "",
            "lookup_error": error, "lookup_detail": detail}


def _not_found(request: web.Request, handle: str) -> str:
    return gettext(request, "Nobody was found at %(handle)s. Check the spelling, or try again later if their "
                            "server is down.", handle=handle)


_hashtags = timelines.hashtags_of


async def trending_tags(limit: int = 10) -> list[tuple[str, int]]:
    """Hashtags of the last week's public posts, by how many posts use each."""
    since = datetime.now(timezone.utc) - timedelta(days=TRENDING_DAYS)
    rows = (
        await Post.filter(audience.listed_posts(audience.ANONYMOUS), published__gte=since, visibility="public")
        .order_by("-published").limit(TRENDING_SCAN).values_list("tags", flat=True)
    )
    counter: Counter[str] = Counter()
    for tags in rows:
        counter.update(_hashtags(tags))
    return counter.most_common(limit)


async def tag_page(request: web.Request) -> web.StreamResponse:
    """Recent public posts with a hashtag (the links in post content point here)."""
    tag = request.match_info["tag"].lower()
    rows = (
        await Post.filter(audience.listed_posts(audience.ANONYMOUS), visibility="public")
        .order_by("-published", "-id").limit(TAG_SCAN).values("id", "tags")
    )
    ids = [row["id"] for row in rows if tag in _hashtags(row["tags"])][:TAG_PAGE_SIZE]
    # Blocked and muted accounts stay out (federation/people/personal_filters.py).
    posts = await Post.filter(hidden_q(viewer_of(request)), id__in=ids).order_by("-published", "-id") \
        .prefetch_related("author", "group")
    return render_page(request, "community/tag.html", tag=tag, posts=posts,
                       stats=await post_stats(posts, viewer_of(request)))


# --- following and joining ----------------------------------------------------------------------


async def _target(request: web.Request) -> Actor:
    raw = request.match_info["actor_id"]
    target = await Actor.filter(id=int(raw), deleted_at=None).first() if raw.isdigit() else None
    if target is None or target.type == "Application":
        raise web.HTTPNotFound(text=gettext(request, "There is nobody like that here."))
    return target


async def follow_actor(request: web.Request) -> web.StreamResponse:
    """Follow a person or page, or join a group (a request when it approves members by hand)."""
    user = require_user(request)
    target = await _target(request)
    form = await read_form(request)
    if target.id == user.id:
        raise web.HTTPUnprocessableEntity(text=gettext(request, "You cannot follow yourself."))
    needed_parent = await missing_parent_membership(target, user)  # a sub-group for its parent's members only
    if needed_parent is not None:
        raise web.HTTPForbidden(text=gettext(
            request, "Only members of %(group)s can join this sub-group. Join %(group)s first, then come back.",
            group=needed_parent.display_name or needed_parent.username))
    if target.type == "Group" and target.is_local and (await joining_requirements(target)).any:
        raise web.HTTPSeeOther(f"/groups/{target.group_name}/join")  # its questions and rules come first
    follow = await actions.follow(request.app[keys.FEDERATION], user, target)
    if follow is None and target.type != "Group":  # they blocked you (federation/people/blocks.py)
        raise web.HTTPForbidden(text=gettext(request, "You cannot follow this account."))
    if follow is None:
        raise web.HTTPForbidden(text=gettext(request, "You are banned from this group."))
    accepted = follow.state == ACCEPTED
    if target.type == "Group":
        notice = "joined" if accepted else "requested"
    else:
        notice = "followed" if accepted else "follow_requested"
    raise see_other(safe_next(str(form.get("next", "")), actor_path(target) or "/home"), notice)


async def unfollow_actor(request: web.Request) -> web.StreamResponse:
    """Unfollow, leave a group, or withdraw a pending request."""
    user = require_user(request)
    target = await _target(request)
    form = await read_form(request)
    await actions.unfollow(request.app[keys.FEDERATION], user, target)
    notice = "left" if target.type == "Group" else "unfollowed"
    raise see_other(safe_next(str(form.get("next", "")), actor_path(target) or "/home"), notice)


async def authorize_interaction(request: web.Request) -> web.StreamResponse:
    """Where other servers send people to follow from here (the WebFinger subscribe template)."""
    uri = request.query.get("uri", "").strip()[:2048]
    if viewer_of(request) is None:
        raise web.HTTPSeeOther("/login?next=" + quote(request.path_qs, safe="/"))
    found, error, detail = None, "", ""
    if uri:
        try:
            found = await lookup_actor(request, uri)
        except LookupFailed as exc:
            error, detail = _not_found(request, uri), str(exc)
    state = await follow_state(viewer_of(request), found) if found else "none"
    return render_page(request, "community/authorize.html", uri=uri, found=found, found_state=state,
                       blurbs=await blurbs([found] if found else []),
                       found_path=actor_path(found) if found else "", error=error, detail=detail,
                       status=404 if error else 200, flash=flash(request))


def setup(app: web.Application) -> None:
    if COMPOSER_HOOKS not in app:
        app[COMPOSER_HOOKS] = []
    r = app.router
    r.add_get("/home", home_page, name="home_timeline")
    r.add_get("/explore", explore_page, name="explore")
    r.add_get("/tags/{tag}", tag_page, name="tag")
    r.add_post("/actors/{actor_id}/follow", follow_actor, name="follow_actor")
    r.add_post("/actors/{actor_id}/unfollow", unfollow_actor, name="unfollow_actor")
    r.add_get("/authorize_interaction", authorize_interaction, name="authorize_interaction")
    community_groups.setup(app)
    community_threads.setup(app)
    community_profiles.setup(app)
