"""Bearer tokens: every API request acts as the local user or page its token names."""
from __future__ import annotations

from aiohttp import web

from federation.local_actors import actor_for_token
from web.api.scopes import GRANT, NEEDS_USER
from models.actors import Actor, LocalUser


async def require_actor(request: web.Request) -> Actor:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise web.HTTPUnauthorized(text="this endpoint needs an Authorization: Bearer <token> header")
    grant = request.get(GRANT)
    if grant is not None and grant.actor is None:
        # An app's own token (client_credentials) reaches app-level endpoints only.
        raise web.HTTPUnprocessableEntity(text=NEEDS_USER)
    if grant is not None:
        return grant.actor  # checked by web/api/scopes.py (same lookup as actor_for_token, with its scopes)
    actor = await actor_for_token(token.strip())
    if actor is None:
        raise web.HTTPUnauthorized(text="the access token is invalid")
    return actor


async def optional_actor(request: web.Request) -> Actor | None:
    """The token's actor when a token is given; a wrong token is still an error."""
    if "Authorization" not in request.headers:
        return None
    return await require_actor(request)


async def require_admin(request: web.Request) -> Actor:
    actor = await require_actor(request)
    if not await LocalUser.filter(actor=actor, is_admin=True).exists():
        raise web.HTTPForbidden(text="this endpoint is for instance admins")
    return actor
