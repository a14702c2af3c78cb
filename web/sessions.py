"""Browser sign-in: a session cookie whose token's hash is stored, revocable one by one or all at once."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable

from aiohttp import web

from federation.notifications.core import unread_count
from models.accounts import WebSession
from models.actors import Actor, LocalUser
from models.groups import GroupRole
from web import app_keys as keys
from web import request_keys as rk

SESSION_COOKIE = "moot_session"
SESSION_LIFETIME = timedelta(days=30)
# last_seen_at is written at most this often, so reading pages does not write to the database each time.
TOUCH_INTERVAL = timedelta(minutes=5)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(request: web.Request, response: web.StreamResponse, user: Actor) -> None:
    token = secrets.token_urlsafe(32)
    await WebSession.create(
        token_hash=_hash(token), user=user, ip=request.remote or "",
        user_agent=request.headers.get("User-Agent", "")[:255], last_seen_at=datetime.now(timezone.utc),
    )
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax", secure=request.app[keys.SECURE_COOKIES],
                        max_age=int(SESSION_LIFETIME.total_seconds()), path="/")


async def end_session(request: web.Request, response: web.StreamResponse, *, everywhere: bool = False) -> None:
    session = request.get(rk.SESSION)
    now = datetime.now(timezone.utc)
    if session is not None:
        query = WebSession.filter(user_id=session.user_id) if everywhere else WebSession.filter(id=session.id)
        await query.filter(revoked_at=None).update(revoked_at=now)
    response.del_cookie(SESSION_COOKIE, path="/")


@web.middleware
async def load_session(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Puts the signed-in user (an Actor) in request[USER], or None."""
    request[rk.USER] = None
    request[rk.SESSION] = None
    request[rk.ACCOUNT] = None
    request[rk.MODERATES] = False
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        session = await WebSession.filter(token_hash=_hash(token), revoked_at=None).prefetch_related("user").first()
        now = datetime.now(timezone.utc)
        if session is not None and now - session.created_at < SESSION_LIFETIME:
            account = await LocalUser.filter(actor_id=session.user_id).first()
            if account is not None and account.suspended_at is None and session.user.deleted_at is None:
                request[rk.USER], request[rk.SESSION], request[rk.ACCOUNT] = session.user, session, account
                request[rk.MODERATES] = account.is_admin or await GroupRole.filter(
                    actor_id=session.user_id, group__is_local=True, group__deleted_at=None).exists()
                request[rk.UNREAD_NOTIFICATIONS] = await unread_count(session.user, with_pages=True)
                if session.last_seen_at is None or now - session.last_seen_at > TOUCH_INTERVAL:
                    await WebSession.filter(id=session.id).update(last_seen_at=now)
    return await handler(request)


def require_user(request: web.Request) -> Actor:
    """The signed-in user, or a redirect to the sign-in page that comes back here."""
    user = request.get(rk.USER)
    if user is None:
        raise web.HTTPSeeOther(f"/login?next={request.path_qs}")
    return user


def require_admin_user(request: web.Request) -> Actor:
    user = require_user(request)
    account = request.get(rk.ACCOUNT)
    if account is None or not account.is_admin:
        raise web.HTTPForbidden(text="This page is for the instance's admins.")
    return user
