"""What the community pages share: notices after a redirect, post counts, follow state, finding actors and posts."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl, urlencode

from aiohttp import web
from multidict import MultiDict, MultiDictProxy
from tortoise.expressions import Q
from tortoise.functions import Count

from federation import actions
from federation.actions import StatusInput
from federation.content import html_to_text
from federation.people.posting_defaults import PUBLIC_DEFAULTS, PostingDefaults, defaults_of
from federation.protocol.json_body import storable_text
from federation import audience
from federation.http import FetchError
from federation.protocol.common import ProtocolError
from federation.resolve import ResolveError, get_actor, parse_handle, resolve_handle
from federation.vocab import APPLICATION
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.groups import GroupProfile
from models.posts import ANNOUNCE, DISLIKE, LIKE, Interaction, Post
from web import app_keys as keys
from web import request_keys as rk
from web.templating import gettext

def N_(message: str) -> str:
    """Marks a message for extraction (babel.cfg); it is translated where it is shown."""
    return message


# Messages shown after a form redirects back (?notice=key): known keys only, so a link cannot inject text.
NOTICES = {
    "posted": N_("Posted."),
    "held": N_("Your post is waiting for a moderator's review."),
    "joined": N_("You joined the group."),
    "requested": N_("Your request to join was sent. A moderator will review it."),
    "followed": N_("You follow them now."),
    "follow_requested": N_("Your follow request was sent. It shows as pending until they answer."),
    "left": N_("You left the group."),
    "unfollowed": N_("You no longer follow them."),
    "moderated": N_("Done. The moderation log records it."),
    "reported": N_("Thank you. The moderators will look at your report."),
    "admin_added": N_("Co-admin added."),
    "admin_removed": N_("Co-admin removed."),
    "group_saved": N_("The group's settings are saved."),
    "page_saved": N_("The page is saved."),
    "post_edited": N_("Your post is updated."),
    "voted": N_("Your vote is counted."),  # polls (web/pages/activity_polls.py)
    # Q&A (web/pages/activity_answers.py)
    "answer_accepted": N_("Marked as the accepted answer."),
    "answer_unaccepted": N_("The question has no accepted answer now."),
    # personal blocks and mutes (web/pages/personal_blocks.py)
    "blocked": N_("Blocked. You will no longer see their posts, and they can no longer follow you."),
    "unblocked": N_("Unblocked."),
    "muted": N_("Muted. Their posts stay out of your timelines."),
    "unmuted": N_("Unmuted."),
}

# Composer hooks: async (request, form) -> extra StatusInput fields. The media pages add one for
# image attachments (see community/_composer_media.html); it may raise ActionError to refuse the form.
ComposerHook = Callable[[web.Request, MultiDictProxy[Any]], Awaitable[dict[str, Any]]]
COMPOSER_HOOKS = web.AppKey("composer_hooks", list)
# Called with (request, post) after a composer's post is created (e.g. to mark its images attached).
POST_CREATED_HOOKS = web.AppKey("post_created_hooks", list)


def viewer_of(request: web.Request) -> Actor | None:
    return request.get(rk.USER)


def flash(request: web.Request) -> str:
    key = request.query.get("notice", "")
    return gettext(request, NOTICES[key]) if key in NOTICES else ""


def see_other(target: str, notice: str | None = None) -> web.HTTPSeeOther:
    """A redirect after a form, with an optional notice key; a #fragment stays at the end."""
    rest, hash_mark, fragment = target.partition("#")
    path, _, query = rest.partition("?")
    params = [(key, value) for key, value in parse_qsl(query, keep_blank_values=True) if key != "notice"]
    if notice:
        params.append(("notice", notice))
    return web.HTTPSeeOther(path + ("?" + urlencode(params) if params else "") + hash_mark + fragment)


