"""The thread page: a post with its nested replies, reply forms, likes, and inline moderator actions."""
from __future__ import annotations

from typing import Awaitable, Callable

from aiohttp import web

from federation import actions, audience
from federation.people.personal_filters import hidden_among
from federation.people.posting_defaults import narrowest
from federation.actions import ActionError, StatusInput
from federation.actions.boosts import boost, unboost
from federation.community.members_tags import tags_beside_posts
from federation.context import FederationContext
from federation.groups import moderation
from federation.groups.intake import thread_root
from federation.reports import create_report
from models.actors import Actor
from models.posts import Post
from web import app_keys as keys
from web.activity_panels import thread_panels
from web.api.group_lookup import http_error
from web.pages.page_insights import count_post_view
from web.pages.deleted_threads import deleted_thread
from web.pages.community_common import (
    VisiblePost, composer_defaults, composer_extras, flash, publish_composed, post_stats, read_form, see_other, text_field,
    viewer_of, visible_post,
)
from web.sessions import require_user
from web.templating import gettext, render_page, safe_next
from web.threads import flatten, reply_tree

MAX_REASON = 1000


async def _thread_view(request: web.Request, *, error: str = "", form: dict[str, str] | None = None,
                       status: int = 200) -> web.StreamResponse:
    found = await visible_post(request, request.match_info["post_id"])
    post, group, moderator = found.post, found.group, found.moderator
    viewer = viewer_of(request)
    seen_by = audience.viewer_of(viewer)
    # Moderators see removed replies in place, to restore them.
    tree = await reply_tree(post, seen_by, removed=moderator, deleted=True)
    locked = (await thread_root(post)).locked_at is not None
    parent = await Post.filter(audience.visible_posts(seen_by), id=post.in_reply_to_id).first() \
        if post.in_reply_to_id else None
    return render_page(
        request, "community/thread.html", status=status, post=post, group=group, tree=tree, moderator=moderator,
        stats=await post_stats([post, *flatten(tree)], viewer), locked=locked, parent=parent,
        can_reply=viewer is not None and (not locked or moderator), thread_path=f"/threads/{post.id}",
        error=error, form=form or {}, flash=flash(request), panels=await thread_panels(request, post, viewer),
        member_tags=await tags_beside_posts(group, [p.author_id for p in [post, *flatten(tree)]]),
        # blocked and muted: folded replies (federation/people)
        hidden_authors=await hidden_among(viewer, [p.author_id for p in [post, *flatten(tree)]]),
    )


async def thread_page(request: web.Request) -> web.StreamResponse:
    if (gone := await deleted_thread(request)) is not None:
        return gone  # a deleted post whose replies keep their place (web/pages/deleted_threads.py)
    response = await _thread_view(request)
    await count_post_view(request)  # a local view of a page's post (page insights: counts only)
    return response


def _back(form_next: object, post: Post) -> str:
    back = safe_next(str(form_next or ""), f"/threads/{post.id}")
    return back if "#" in back else f"{back}#post-{post.id}"


