"""Rate limits on the OAuth endpoints anyone can call without a token (per client address, in memory)."""
from __future__ import annotations

from aiohttp import web

from federation.policy.ratelimit import RateLimiter

OAUTH_LIMITS = web.AppKey("oauth_limits", dict[str, RateLimiter])


def check(request: web.Request, kind: str) -> web.Response | None:
    """None when allowed; else Mastodon's 429, with Retry-After."""
    wait = request.app[OAUTH_LIMITS][kind].check(request.remote or "")
    if not wait:
        return None
    return web.json_response({"error": "Too many requests"}, status=429, headers={"Retry-After": str(int(wait) + 1)})
