"""Profiles of people and pages: posts, contact details, following (here or from Mastodon), posting as a
page, and a page's co-admins."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from aiohttp import web
from tortoise.expressions import Q

from federation import audience
from federation.people.personal_filters import relationship_flags
from federation.actions import ActionError, StatusInput
from federation.local_actors import PAGE_OWNER, PageRoleError, can_act_as, set_page_admin
from federation.resolve import ResolveError, parse_handle, scheme_for
from federation.vocab import APPLICATION, PERSON, SERVICE
from models.actors import Actor, PageRole
from models.follows import ACCEPTED, Follow
from models.posts import Post
from web import app_keys as keys
from web.pages.community_common import (
    composer_defaults, composer_extras, flash, publish_composed, follow_state, post_stats, read_form, see_other,
    text_field, viewer_of,
)
from web.sessions import require_user
from web.templating import gettext, render_page, safe_next

PAGE_SIZE = 20
MAX_GROUPS_SHOWN = 12
COMPOSER_VISIBILITIES = ("public", "unlisted", "private")
# A host name or [IPv6] address, with an optional port: nothing that could change the URL we build.
HOST_PATTERN = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]+(?::\d{1,5})?$|^\[[0-9a-f:.]+\](?::\d{1,5})?$"
)
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _contact(field: Any) -> dict[str, str] | None:
    """A profile field to show: name, value and a link when the value is a web address or an email."""
    if not isinstance(field, dict):
        return None
    name, value = str(field.get("name", "")), str(field.get("value", ""))
    href = ""
    if re.match(r"^https?://\S+$", value):
        href = value
    elif EMAIL_PATTERN.match(value):
        href = f"mailto:{value}"
    return {"name": name, "value": value, "href": href}


async def profile_actor(request: web.Request) -> Actor:
    actor = await Actor.filter(local_name=request.match_info["name"].lower(), is_local=True, deleted_at=None).first()
    if actor is None or actor.type == APPLICATION:
        raise web.HTTPNotFound(text=gettext(request, "There is no such profile here."))
    return actor


async def profile_page(request: web.Request, actor: Actor, *, errors: dict[str, str] | None = None,
                       form: dict[str, str] | None = None, status: int = 200) -> web.StreamResponse:
    """What a browser sees at /@name (and /users/name, /pages/name)."""
    viewer = viewer_of(request)
    # What this viewer may see of the author's threads (a follower sees followers-only ones too).
    query = Post.filter(audience.visible_posts(audience.viewer_of(viewer)), author=actor, removed_at=None,
                        in_reply_to_uri=None).exclude(visibility="direct")
    before = request.query.get("before", "")
    if before.isdigit():
        cursor = await Post.filter(id=int(before), author=actor).first()
        if cursor is not None:
            query = query.filter(Q(published__lt=cursor.published) | Q(published=cursor.published, id__lt=cursor.id))
    rows = await query.order_by("-published", "-id").limit(PAGE_SIZE + 1).prefetch_related("group")
    posts = rows[:PAGE_SIZE]
    for post in posts:
        post.author = actor
    can_post = viewer is not None and await can_act_as(viewer, actor)
    roles: list[PageRole] = []
    if actor.type == SERVICE and can_post:
        roles = sorted(await PageRole.filter(page=actor).prefetch_related("user"),
                       key=lambda role: (role.role != PAGE_OWNER, role.id))
    # The public groups a person is in (a private group's members are for its members to see).
    memberships = await Follow.filter(follower=actor, state=ACCEPTED, target__type="Group",
                                      target__manually_approves=False, target__deleted_at=None) \
        .order_by("-id").limit(MAX_GROUPS_SHOWN).prefetch_related("target")
    return render_page(
        request, "community/profile.html", status=status, actor=actor, posts=posts,
        groups=[follow.target for follow in memberships],
        stats=await post_stats(posts, viewer),
        next_url=f"/@{actor.local_name}?before={posts[-1].id}" if len(rows) > PAGE_SIZE else None,
        followers=await Follow.filter(target=actor, state=ACCEPTED).count(),
        contacts=[c for c in map(_contact, actor.profile_fields or []) if c], state=await follow_state(viewer, actor),
        handle=f"@{actor.username}@{actor.domain}", can_post=can_post, roles=roles,
        is_owner=viewer is not None and any(r.user_id == viewer.id and r.role == PAGE_OWNER for r in roles),
        visibilities=COMPOSER_VISIBILITIES, default_visibility=composer_defaults(request, actor).visibility,
        errors=errors or {}, form=form or {}, flash=flash(request),
        personal=(await relationship_flags(viewer, [actor.id]))[actor.id] if viewer else {},  # blocks, mutes
    )


async def remote_follow(request: web.Request) -> web.StreamResponse:
    """Follow from Mastodon: send the visitor to their own server, which asks them to confirm."""
    actor = await profile_actor(request)
    form = await read_form(request)
    handle = text_field(form, "handle", 300)
    try:
        _, host = parse_handle(handle)
    except ResolveError:
        host = ""
    if not HOST_PATTERN.match(host):
        message = gettext(request, "Type your own handle, like @you@mastodon.social.")
        return await profile_page(request, actor, errors={"remote": message}, form={"handle": handle}, status=422)
    ctx = request.app[keys.FEDERATION]
    server = ctx.base_url if host == ctx.host else f"{scheme_for(host, ctx.allow_private_addresses)}://{host}"
    raise web.HTTPSeeOther(f"{server}/authorize_interaction?uri={quote(actor.uri, safe='')}")


async def post_as(request: web.Request) -> web.StreamResponse:
    """The composer on a profile: a user posts as themselves, a page's admins post as the page."""
    user = require_user(request)
    actor = await profile_actor(request)
    if not await can_act_as(user, actor):
        raise web.HTTPForbidden(text=gettext(request, "Only the page's admins can post as the page."))
    form = await read_form(request)
    # What the form leaves out (a composer without the choice), the posting defaults give.
    defaults = composer_defaults(request, actor)
    visibility = str(form.get("visibility", defaults.visibility))
    values = {"body": text_field(form, "body"), "spoiler_text": text_field(form, "spoiler_text", 500),
              "visibility": visibility if visibility in COMPOSER_VISIBILITIES else defaults.visibility}
    try:
        extras = await composer_extras(request, form)
        if not values["body"] and not extras.get("attachments") and not extras.get("poll"):  # a poll is content
            raise ActionError(gettext(request, "Write something to post."))
        data = StatusInput(text=values["body"], visibility=values["visibility"],
                           spoiler_text=values["spoiler_text"], sensitive=defaults.sensitive,
                           language=defaults.language, **extras)
        await publish_composed(request, actor, data)
    except ActionError as exc:
        return await profile_page(request, actor, errors={"compose": gettext(request, str(exc))}, form=values,
                                  status=exc.status)
    raise see_other(safe_next(str(form.get("next", "")), f"/@{actor.local_name}"), "posted")


