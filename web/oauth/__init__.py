"""OAuth 2 as Mastodon does it, for Mastodon apps (Elk, Phanpy, Tusky, Ivory, Mastodon.py)."""
from __future__ import annotations

from aiohttp import web

from federation.policy.ratelimit import RateLimiter
from web.oauth import apps, authorize, metadata, token
from web.oauth.limits import OAUTH_LIMITS


def setup(app: web.Application) -> None:
    # Per client address: app registrations (Mastodon allows a few per 5 minutes) and token requests.
    app[OAUTH_LIMITS] = {"apps": RateLimiter(rate=10 / 300, burst=10), "token": RateLimiter(rate=1.0, burst=30)}
    r = app.router
    r.add_post("/api/v1/apps", apps.create, name="api_apps")
    r.add_get("/api/v1/apps/verify_credentials", apps.verify_credentials, name="api_apps_verify")
    r.add_get("/oauth/authorize", authorize.authorize, name="oauth_authorize")
    r.add_post("/oauth/authorize", authorize.authorize, name="oauth_authorize_decision")
    r.add_post("/oauth/token", token.token, name="oauth_token")
    r.add_post("/oauth/revoke", token.revoke, name="oauth_revoke")
    r.add_get("/.well-known/oauth-authorization-server", metadata.authorization_server, name="oauth_metadata")
