"""OAuth scopes, enforced in ONE place: the middleware below checks every /api/ request made with a bearer
token against the scope its route needs.

A route's scope comes from, in order: ROUTE_SCOPES (method and canonical path, as the router names it),
PREFIX_SCOPES (a family of routes: its read and its write scope), then the method (GET/HEAD: `read`, others:
`write`). OPEN_ROUTES need no scope at all. tests/oauth/test_scopes.py resolves every API route of the router,
so a new endpoint cannot skip the check. Scopes follow Mastodon's: `read` grants every `read:*`, `follow` the
follow, block and mute sub-scopes, `admin:read` every `admin:read:*`. Tokens without scopes (made by
`moot token create`, or before OAuth existed) keep every scope.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable

from aiohttp import web

from models.actors import Actor, ApiToken, LocalUser
from models.oauth import OAuthApplication, OAuthAppToken

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

OUT_OF_SCOPE = "This action is outside the authorized scopes"
NEEDS_USER = "This method requires an authenticated user"

READ_SUBSCOPES = ("accounts", "blocks", "bookmarks", "favourites", "filters", "follows", "lists", "mutes",
                  "notifications", "search", "statuses")
WRITE_SUBSCOPES = ("accounts", "blocks", "bookmarks", "conversations", "favourites", "filters", "follows",
                   "lists", "media", "mutes", "notifications", "reports", "statuses")
ADMIN_SUBSCOPES = ("accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks", "email_domain_blocks",
                   "canonical_email_blocks")
FOLLOW_SUBSCOPES = frozenset({"read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes",
                              "write:mutes"})
TOP_SCOPES = ("read", "write", "follow", "push", "profile", "admin:read", "admin:write")
ALL_SCOPES: tuple[str, ...] = (
    TOP_SCOPES
    + tuple(f"read:{s}" for s in READ_SUBSCOPES)
    + tuple(f"write:{s}" for s in WRITE_SUBSCOPES)
    + tuple(f"admin:read:{s}" for s in ADMIN_SUBSCOPES)
    + tuple(f"admin:write:{s}" for s in ADMIN_SUBSCOPES)
)
KNOWN_SCOPES = frozenset(ALL_SCOPES)
FULL = None  # a grant without a scope list: every scope

# Routes any caller may use, with or without a token, whatever its scopes.
OPEN_ROUTES = frozenset({
    ("POST", "/api/v1/apps"),
    ("GET", "/api/v1/apps/verify_credentials"),
    ("GET", "/api/v1/instance"),
    ("GET", "/api/v2/instance"),
    ("GET", "/api/v1/instance/"),
    ("GET", "/api/v2/instance/"),
    ("GET", "/api/v1/instance/rules"),
    ("GET", "/api/v1/instance/peers"),
    ("GET", "/api/v1/instance/activity"),
    ("GET", "/api/v1/custom_emojis"),
})

# Public route families Mastodon serves whatever the token's scopes.
OPEN_PREFIXES = ("/api/v1/trends",)
# Route families that check scopes themselves, per stream (web/streaming: read:statuses or read:notifications).
SELF_CHECKED_PREFIXES = ("/api/v1/streaming",)

# Exact routes whose scope differs from their family's (Mastodon's controllers name the same).
ROUTE_SCOPES: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/accounts/verify_credentials"): "read:accounts",
    ("POST", "/api/v1/accounts/{account_id}/follow"): "write:follows",
    ("POST", "/api/v1/accounts/{account_id}/unfollow"): "write:follows",
    ("POST", "/api/v1/accounts/{account_id}/block"): "write:blocks",
    ("POST", "/api/v1/accounts/{account_id}/unblock"): "write:blocks",
    ("POST", "/api/v1/accounts/{account_id}/mute"): "write:mutes",
    ("POST", "/api/v1/accounts/{account_id}/unmute"): "write:mutes",
    ("GET", "/api/v1/accounts/{account_id}/followers"): "read:accounts",
    ("GET", "/api/v1/accounts/{account_id}/following"): "read:accounts",
    ("GET", "/api/v1/accounts/{account_id}/statuses"): "read:statuses",
    ("GET", "/api/v1/followed_tags"): "read:follows",
    ("GET", "/api/v1/accounts/relationships"): "read:follows",
    ("POST", "/api/v1/statuses/{status_id}/favourite"): "write:favourites",
    ("POST", "/api/v1/statuses/{status_id}/unfavourite"): "write:favourites",
    ("POST", "/api/v1/statuses/{status_id}/bookmark"): "write:bookmarks",
    ("POST", "/api/v1/statuses/{status_id}/unbookmark"): "write:bookmarks",
    ("POST", "/api/v1/statuses/{status_id}/pin"): "write:accounts",
    ("POST", "/api/v1/statuses/{status_id}/unpin"): "write:accounts",
    ("POST", "/api/v1/statuses/{status_id}/mute"): "write:mutes",
    ("POST", "/api/v1/statuses/{status_id}/unmute"): "write:mutes",
    ("GET", "/api/v2/search"): "read:search",
    ("GET", "/api/v1/accounts/search"): "read:accounts",
    ("POST", "/api/v1/polls/{poll_id}/votes"): "write:statuses",
    ("GET", "/api/v1/polls/{poll_id}"): "read:statuses",
}

# Route families: (path prefix, scope for reading, scope for writing). The longest matching prefix wins.
PREFIX_SCOPES: tuple[tuple[str, str, str], ...] = (
    ("/api/v1/accounts", "read:accounts", "write:accounts"),
    ("/api/v1/statuses", "read:statuses", "write:statuses"),
    ("/api/v1/timelines", "read:statuses", "write:statuses"),
    ("/api/v1/notifications", "read:notifications", "write:notifications"),
    ("/api/v2/notifications", "read:notifications", "write:notifications"),
    ("/api/v1/follow_requests", "read:follows", "write:follows"),
    ("/api/v1/media", "write:media", "write:media"),
    ("/api/v2/media", "write:media", "write:media"),
    ("/api/v1/bookmarks", "read:bookmarks", "write:bookmarks"),
    ("/api/v1/favourites", "read:favourites", "write:favourites"),
    ("/api/v1/blocks", "read:blocks", "write:blocks"),
    ("/api/v1/domain_blocks", "read:blocks", "write:blocks"),
    ("/api/v1/mutes", "read:mutes", "write:mutes"),
    ("/api/v1/lists", "read:lists", "write:lists"),
    ("/api/v1/filters", "read:filters", "write:filters"),
    ("/api/v2/filters", "read:filters", "write:filters"),
    ("/api/v1/conversations", "read:statuses", "write:conversations"),
    ("/api/v1/markers", "read:statuses", "write:statuses"),
    ("/api/v1/reports", "write:reports", "write:reports"),
    ("/api/moot/v1/reports", "write:reports", "write:reports"),
    ("/api/v1/polls", "read:statuses", "write:statuses"),
    ("/api/v1/preferences", "read:accounts", "write:accounts"),
    ("/api/v1/push", "push", "push"),
    ("/api/v1/admin", "admin:read", "admin:write"),
    ("/api/moot/v1/admin", "admin:read", "admin:write"),
)


def required_scope(method: str, path: str) -> str | None:
    """The scope a route needs (its method and canonical path); None for the open routes."""
    method = "GET" if method == "HEAD" else method.upper()
    if (method, path) in OPEN_ROUTES or path.startswith(SELF_CHECKED_PREFIXES + OPEN_PREFIXES):
        return None
    if (method, path) in ROUTE_SCOPES:
        return ROUTE_SCOPES[(method, path)]
    reading = method == "GET"
    best: tuple[str, str, str] | None = None
    for family in PREFIX_SCOPES:
        prefix = family[0]
        if (path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + ".")) and (
                best is None or len(prefix) > len(best[0])):
            best = family
    if best is not None:
        return best[1] if reading else best[2]
    return "read" if reading else "write"


def parse_scopes(text: str | None) -> list[str]:
    """Space-separated scopes (Mastodon also accepts `+` and commas from some apps), in order, unique."""
    seen: list[str] = []
    for scope in (text or "").replace("+", " ").replace(",", " ").split():
        if scope not in seen:
            seen.append(scope)
    return seen


def allows(granted: frozenset[str] | None, needed: str) -> bool:
    """Whether a grant's scopes cover `needed` (a parent scope covers its sub-scopes)."""
    if granted is FULL:
        return True
    if needed in granted:
        return True
    if needed in FOLLOW_SUBSCOPES and "follow" in granted:
        return True
    parts = needed.split(":")
    # read:statuses <- read; admin:read:accounts <- admin:read
    return any(":".join(parts[:n]) in granted for n in range(1, len(parts)))


