"""GET /.well-known/oauth-authorization-server: RFC 8414 metadata, as Mastodon 4.3 serves it."""
from __future__ import annotations

from aiohttp import web

from web import app_keys as keys
from web.api.scopes import ALL_SCOPES


async def authorization_server(request: web.Request) -> web.Response:
    base = request.app[keys.FEDERATION].base_url
    return web.json_response({
        "issuer": base + "/",
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": base + "/oauth/authorize",
        "token_endpoint": base + "/oauth/token",
        "revocation_endpoint": base + "/oauth/revoke",
        "app_registration_endpoint": base + "/api/v1/apps",
        "scopes_supported": list(ALL_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
    })