async def read_form(request: web.Request) -> MultiDictProxy[Any]:
    """The form, with its text made storable (no engine stores NUL); uploaded files as they are."""
    form = await request.post()
    return MultiDictProxy(MultiDict((key, storable_text(value) if isinstance(value, str) else value)
                                    for key, value in form.items()))


def text_field(form: MultiDictProxy[Any], name: str, limit: int = 5000) -> str:
    value = form.get(name, "")
    return storable_text(value).strip()[:limit] if isinstance(value, str) else ""


async def composer_extras(request: web.Request, form: MultiDictProxy[Any]) -> dict[str, Any]:
    """Extra StatusInput fields from the composer form, gathered from the registered hooks."""
    extras: dict[str, Any] = {}
    for hook in request.app.get(COMPOSER_HOOKS, []):
        extras.update(await hook(request, form))
    return extras


def composer_defaults(request: web.Request, actor: Actor) -> PostingDefaults:
    """What a composer posting as `actor` starts with: the signed-in person's own posting defaults when they post
    as themselves (no query: their account is loaded), a page's public ones otherwise."""
    user = request.get(rk.USER)
    if user is None or user.id != actor.id:
        return PUBLIC_DEFAULTS
    return defaults_of(request.get(rk.ACCOUNT))


async def publish_composed(request: web.Request, actor: Actor, data: StatusInput) -> Post:
    """Create a post from a composer, then let the registered hooks finish their part."""
    post = await actions.create_status(request.app[keys.FEDERATION], actor, data)
    for hook in request.app.get(POST_CREATED_HOOKS, []):
        await hook(request, post)
    return post


# --- counts shown under posts -------------------------------------------------------------------


@dataclass
class PostStats:
    likes: int = 0
    dislikes: int = 0
    replies: int = 0
    liked: bool = False
    boosts: int = 0
    boosted: bool = False
    boostable: bool = False  # public or unlisted, and visible to anyone (federation/audience.py)

    @property
    def score(self) -> int:
        return self.likes - self.dislikes


async def post_stats(posts: list[Post], viewer: Actor | None) -> dict[int, PostStats]:
    """Likes, dislikes, direct replies and the viewer's like, for many posts in three queries."""
    ids = [post.id for post in posts]
    stats = {post_id: PostStats() for post_id in ids}
    if not ids:
        return stats
    votes = (
        await Interaction.filter(post_id__in=ids, kind__in=[LIKE, DISLIKE, ANNOUNCE])
        .annotate(n=Count("id")).group_by("post_id", "kind").values("post_id", "kind", "n")
    )
    for row in votes:
        if row["kind"] == LIKE:
            stats[row["post_id"]].likes = row["n"]
        elif row["kind"] == ANNOUNCE:
            stats[row["post_id"]].boosts = row["n"]
        else:
            stats[row["post_id"]].dislikes = row["n"]
    replies = (
        await Post.filter(audience.visible_posts(audience.viewer_of(viewer)), in_reply_to_id__in=ids, removed_at=None)
        .annotate(n=Count("id")).group_by("in_reply_to_id").values("in_reply_to_id", "n")
    )
    for row in replies:
        stats[row["in_reply_to_id"]].replies = row["n"]
    if viewer is not None:
        mine = await Interaction.filter(post_id__in=ids, kind__in=[LIKE, ANNOUNCE], actor=viewer).values_list(
            "post_id", "kind")
        for post_id, kind in mine:
            if kind == LIKE:
                stats[post_id].liked = True
            else:
                stats[post_id].boosted = True
        public = {post.id for post in posts if post.visibility in ("public", "unlisted")}
        for post_id in await audience.visible_ids(public, audience.ANONYMOUS):
            stats[post_id].boostable = True
    return stats


# --- following ---------------------------------------------------------------------------------

NONE, PENDING, FOLLOWING, SELF = "none", "pending", "following", "self"


async def follow_state(viewer: Actor | None, target: Actor) -> str:
    if viewer is None:
        return NONE
    if viewer.id == target.id:
        return SELF
    follow = await Follow.filter(follower=viewer, target=target).first()
    if follow is None:
        return NONE
    return FOLLOWING if follow.state == ACCEPTED else PENDING