async def reply(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    found = await visible_post(request, request.match_info["post_id"])
    form = await read_form(request)
    values = {"body": text_field(form, "body"), "spoiler_text": text_field(form, "spoiler_text", 500)}
    parent = found.post
    # A reply keeps a narrow audience narrow, and is never wider than the person's default either (as Mastodon's
    # composer); a group decides its own addressing.
    defaults = composer_defaults(request, user)
    visibility = narrowest(parent.visibility if parent.visibility in ("private", "direct") else "public",
                           defaults.visibility)
    try:
        extras = await composer_extras(request, form)
        if not values["body"] and not extras.get("attachments"):
            raise ActionError(gettext(request, "Write something to reply."))
        data = StatusInput(text=values["body"], in_reply_to=parent, spoiler_text=values["spoiler_text"],
                           visibility=visibility, sensitive=defaults.sensitive, language=defaults.language, **extras)
        post = await publish_composed(request, user, data)
    except ActionError as exc:
        return await _thread_view(request, error=gettext(request, str(exc)), form=values, status=exc.status)
    back = safe_next(str(form.get("next", "")), f"/threads/{parent.id}").partition("#")[0]
    if found.group is not None and post.group_id != found.group.id:
        raise see_other(back, "held")
    raise see_other(f"{back}#post-{post.id}", "posted")


async def interact(request: web.Request) -> web.StreamResponse:
    """Like, unlike, boost or unboost a post from its thread, then back to where the button was."""
    user = require_user(request)
    found = await visible_post(request, request.match_info["post_id"])
    form = await read_form(request)
    ctx = request.app[keys.FEDERATION]
    action = request.match_info["action"]
    if action == "like":
        await actions.like(ctx, user, found.post)
    elif action == "unlike":
        await actions.unlike(ctx, user, found.post)
    elif action == "boost":
        try:
            await boost(ctx, user, found.post)
        except ActionError:
            raise see_other(_back(form.get("next"), found.post)) from None  # the button is only on boostable posts
    else:
        await unboost(ctx, user, found.post)
    raise see_other(_back(form.get("next"), found.post))


async def report(request: web.Request) -> web.StreamResponse:
    """Report a post: to its group's moderators, or the server's admins; optionally also to the author's server."""
    user = require_user(request)
    found = await visible_post(request, request.match_info["post_id"])
    form = await read_form(request)
    if found.post.author_id == user.id:
        raise web.HTTPUnprocessableEntity(text=gettext(request, "You cannot report your own post."))
    try:
        await create_report(request.app[keys.FEDERATION], user, found.post.author, [found.post],
                            text_field(form, "comment", MAX_REASON), forward=bool(form.get("forward")))
    except ActionError as exc:
        raise http_error(exc) from None
    raise see_other(_back(form.get("next"), found.post), "reported")


# --- moderator actions: each calls federation/groups/moderation.py, which checks the role and logs it --------

ModAction = Callable[[FederationContext, Actor, VisiblePost, str], Awaitable[None]]


def _group_of(found: VisiblePost) -> Actor:
    if found.group is None:
        raise ActionError("this post is not in a group", status=422)
    return found.group


async def _ban(ctx: FederationContext, user: Actor, found: VisiblePost, reason: str) -> None:
    await moderation.ban_member(ctx, user, _group_of(found), found.post.author, reason=reason)


async def _mute(ctx: FederationContext, user: Actor, found: VisiblePost, reason: str) -> None:
    await moderation.mute_member(ctx, user, _group_of(found), found.post.author, reason=reason)


MOD_ACTIONS: dict[str, ModAction] = {
    "remove": lambda ctx, user, found, reason: moderation.remove_post(ctx, user, found.post, reason),
    "restore": lambda ctx, user, found, reason: moderation.remove_post(ctx, user, found.post, reason, restore=True),
    "lock": lambda ctx, user, found, reason: moderation.lock_post(ctx, user, found.post, reason, locked=True),
    "unlock": lambda ctx, user, found, reason: moderation.lock_post(ctx, user, found.post, reason, locked=False),
    "pin": lambda ctx, user, found, reason: moderation.pin_post(ctx, user, found.post, True, reason=reason),
    "unpin": lambda ctx, user, found, reason: moderation.pin_post(ctx, user, found.post, False, reason=reason),
    "ban": _ban,
    "mute": _mute,
}


async def moderate(request: web.Request) -> web.StreamResponse:
    """A moderator's action on a post or its author; the domain functions refuse anyone else (403)."""
    user = require_user(request)
    found = await visible_post(request, request.match_info["post_id"], removed_ok=True)
    form = await read_form(request)
    reason = text_field(form, "reason", MAX_REASON)
    try:
        await MOD_ACTIONS[request.match_info["action"]](request.app[keys.FEDERATION], user, found, reason)
    except ActionError as exc:
        raise http_error(exc) from None
    raise see_other(_back(form.get("next"), found.post), "moderated")


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/threads/{post_id}", thread_page, name="thread")
    r.add_post("/threads/{post_id}/reply", reply, name="thread_reply")
    r.add_post("/threads/{post_id}/{action:like|unlike|boost|unboost}", interact, name="thread_like")
    r.add_post("/threads/{post_id}/report", report, name="thread_report")
    r.add_post("/threads/{post_id}/moderate/{action:" + "|".join(MOD_ACTIONS) + "}", moderate,
               name="thread_moderate")
