"""/api/moot/v1/admin: domain and actor policies, the federation mode, CSV blocklists, instance settings."""
from __future__ import annotations

from typing import Any, Awaitable, TypeVar

from aiohttp import web

from federation.policy import admin as policy_admin
from federation.policy.admin import PolicyError
from federation.policy.screening import NEW_ACCOUNT_HOURS
from federation.review import HELD_EXPIRY_DAYS
from federation.instance_settings import get_setting, put_setting
from models.moderation import ActorPolicy, DomainPolicy
from web import app_keys as keys
from web.api.auth import require_admin
from web.api.group_lookup import account_from, optional_datetime
from web.api.moderation_serializers import actor_policy, domain_policy
from web.api.params import as_bool, read_params

T = TypeVar("T")
# Instance settings admins change at run time, with their defaults.
SETTINGS_DEFAULTS: dict[str, Any] = {NEW_ACCOUNT_HOURS: 24, HELD_EXPIRY_DAYS: 14, "federation_mode": "blocklist"}


async def _checked(action: Awaitable[T]) -> T:
    try:
        return await action
    except PolicyError as exc:
        raise web.HTTPUnprocessableEntity(text=str(exc)) from None


async def list_domains(request: web.Request) -> web.Response:
    await require_admin(request)
    rows = await DomainPolicy.all().order_by("domain")
    return web.json_response([domain_policy(row) for row in rows])


async def set_domain(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    params = await read_params(request)
    row = await _checked(policy_admin.set_domain_policy(
        request.app[keys.FEDERATION], admin, str(params.get("domain") or ""), str(params.get("policy") or ""),
        public_reason=str(params.get("public_reason") or ""), private_reason=str(params.get("private_reason") or ""),
        expires_at=optional_datetime(params.get("expires_at"), "expires_at"),
        reject_media=as_bool(params.get("reject_media", False)),
    ))
    return web.json_response(domain_policy(row), status=201)


async def clear_domain(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    removed = await _checked(policy_admin.remove_domain_policy(request.app[keys.FEDERATION], admin,
                                                                request.match_info["domain"]))
    if not removed:
        raise web.HTTPNotFound(text="no policy for that domain")
    return web.json_response({"domain": request.match_info["domain"], "policy": None})


async def export_domains(request: web.Request) -> web.Response:
    await require_admin(request)
    text = policy_admin.export_csv(await DomainPolicy.all().order_by("domain"))
    return web.Response(text=text, content_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="domain_blocks.csv"'})


async def import_domains(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    if request.content_type == "application/json":
        text = str((await read_params(request)).get("csv") or "")
    else:
        text = await request.text()
    result = await policy_admin.import_csv(request.app[keys.FEDERATION], admin, text)
    return web.json_response({"imported": result.imported, "errors": result.errors})


async def set_mode(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    mode = str((await read_params(request)).get("mode") or "")
    await _checked(policy_admin.set_federation_mode(request.app[keys.FEDERATION], admin, mode))
    return web.json_response({"federation_mode": mode})


async def list_actors(request: web.Request) -> web.Response:
    await require_admin(request)
    rows = await ActorPolicy.all().order_by("id")
    return web.json_response([await actor_policy(row) for row in rows])


async def set_actor(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    params = await read_params(request)
    target = await account_from(params.get("account_id"))
    row = await _checked(policy_admin.set_actor_policy(
        request.app[keys.FEDERATION], admin, target, str(params.get("policy") or ""),
        reason=str(params.get("reason") or ""), expires_at=optional_datetime(params.get("expires_at"), "expires_at"),
    ))
    return web.json_response(await actor_policy(row), status=201)


async def clear_actor(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    target = await account_from(request.match_info["account_id"])
    if not await policy_admin.remove_actor_policy(request.app[keys.FEDERATION], admin, target):
        raise web.HTTPNotFound(text="no policy for that account")
    return web.json_response({"account_id": str(target.id), "policy": None})


async def _settings() -> dict[str, Any]:
    return {key: await get_setting(key, default) for key, default in SETTINGS_DEFAULTS.items()}


async def show_settings(request: web.Request) -> web.Response:
    await require_admin(request)
    return web.json_response(await _settings())


async def edit_settings(request: web.Request) -> web.Response:
    admin = await require_admin(request)
    params = await read_params(request)
    for key in (NEW_ACCOUNT_HOURS, HELD_EXPIRY_DAYS):
        if key in params:
            raw = str(params[key])
            if not raw.isdigit():
                raise web.HTTPUnprocessableEntity(text=f"{key} must be a whole number of hours or days, got {raw!r}")
            await put_setting(key, int(raw))
    if "federation_mode" in params:
        await _checked(policy_admin.set_federation_mode(request.app[keys.FEDERATION], admin,
                                                        str(params["federation_mode"])))
    return web.json_response(await _settings())
