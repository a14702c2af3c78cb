"""Actor, object and collection URLs: ActivityPub JSON for clients that ask, HTML for people."""
from __future__ import annotations

from aiohttp import web

from federation import render
from federation.vocab import APPLICATION, OBJECT_CONTEXT
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.posts import Post
from models.queues import OutboundActivity
from server import keys
from web import collections
from web.negotiation import activity_response, page_number, wants_activity_json
from web.templating import render_page

ACTOR_TYPES_BY_PATH = {"users": "Person", "pages": "Service"}
PUBLIC_VISIBILITIES = ("public", "unlisted")


async def _local_actor(request: web.Request) -> Actor:
    actor_type = ACTOR_TYPES_BY_PATH[request.match_info["kind"]]
    actor = await Actor.filter(local_name=request.match_info["name"], type=actor_type, is_local=True).first()
    if actor is None or actor.deleted_at is not None:
        raise web.HTTPNotFound(text="no such actor")
    return actor


async def actor_document(request: web.Request) -> web.StreamResponse:
    actor = await _local_actor(request)
    if wants_activity_json(request):
        return activity_response(render.render_actor(actor, request.app[keys.FEDERATION].urls))
    return await _profile_page(request, actor)


async def profile(request: web.Request) -> web.StreamResponse:
    actor = await Actor.filter(local_name=request.match_info["name"], is_local=True, deleted_at=None).first()
    if actor is None or actor.type == APPLICATION:
        raise web.HTTPNotFound(text="no such profile")
    if wants_activity_json(request):
        raise web.HTTPFound(actor.uri)
    return await _profile_page(request, actor)


async def _profile_page(request: web.Request, actor: Actor) -> web.StreamResponse:
    posts = (
        await Post.filter(author=actor, deleted_at=None, visibility="public", in_reply_to_uri=None)
        .order_by("-published")
        .limit(20)
    )
    followers = await Follow.filter(target=actor, state=ACCEPTED).count()
    return render_page(request, "actor.html", actor=actor, posts=posts, followers=followers)


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
}


async def collection(request: web.Request) -> web.StreamResponse:
    actor = await _local_actor(request)
    build = _COLLECTIONS[request.match_info["collection"]]
    return activity_response(await build(actor, page_number(request)))


async def post_object(request: web.Request) -> web.StreamResponse:
    fed = request.app[keys.FEDERATION]
    post = await Post.filter(uri=f"{fed.base_url}/posts/{request.match_info['post_id']}", is_local=True).first()
    if post is None or post.visibility not in PUBLIC_VISIBILITIES:
        # Followers-only and direct posts are not served to unauthenticated fetches.
        raise web.HTTPNotFound(text="no such post")
    if post.deleted_at is not None:
        return activity_response(render.render_tombstone(post), status=410)
    await post.fetch_related("author")
    if not wants_activity_json(request):
        return render_page(request, "post.html", post=post, author=post.author)
    return activity_response(render.with_context(render.render_post(post, post.author.uri), OBJECT_CONTEXT))


async def activity_object(request: web.Request) -> web.StreamResponse:
    fed = request.app[keys.FEDERATION]
    row = await OutboundActivity.filter(uri=f"{fed.base_url}/activities/{request.match_info['activity_id']}").first()
    if row is None or not row.public:
        raise web.HTTPNotFound(text="no such activity")
    return activity_response(row.payload)


async def home(request: web.Request) -> web.StreamResponse:
    settings = request.app[keys.SETTINGS]
    pages = await Actor.filter(type="Service", is_local=True, deleted_at=None, discoverable=True).order_by("local_name").limit(100)
    return render_page(request, "home.html", pages=pages, description=settings.instance_description)