@dataclass(frozen=True)
class Grant:
    """What a bearer token may do: act as `actor` (None for an app-only token) within `scopes`."""

    actor: Actor | None
    scopes: frozenset[str] | None
    application: OAuthApplication | None = None
    token: ApiToken | None = None


GRANT = web.RequestKey("oauth_grant", Grant)  # request key: the grant of the request's bearer token
TOUCH_INTERVAL = timedelta(minutes=5)


def hash_secret(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def grant_for_token(token: str) -> Grant | None:
    """The grant of a bearer token (a person's or page's token, or an app's), or None when it is unknown."""
    digest = hash_secret(token)
    row = await ApiToken.filter(token_hash=digest).prefetch_related("actor", "application").first()
    if row is not None:
        if row.actor.deleted_at is not None or await LocalUser.filter(
                actor_id=row.actor_id, suspended_at__isnull=False).exists():
            return None
        now = datetime.now(timezone.utc)
        if row.last_used_at is None or now - row.last_used_at > TOUCH_INTERVAL:
            await ApiToken.filter(id=row.id).update(last_used_at=now)
        scopes = None if row.scopes is None else frozenset(parse_scopes(row.scopes))
        return Grant(actor=row.actor, scopes=scopes, application=row.application, token=row)
    app_token = await OAuthAppToken.filter(token_hash=digest).prefetch_related("application").first()
    if app_token is not None:
        return Grant(actor=None, scopes=frozenset(parse_scopes(app_token.scopes)), application=app_token.application)
    return None


def bearer_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


# Browser apps (Elk, Phanpy) call the API and the token endpoint from other origins, as Mastodon allows.
CORS_PREFIXES = ("/api/", "/oauth/token", "/oauth/revoke", "/.well-known/oauth-authorization-server")
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key",
    "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
    "Access-Control-Expose-Headers": "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining",
    "Access-Control-Max-Age": "86400",
}


