"""Actor, object and collection URLs: ActivityPub JSON for clients that ask, HTML for people."""
from __future__ import annotations

from aiohttp import web

from federation.post_documents import post_document
from federation import render
from federation.authenticate import AuthError, signed_fetcher
from federation import audience
from federation.community import subgroups_access
from federation.vocab import APPLICATION, OBJECT_CONTEXT
from models.actors import Actor, LocalUser
from models.posts import Post
from models.queues import OutboundActivity
from web import app_keys as keys
from web import collections
from web.account_gone import gone_actor_response
from web import request_keys as rk
from web.negotiation import activity_response, page_number, wants_activity_json
from web.pages.community_groups import group_page
from web.pages.community_profiles import profile_page
from web.pages.remote_profiles import remote_profile_page
from web.pages.subgroups import subgroups_page
from web.templating import render_page

ACTOR_TYPES_BY_PATH = {"users": "Person", "pages": "Service", "groups": "Group"}


async def find_local_actor(kind: str, name: str) -> Actor | None:
    """A local actor by its URL path: groups have a namespace of their own."""
    query = Actor.filter(type=ACTOR_TYPES_BY_PATH[kind], is_local=True, deleted_at=None)
    return await (query.filter(group_name=name) if kind == "groups" else query.filter(local_name=name)).first()


async def _local_actor(request: web.Request) -> Actor:
    actor = await find_local_actor(request.match_info["kind"], request.match_info["name"])
    if actor is None:
        raise web.HTTPNotFound(text="no such actor")
    return actor


async def _fetcher(request: web.Request) -> Actor | None:
    """Who signed this GET (authorized fetch); a bad signature is a 401."""
    try:
        return await signed_fetcher(
            request.app[keys.FEDERATION], method=request.method, path=request.raw_path.split("?", 1)[0],
            query_string=request.raw_path.split("?", 1)[1] if "?" in request.raw_path else "",
            headers=request.headers,
        )
    except AuthError as exc:
        raise web.HTTPUnauthorized(text=exc.reason) from None


async def actor_document(request: web.Request) -> web.StreamResponse:
    if request.match_info["kind"] == "users" and (
            gone := await gone_actor_response(request, request.match_info["name"])) is not None:
        return gone  # a deleted account (web/account_gone.py)
    actor = await _local_actor(request)
    if wants_activity_json(request):
        return activity_response(render.render_actor(actor, request.app[keys.FEDERATION].urls,
                                                      parent_group=await subgroups_access.parent_uri(actor)))
    if actor.type == "Group":
        return await group_page(request, actor)
    return await profile_page(request, actor)


async def profile(request: web.Request) -> web.StreamResponse:
    if "@" in request.match_info["name"]:  # /@name@host: someone on another server (web/pages/remote_profiles.py)
        return await remote_profile_page(request, request.match_info["name"])
    actor = await Actor.filter(local_name=request.match_info["name"], is_local=True, deleted_at=None).first()
    if actor is None and (gone := await gone_actor_response(request, request.match_info["name"])) is not None:
        return gone  # a deleted account (web/account_gone.py)
    if actor is None or actor.type == APPLICATION:
        raise web.HTTPNotFound(text="no such profile")
    if wants_activity_json(request):
        raise web.HTTPFound(actor.uri)
    return await profile_page(request, actor)


async def instance_actor(request: web.Request) -> web.StreamResponse:
    actor = request.app[keys.FEDERATION].instance_actor
    if actor is None:
        raise web.HTTPServiceUnavailable(text="starting up")
    return activity_response(render.render_actor(actor, request.app[keys.FEDERATION].urls))


_COLLECTIONS = {
    "outbox": collections.outbox,
    "followers": collections.followers,
    "following": collections.following,
    "featured": collections.featured,
    "moderators": collections.moderators,
    "subgroups": collections.subgroups,
}


async def collection(request: web.Request) -> web.StreamResponse:
    actor = await _local_actor(request)
    name = request.match_info["collection"]
    if name in ("moderators", "subgroups") and actor.type != "Group" or name == "following" and actor.type == "Group":
        raise web.HTTPNotFound(text=f"no {name} collection here")
    if name == "subgroups" and not wants_activity_json(request):
        return await subgroups_page(request, actor)  # people read a group's sub-groups on the same URL
    if actor.type == "Group" and name != "moderators" and actor.manually_approves and \
            not await audience.may_see_group_content(actor, audience.viewer_of(await _fetcher(request))):
        # A private group shows how many, never who or what, to anyone but its members.
        return activity_response(await collections.hidden(actor, name))
    return activity_response(await _COLLECTIONS[name](actor, page_number(request)))


async def post_object(request: web.Request) -> web.StreamResponse:
    """A local post as ActivityPub JSON, for whom federation/audience.py allows: anyone for public posts, else
    the signed fetch of someone in its audience (or their server's instance actor). 404 for everyone else."""
    fed = request.app[keys.FEDERATION]
    post = await Post.filter(uri=f"{fed.base_url}/posts/{request.match_info['post_id']}", is_local=True).first()
    if post is None:
        raise web.HTTPNotFound(text="no such post")
    viewer = audience.ANONYMOUS
    if not await audience.may_know_gone(post, viewer):
        # Not public: only a signed fetch can be in its audience (a bad signature is a 401).
        viewer = audience.viewer_of(await _fetcher(request))
        if viewer.is_anonymous or not await audience.may_know_gone(post, viewer):
            raise web.HTTPNotFound(text="no such post")
    if not await audience.may_see_post(post, viewer):
        return activity_response(render.render_tombstone(post), status=410)
    await post.fetch_related("author")
    if not wants_activity_json(request):
        raise web.HTTPSeeOther(f"/threads/{post.id}")  # people read posts in their thread
    group_id = post.group_id or post.audience_group_id
    group = await Actor.filter(id=group_id).first() if group_id else None
    doc = await post_document(post, post.author.uri, audience=group.uri if group else None)
    return activity_response(render.with_context(doc, OBJECT_CONTEXT))


async def activity_object(request: web.Request) -> web.StreamResponse:
    fed = request.app[keys.FEDERATION]
    row = await OutboundActivity.filter(uri=f"{fed.base_url}/activities/{request.match_info['activity_id']}").first()
    if row is None or not row.public:
        raise web.HTTPNotFound(text="no such activity")
    return activity_response(row.payload)


async def home(request: web.Request) -> web.StreamResponse:
    if not await LocalUser.filter(is_admin=True).exists():
        raise web.HTTPSeeOther("/setup")  # a new server: its first visitor creates the admin account
    if request.get(rk.USER) is not None:
        raise web.HTTPSeeOther("/home")
    query = Actor.filter(is_local=True, deleted_at=None, discoverable=True)
    pages = await query.filter(type="Service").order_by("local_name").limit(50)
    groups = await query.filter(type="Group").order_by("group_name").limit(50)
    description = request.app[keys.FEDERATION].instance_info.current.description
    return render_page(request, "home.html", pages=pages, groups=groups, description=description)
