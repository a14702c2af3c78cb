"""POST /api/v1/apps (register an app) and GET /api/v1/apps/verify_credentials, in Mastodon's shapes."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from models.oauth import OAuthApplication
from web.api.scopes import ALL_SCOPES, GRANT, parse_scopes
from web.oauth import limits
from web.oauth.grants import OAuthError, register_application
from web.oauth.params import read_params, text


def application_json(application: OAuthApplication) -> dict[str, Any]:
    uris = application.redirect_uri_list
    return {
        "id": str(application.id),
        "name": application.name,
        "website": application.website,
        "scopes": parse_scopes(application.scopes),
        "redirect_uri": "\n".join(uris),
        "redirect_uris": uris,
        "vapid_key": None,
    }


async def create(request: web.Request) -> web.Response:
    refused = limits.check(request, "apps")
    if refused is not None:
        return refused
    params = await read_params(request)
    uris = params.get("redirect_uris", "")
    try:
        new = await register_application(text(params, "client_name"), uris if isinstance(uris, list) else str(uris),
                                         text(params, "scopes") or None, text(params, "website") or None)
    except OAuthError as exc:
        return web.json_response({"error": f"Validation failed: {exc.description}"}, status=422)
    body = application_json(new.application)
    body.update(client_id=new.application.client_id, client_secret=new.client_secret, client_secret_expires_at=0)
    return web.json_response(body)


async def verify_credentials(request: web.Request) -> web.Response:
    grant = request.get(GRANT)
    if grant is None:
        raise web.HTTPUnauthorized(text="The access token is invalid")
    if grant.application is None:
        # A token made with `moot token create`: no app behind it.
        label = grant.token.label if grant.token is not None else ""
        return web.json_response({"id": "0", "name": label or "Moot", "website": None, "scopes": list(ALL_SCOPES[:4]),
                                  "redirect_uri": "", "redirect_uris": [], "vapid_key": None})
    return web.json_response(application_json(grant.application))
