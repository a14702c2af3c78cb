"""/api/v1/accounts: an account's statuses, followers and following, relationships, lookup by address, and
updating one's own profile, as Mastodon clients call them."""
from __future__ import annotations

from typing import Any

from aiohttp import web
from tortoise.expressions import Q

from federation import audience
from federation.actions.profile import update_profile
from federation.local_actors import description_html
from federation.people.posting_defaults import (
    PUBLIC_DEFAULTS, PostingDefaults, PostingDefaultsError, checked_language, checked_visibility,
    save_posting_defaults,
)
from models.actors import Actor, LocalUser
from models.follows import ACCEPTED, Follow
from models.posts import Post
from web import app_keys as keys
from web.api.accounts import relationship
from web.api.auth import optional_actor, require_actor
from web.api.pagination import fetch_page, link_header, page_params
from web.api.params import as_bool, int_id, read_params
from web.api.serializers import account as serialize_account, credential_account
from web.api.serializers import statuses as serialize_statuses

MAX_RELATIONSHIPS = 40
MAX_DISPLAY_NAME = 100
MAX_NOTE = 2000


async def _account(request: web.Request) -> Actor:
    actor = await Actor.filter(id=int_id(request.match_info["account_id"], "account"), deleted_at=None).first()
    if actor is None:
        raise web.HTTPNotFound(text="Record not found")
    return actor


async def statuses(request: web.Request) -> web.Response:
    viewer = await optional_actor(request)
    author = await _account(request)
    params = page_params(request)
    wanted = Q(author=author, removed_at=None) & audience.visible_posts(audience.viewer_of(viewer))
    if as_bool(request.query.get("exclude_replies", False)):
        wanted &= Q(in_reply_to_uri=None)
    if as_bool(request.query.get("pinned", False)):
        wanted &= Q(pinned_at__not_isnull=True)
    query = Post.filter(wanted)
    if as_bool(request.query.get("only_media", False)):
        # Attachments are JSON; a page of an account's own posts is small enough to test here.
        rows = [post for post in await fetch_page(query, page_params(request, maximum=200)) if post.attachments]
        posts = rows[:params.limit]
    else:
        posts = await fetch_page(query, params)
    return web.json_response(await serialize_statuses(posts, viewer),
                             headers=link_header(request, [post.id for post in posts], params))


async def _listable(follows: list[Follow], other_side: str, viewer: Actor | None) -> list[Actor]:
    """The actors on the other side of these follows, leaving out private groups the viewer may not look into
    (being in one is only for its members to know)."""
    seen_by = audience.viewer_of(viewer)
    listed = []
    for follow in follows:
        actor: Actor = getattr(follow, other_side)
        if actor.deleted_at is not None:
            continue
        if actor.type == "Group" and actor.manually_approves and not await audience.may_see_group_content(actor, seen_by):
            continue
        listed.append(actor)
    return listed


async def followers(request: web.Request) -> web.Response:
    viewer = await optional_actor(request)
    target = await _account(request)
    params = page_params(request)
    if target.type == "Group" and not await audience.may_see_group_content(target, audience.viewer_of(viewer)):
        return web.json_response([])  # a private group's members are for its members to see
    follows = await fetch_page(Follow.filter(target=target, state=ACCEPTED).prefetch_related("follower"), params)
    actors = await _listable(follows, "follower", viewer)
    return web.json_response([await serialize_account(actor) for actor in actors],
                             headers=link_header(request, [follow.id for follow in follows], params))


async def following(request: web.Request) -> web.Response:
    viewer = await optional_actor(request)
    target = await _account(request)
    params = page_params(request)
    follows = await fetch_page(Follow.filter(follower=target, state=ACCEPTED).prefetch_related("target"), params)
    actors = await _listable(follows, "target", viewer)
    return web.json_response([await serialize_account(actor) for actor in actors],
                             headers=link_header(request, [follow.id for follow in follows], params))


