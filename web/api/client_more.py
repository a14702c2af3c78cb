"""More of what Mastodon apps call: conversations (direct messages), reporting an account or its statuses, and
searching accounts."""
from __future__ import annotations

from aiohttp import web

from federation import audience
from federation.actions import ActionError
from federation.community.search import search_actors
from federation.conversations import conversations as list_conversations
from federation.reports import create_report
from federation.render import iso
from models.actors import Actor
from models.posts import Post
from web import app_keys as keys
from web.api.auth import require_actor
from web.api.pagination import link_header, page_params
from web.api.params import as_bool, int_id, list_param, read_params
from web.api.serializers import account as serialize_account
from web.api.serializers import accounts as serialize_accounts
from web.api.serializers import statuses as serialize_statuses

MAX_REPORTED_STATUSES = 20


async def conversations(request: web.Request) -> web.Response:
    """Mastodon's Conversation: id, unread, accounts (the others), last_status; newest first, paged (as on
    Mastodon) by the last status's id."""
    actor = await require_actor(request)
    params = page_params(request)
    found = sorted(await list_conversations(actor), key=lambda item: -item.last.id)
    if params.max_id is not None:
        found = [item for item in found if item.last.id < params.max_id]
    floor = params.min_id if params.min_id is not None else params.since_id
    if floor is not None:
        found = [item for item in found if item.last.id > floor]
    found = found[-params.limit:] if params.min_id is not None else found[:params.limit]
    # The accounts and last statuses of the whole page at once.
    people = await serialize_accounts(person for item in found for person in item.participants)
    last = await serialize_statuses([item.last for item in found], actor)
    return web.json_response([{
        "id": str(item.root.id),
        "unread": item.unread,
        "accounts": [people[person.id] for person in item.participants],
        "last_status": status,
    } for item, status in zip(found, last)], headers=link_header(request, [item.last.id for item in found], params))


async def _status_ids(request: web.Request, params: dict) -> list[int]:
    values = await list_param(request, params, "status_ids")
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 19][:MAX_REPORTED_STATUSES]


async def report(request: web.Request) -> web.Response:
    """POST /api/v1/reports: account_id, status_ids[], comment, forward (to the account's server, anonymously)."""
    actor = await require_actor(request)
    params = await read_params(request)
    target = await Actor.filter(id=int_id(str(params.get("account_id", "")), "account"), deleted_at=None).first()
    if target is None:
        raise web.HTTPNotFound(text="Record not found")
    ids = await _status_ids(request, params)
    # Only statuses the reporter may see: a report must not confirm that a hidden one exists.
    posts = list(await Post.filter(audience.visible_posts(audience.viewer_of(actor)), id__in=ids)) if ids else []
    if len(posts) != len(set(ids)):
        raise web.HTTPNotFound(text="Record not found")
    try:
        made = await create_report(request.app[keys.FEDERATION], actor, target, posts,
                                   str(params.get("comment") or ""), forward=as_bool(params.get("forward", False)))
    except ActionError as exc:
        raise web.HTTPUnprocessableEntity(text=str(exc)) from None
    return web.json_response({
        "id": str(made.id), "action_taken": False, "action_taken_at": None, "category": "other",
        "comment": made.comment, "forwarded": made.forwarded, "created_at": iso(made.created_at),
        "status_ids": [str(post.id) for post in posts], "rule_ids": [],
        "target_account": await serialize_account(target),
    })


async def search_accounts(request: web.Request) -> web.Response:
    await require_actor(request)
    query = request.query.get("q", "").strip()
    limit = page_params(request).limit
    found = await search_actors(query, limit=limit) if query else []
    people = await serialize_accounts(found)
    return web.json_response([people[actor.id] for actor in found])


def setup(app: web.Application) -> None:
    r = app.router
    # Registered before /api/v1/accounts/{account_id}: "search" is not an account id.
    r.add_get("/api/v1/accounts/search", search_accounts, name="api_accounts_search")
    r.add_get("/api/v1/conversations", conversations, name="api_conversations")
    r.add_post("/api/v1/reports", report, name="api_reports")
