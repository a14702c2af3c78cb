"""POST /oauth/token (authorization_code with PKCE, client_credentials) and POST /oauth/revoke."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from models.oauth import OAuthApplication

from web.oauth import limits
from web.oauth.grants import OAuthError, app_token, authenticate_client, redeem_code, revoke_token
from web.oauth.params import basic_credentials, read_params, text
from web.oauth.refresh import refresh

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def error_response(exc: OAuthError) -> web.Response:
    headers = dict(NO_STORE)
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="Moot"'
    return web.json_response(exc.json(), status=exc.status, headers=headers)


async def _client(request: web.Request, params: dict[str, Any], *, required: bool) -> tuple[OAuthApplication, bool]:
    basic = basic_credentials(request)
    client_id, secret = basic if basic else (text(params, "client_id"), text(params, "client_secret"))
    return await authenticate_client(client_id, secret or None, required=required), bool(secret)


async def _params(request: web.Request) -> dict[str, Any]:
    try:
        return await read_params(request)
    except web.HTTPBadRequest as exc:
        raise OAuthError("invalid_request", exc.text or "the request body cannot be read")


async def token(request: web.Request) -> web.Response:
    refused = limits.check(request, "token")
    if refused is not None:
        return refused
    try:
        params = await _params(request)
    except OAuthError as exc:
        return error_response(exc)
    grant_type = text(params, "grant_type")
    try:
        if grant_type == "authorization_code":
            application, authenticated = await _client(request, params, required=False)
            issued = await redeem_code(application, text(params, "code"), text(params, "redirect_uri") or None,
                                       text(params, "code_verifier") or None, authenticated)
        elif grant_type == "client_credentials":
            application, _ = await _client(request, params, required=True)
            issued = await app_token(application, text(params, "scope") or None)
        elif grant_type == "refresh_token":
            application, _ = await _client(request, params, required=False)
            issued = await refresh(application, text(params, "refresh_token"), text(params, "scope") or None)
        elif not grant_type:
            raise OAuthError("invalid_request", "The request is missing a required parameter: grant_type.")
        else:
            raise OAuthError("unsupported_grant_type", "The authorization grant type is not supported by the "
                             "authorization server.")
    except OAuthError as exc:
        return error_response(exc)
    return web.json_response(issued.json(), headers=NO_STORE)


async def revoke(request: web.Request) -> web.Response:
    try:
        params = await _params(request)
        application, _ = await _client(request, params, required=False)
    except OAuthError:
        return web.json_response({"error": "unauthorized_client", "error_description": "You are not authorized "
                                  "to revoke this token"}, status=403)
    await revoke_token(application, text(params, "token"))
    return web.json_response({})