async def relationships(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    raw = request.query.getall("id[]", []) + request.query.getall("id", [])
    ids = [int(value) for value in raw if value.isdigit() and len(value) < 20][:MAX_RELATIONSHIPS]
    targets = {target.id: target for target in await Actor.filter(id__in=ids, deleted_at=None)} if ids else {}
    return web.json_response([await relationship(actor, targets[i]) for i in dict.fromkeys(ids) if i in targets])


async def lookup(request: web.Request) -> web.Response:
    """An account known here by its address (`name` for a local one, `name@host` otherwise); no fetching."""
    acct = request.query.get("acct", "").strip().lstrip("@")
    name, _, host = acct.partition("@")
    fed = request.app[keys.FEDERATION]
    if not name:
        raise web.HTTPBadRequest(text="acct is required")
    query = Actor.filter(username__iexact=name, deleted_at=None)
    if not host or host.lower() == fed.host.lower():
        query = query.filter(is_local=True)
    else:
        query = query.filter(domain__iexact=host, is_local=False)
    actor = await query.first()
    if actor is None:
        raise web.HTTPNotFound(text="Record not found")
    return web.json_response(await serialize_account(actor))


def _source_param(params: dict[str, Any], name: str) -> Any:
    """`source[name]` as a form field, or {"source": {name: ...}} as JSON; None when not given."""
    source = params.get("source")
    if isinstance(source, dict) and name in source:
        return source[name]
    return params.get(f"source[{name}]")


async def _update_posting_defaults(actor: Actor, params: dict[str, Any]) -> None:
    """source[privacy], source[sensitive] and source[language]: the person's posting defaults, checked as a
    whole first (422, and nothing saved, when one is wrong). A page has only the public ones."""
    privacy, sensitive, language = (_source_param(params, name) for name in ("privacy", "sensitive", "language"))
    if privacy is None and sensitive is None and language is None:
        return
    account = await LocalUser.filter(actor_id=actor.id).first()
    try:
        if account is None:
            wanted = PostingDefaults(
                PUBLIC_DEFAULTS.visibility if privacy is None else checked_visibility(privacy),
                PUBLIC_DEFAULTS.sensitive if sensitive is None else as_bool(sensitive),
                PUBLIC_DEFAULTS.language if language is None else checked_language(language))
            if wanted != PUBLIC_DEFAULTS:
                raise PostingDefaultsError("privacy", "only a person has posting defaults; a page's are public")
            return
        await save_posting_defaults(account, visibility=privacy, sensitive=None if sensitive is None else as_bool(
            sensitive), language=... if language is None else language)
    except PostingDefaultsError as exc:
        raise web.HTTPUnprocessableEntity(text=f"Validation failed: {exc}") from None


async def update_credentials(request: web.Request) -> web.Response:
    """Display name, bio, locked and discoverable (images go through the web settings for now), and the posting
    defaults in `source`."""
    actor = await require_actor(request)
    params = await read_params(request)
    await _update_posting_defaults(actor, params)
    changed = []
    if "display_name" in params:
        actor.display_name = str(params["display_name"]).strip()[:MAX_DISPLAY_NAME] or None
        changed.append("display_name")
    if "note" in params:
        actor.summary = description_html(str(params["note"]).strip()[:MAX_NOTE], request.app[keys.FEDERATION].urls)
        changed.append("summary")
    if "locked" in params and actor.type != "Group":
        actor.manually_approves = as_bool(params["locked"])
        changed.append("manually_approves")
    if "discoverable" in params:
        actor.discoverable = as_bool(params["discoverable"])
        changed.append("discoverable")
    if changed:
        await update_profile(request.app[keys.FEDERATION], actor, changed)
    return web.json_response(await credential_account(actor))


def setup(app: web.Application) -> None:
    r = app.router
    account = "/api/v1/accounts/{account_id}"
    r.add_get("/api/v1/accounts/relationships", relationships, name="api_relationships")
    r.add_get("/api/v1/accounts/lookup", lookup, name="api_account_lookup")
    r.add_patch("/api/v1/accounts/update_credentials", update_credentials, name="api_update_credentials")
    r.add_get(account + "/statuses", statuses, name="api_account_statuses")
    r.add_get(account + "/followers", followers, name="api_account_followers")
    r.add_get(account + "/following", following, name="api_account_following")