def _cors(response: web.StreamResponse) -> web.StreamResponse:
    if not response.prepared:
        for name, value in CORS_HEADERS.items():
            response.headers.setdefault(name, value)
    return response


@web.middleware
async def enforce_scopes(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Checks the bearer token's scopes against the route's; also answers CORS for apps in browsers."""
    if not request.path.startswith(CORS_PREFIXES):
        return await handler(request)
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        return _cors(web.Response(status=204))
    token = bearer_token(request) if request.path.startswith("/api/") else None
    if token is not None:
        grant = await grant_for_token(token)
        resource = request.match_info.route.resource
        if grant is not None and resource is not None:
            request[GRANT] = grant
            needed = required_scope(request.method, resource.canonical)
            if needed is not None and not allows(grant.scopes, needed):
                return _cors(web.json_response({"error": OUT_OF_SCOPE}, status=403))
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _cors(exc)
        raise
    return _cors(response)


def api_routes(app: web.Application) -> list[tuple[str, str]]:
    """Every (method, canonical path) of the app's API routes, for the completeness test."""
    found = []
    for route in app.router.routes():
        resource = route.resource
        if resource is not None and resource.canonical.startswith("/api/") and route.method not in ("HEAD", "*"):
            found.append((route.method, resource.canonical))
    return found