async def _change_admin(request: web.Request, page: Actor, owner: Actor, user: Actor | None, added: bool,
                        name: str) -> web.StreamResponse:
    if user is None:
        return await profile_page(request, page, form={"admin_name": name}, status=422, errors={
            "admins": gettext(request, "Nobody here is called %(name)s.", name=name)})
    try:
        await set_page_admin(page, owner, user, added)
    except PageRoleError as exc:
        if exc.status == 403:
            raise web.HTTPForbidden(text=gettext(request, str(exc))) from None
        return await profile_page(request, page, errors={"admins": gettext(request, str(exc))},
                                  form={"admin_name": name}, status=exc.status)
    raise see_other(f"/@{page.local_name}#co-admins", "admin_added" if added else "admin_removed")


async def add_admin(request: web.Request) -> web.StreamResponse:
    owner = require_user(request)
    page = await profile_actor(request)
    form = await read_form(request)
    name = text_field(form, "admin_name", 100).lstrip("@").lower()
    user = await Actor.filter(local_name=name, type=PERSON, is_local=True, deleted_at=None).first() if name else None
    return await _change_admin(request, page, owner, user, True, name)


async def remove_admin(request: web.Request) -> web.StreamResponse:
    owner = require_user(request)
    page = await profile_actor(request)
    raw = request.match_info["user_id"]
    user = await Actor.filter(id=int(raw)).first() if raw.isdigit() else None
    return await _change_admin(request, page, owner, user, False, raw)


def setup(app: web.Application) -> None:
    r = app.router
    r.add_post("/@{name}/remote_follow", remote_follow, name="remote_follow")
    r.add_post("/@{name}/posts", post_as, name="profile_post")
    r.add_post("/@{name}/admins", add_admin, name="page_admin_add")
    r.add_post("/@{name}/admins/{user_id}/remove", remove_admin, name="page_admin_remove")
