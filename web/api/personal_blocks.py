"""Personal blocks and mutes in Mastodon's client API: block/unblock/mute/unmute answer the Relationship,
/api/v1/blocks and /api/v1/mutes list the Accounts (newest first, Link-header pagination)."""
from __future__ import annotations

from aiohttp import web

from federation.people import blocks as people_blocks, mutes as people_mutes
from federation.people.blocks import BlockError
from federation.people.personal_filters import active_mutes
from models.personal_blocks import PersonalBlock, PersonalMute
from web import app_keys as keys
from web.api.accounts import _target, relationship
from web.api.auth import require_actor
from web.api.pagination import fetch_page, link_header, page_params
from web.api.params import as_bool, read_params
from web.api.serializers import account as serialize_account


def _duration(raw: object) -> int | None:
    """Mastodon's `duration`: seconds, 0 or absent for no end."""
    if raw in (None, ""):
        return None
    text = str(raw).strip()
    if not text.isdigit() or len(text) > 10:
        raise web.HTTPUnprocessableEntity(text="duration must be a whole number of seconds")
    return int(text)


async def block(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    target = await _target(request)
    try:
        await people_blocks.block(request.app[keys.FEDERATION], actor, target)
    except BlockError as exc:
        raise web.HTTPUnprocessableEntity(text=str(exc)) from None
    return web.json_response(await relationship(actor, target))


async def unblock(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    target = await _target(request)
    await people_blocks.unblock(request.app[keys.FEDERATION], actor, target)
    return web.json_response(await relationship(actor, target))


async def mute(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    target = await _target(request)
    params = await read_params(request)
    notifications = as_bool(params["notifications"]) if "notifications" in params else True
    try:
        await people_mutes.mute(actor, target, notifications=notifications, duration=_duration(params.get("duration")))
    except BlockError as exc:
        raise web.HTTPUnprocessableEntity(text=str(exc)) from None
    return web.json_response(await relationship(actor, target))


async def unmute(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    target = await _target(request)
    await people_mutes.unmute(actor, target)
    return web.json_response(await relationship(actor, target))


async def blocks(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    params = page_params(request)
    rows = await fetch_page(PersonalBlock.filter(actor_id=actor.id, target__deleted_at=None)
                            .prefetch_related("target"), params)
    return web.json_response([await serialize_account(row.target) for row in rows],
                             headers=link_header(request, [row.id for row in rows], params))


async def mutes(request: web.Request) -> web.Response:
    actor = await require_actor(request)
    params = page_params(request)
    rows = await fetch_page(PersonalMute.filter(active_mutes(), actor_id=actor.id, target__deleted_at=None)
                            .prefetch_related("target"), params)
    accounts = []
    for row in rows:
        account = await serialize_account(row.target)
        account["mute_expires_at"] = row.expires_at.isoformat().replace("+00:00", "Z") if row.expires_at else None
        accounts.append(account)
    return web.json_response(accounts, headers=link_header(request, [row.id for row in rows], params))


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/v1/blocks", blocks, name="api_blocks")
    r.add_get("/api/v1/mutes", mutes, name="api_mutes")
    r.add_post("/api/v1/accounts/{account_id}/block", block, name="api_block")
    r.add_post("/api/v1/accounts/{account_id}/unblock", unblock, name="api_unblock")
    r.add_post("/api/v1/accounts/{account_id}/mute", mute, name="api_mute")
    r.add_post("/api/v1/accounts/{account_id}/unmute", unmute, name="api_unmute")