async def follower_counts(actor_ids: list[int]) -> dict[int, int]:
    rows = (
        await Follow.filter(target_id__in=actor_ids, state=ACCEPTED)
        .annotate(n=Count("id")).group_by("target_id").values("target_id", "n")
    )
    return {row["target_id"]: row["n"] for row in rows}


async def blurbs(actors: list[Actor]) -> dict[int, str]:
    """A line or two of plain text about each actor, for lists: a local group's description, else its bio."""
    groups = [actor.id for actor in actors if actor.type == "Group" and actor.is_local]
    descriptions = dict(await GroupProfile.filter(group_id__in=groups).values_list("group_id", "description")) \
        if groups else {}
    return {actor.id: descriptions.get(actor.id) or html_to_text(actor.summary or "") for actor in actors}


# --- who may see a post (federation/audience.py decides) --------------------------------------------


@dataclass
class VisiblePost:
    post: Post
    group: Actor | None
    moderator: bool


async def visible_post(request: web.Request, raw_id: str, *, removed_ok: bool = False) -> VisiblePost:
    """The post a path names, if this viewer may read it (federation/audience.py); else 404, the same whether
    it does not exist or is not for this viewer. `removed_ok`: a removed post too (for the moderator actions,
    which check the role themselves)."""
    missing = web.HTTPNotFound(text=gettext(request, "There is no such post, or it is only for some people."))
    post = await Post.filter(id=int(raw_id), deleted_at=None).prefetch_related("author").first() \
        if raw_id.isdigit() else None
    viewer = audience.viewer_of(viewer_of(request))
    if post is None or not await audience.may_know_gone(post, viewer):
        raise missing
    group_id = post.group_id or post.audience_group_id
    group = await Actor.filter(id=group_id).first() if group_id else None
    moderator = group is not None and await audience.is_group_moderator(group, viewer)
    if post.removed_at is not None and not moderator:
        if removed_ok:
            return VisiblePost(post, group, moderator)
        raise web.HTTPNotFound(text=gettext(request, "This post was removed by a moderator."))
    if not await audience.may_see_post(post, viewer):
        raise missing
    return VisiblePost(post, group, moderator)


# --- finding actors by handle or URL -----------------------------------------------------------


class LookupFailed(Exception):
    """Nobody was found; the message (English, translated when shown) says why."""


async def lookup_actor(request: web.Request, text: str) -> Actor:
    """An actor from @name@host, name@host or an actor/profile URL; remote ones are fetched."""
    ctx = request.app[keys.FEDERATION]
    text = text.strip()
    try:
        if text.startswith(("https://", "http://")):
            known = await Actor.filter(Q(uri=text) | Q(url=text), deleted_at=None).first()
            actor = known or await get_actor(ctx, text)
        else:
            name, host = parse_handle(text)
            if host == ctx.host:
                actor = await _local_by_name(name)
            else:
                actor = await resolve_handle(ctx, text)
    except (ResolveError, FetchError, ProtocolError) as exc:
        raise LookupFailed(str(exc)) from None
    if actor.type == APPLICATION or actor.deleted_at is not None:
        raise LookupFailed(f"{text} is not a person, page or group")
    return actor


async def _local_by_name(name: str) -> Actor:
    name = name.lower()
    actor = await Actor.filter(Q(local_name=name) | Q(group_name=name), is_local=True, deleted_at=None).first()
    if actor is None:
        raise ResolveError(f"nobody here is called {name}")
    return actor


def actor_path(actor: Actor) -> str:
    """Where a local actor's page lives on this site (same-site path), or None-like '' for remote ones."""
    if not actor.is_local:
        return ""
    if actor.type == "Group":
        return f"/groups/{actor.group_name}"
    return f"/@{actor.local_name}"
