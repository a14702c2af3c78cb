"""CSRF protection for forms: a double-submit token in a cookie and a hidden field, compared in constant time."""
from __future__ import annotations

import hmac
import secrets
from typing import Awaitable, Callable

from aiohttp import web

from web import app_keys as keys
from web import request_keys as rk
from web.i18n import N_

CSRF_COOKIE = "moot_csrf"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The API uses bearer tokens and the inboxes HTTP signatures: no cookies, so no CSRF.
EXEMPT_PREFIXES = ("/api/", "/inbox", "/actor/inbox", "/oauth/token", "/oauth/revoke",  # OAuth: client secrets
                   "/unsubscribe/")  # RFC 8058 one-click from a mail program: the token in the path decides

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def token_for(request: web.Request) -> str:
    """The request's CSRF token, minting one (set as a cookie on the way out) when missing."""
    token = request.get(rk.CSRF_TOKEN) or request.cookies.get(CSRF_COOKIE)
    if not token or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request[rk.CSRF_NEW] = True
    request[rk.CSRF_TOKEN] = token
    return token


def _exempt(request: web.Request) -> bool:
    return request.path.startswith(EXEMPT_PREFIXES) or request.path.endswith("/inbox")


@web.middleware
async def csrf_protect(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in UNSAFE_METHODS and not _exempt(request):
        cookie = request.cookies.get(CSRF_COOKIE, "")
        form = await request.post() if request.content_type in ("application/x-www-form-urlencoded",
                                                                 "multipart/form-data") else {}
        sent = str(form.get(CSRF_FIELD, "")) or request.headers.get("X-CSRF-Token", "")
        if not cookie or not sent or not hmac.compare_digest(cookie, sent):
            raise web.HTTPForbidden(text=N_("The form expired or came from another site. Go back, reload the page "
                                            "and try again."))
    response = await handler(request)
    if request.get(rk.CSRF_NEW):
        response.set_cookie(CSRF_COOKIE, request[rk.CSRF_TOKEN], httponly=True, samesite="Lax",
                            secure=request.app[keys.SECURE_COOKIES], path="/")
    return response
