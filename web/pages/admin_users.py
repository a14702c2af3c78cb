"""Admin: local users (suspend, promote), invitations, and sign-ups waiting for approval."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from aiohttp import web
from tortoise.expressions import Q
from tortoise.functions import Max

from federation.local_actors import LocalActorError
from models.accounts import PENDING, Invite, RegistrationRequest, WebSession
from models.actors import Actor, LocalUser
from web import app_keys as keys
from web.accounts import (
    AccountError, create_invite, decide_registration, registration_mode, set_admin, suspend_user, unsuspend_user,
)
from web.pages.moderation_common import PAGE_SIZE, done, flash, int_path, page_of, read_form, reason_of
from web.sessions import require_admin_user
from web.templating import gettext, render_page

USERS = "/admin/users"
INVITES = "/admin/invites"
REGISTRATIONS = "/admin/registrations"
# Invitation lifetimes offered, in hours ("" is never).
INVITE_EXPIRY_HOURS = ("1", "24", "168", "720", "")
MAX_INVITE_USES = 1000


# ?show= on the users page.
USER_FILTERS = ("admins", "suspended")
MAX_QUERY = 100


def _user_search(text: str) -> Q:
    """Name, display name or email containing `text` ("@name" is the name)."""
    text = text.strip()
    name = text.lstrip("@")
    return (Q(actor__local_name__icontains=name) | Q(actor__display_name__icontains=text)
            | Q(email__icontains=text))


async def last_signed_in(actor_ids: list[int]) -> dict[int, datetime]:
    """{actor id: when they last used the site}: the latest of their browser sessions' last use (or start),
    in one query."""
    if not actor_ids:
        return {}
    rows = await (WebSession.filter(user_id__in=actor_ids).group_by("user_id")
                  .annotate(seen=Max("last_seen_at"), started=Max("created_at"))
                  .values("user_id", "seen", "started"))
    latest: dict[int, datetime] = {}
    for row in rows:
        moments = [moment for moment in (row["seen"], row["started"]) if moment is not None]
        if moments:
            latest[row["user_id"]] = max(moments)
    return latest


def _kept(q: str, show: str) -> list[tuple[str, str]]:
    """The search and filter, carried through paging and the actions taken from the list."""
    return [(key, value) for key, value in (("q", q), ("show", show)) if value]


async def _users_page(request: web.Request, *, error: str = "", status: int = 200) -> web.Response:
    q = " ".join(request.query.get("q", "").split())[:MAX_QUERY]
    show = request.query.get("show", "")
    show = show if show in USER_FILTERS else ""
    query = LocalUser.all()
    if q:
        query = query.filter(_user_search(q))
    if show == "admins":
        query = query.filter(is_admin=True)
    elif show == "suspended":
        query = query.filter(suspended_at__isnull=False)
    rows = list(await query.order_by("id").offset((page_of(request) - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
                .prefetch_related("actor"))
    accounts = rows[:PAGE_SIZE]
    kept = _kept(q, show)
    next_url = f"{USERS}?{urlencode([*kept, ('page', page_of(request) + 1)])}" if len(rows) > PAGE_SIZE else None
    return render_page(request, "admin/users.html", status=status, accounts=accounts, q=q, show=show,
                       last_seen=await last_signed_in([row.actor_id for row in accounts]), next_url=next_url,
                       flash=flash(request), error=error, tab="users")


async def users_page(request: web.Request) -> web.StreamResponse:
    require_admin_user(request)
    return await _users_page(request)


async def _apply(action: str, admin: Actor, user: Actor, reason: str) -> str:
    """Carry out one user action; returns the done code."""
    if action in ("suspend", "unsuspend"):
        await (suspend_user if action == "suspend" else unsuspend_user)(admin, user, reason=reason)
        return f"{action}ed"
    await set_admin(admin, user, action == "promote", reason=reason)
    return f"{action}d"


async def act_on_user(request: web.Request) -> web.StreamResponse:
    admin = require_admin_user(request)
    form = await read_form(request)
    user = await Actor.filter(id=int_path(request, "actor_id"), is_local=True, type="Person").first()
    if user is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such local account."))
    try:
        code = await _apply(request.match_info["action"], admin, user, reason_of(form))
    except AccountError as exc:
        return await _users_page(request, status=422, error=gettext(request, str(exc)))
    show = form.get("show", "")
    raise done(USERS, code, urlencode(_kept(" ".join(form.get("q", "").split())[:MAX_QUERY],
                                            show if show in USER_FILTERS else "")))


async def _invites_page(request: web.Request, *, error: str = "", status: int = 200) -> web.Response:
    invites = await Invite.all().order_by("-id").limit(100).prefetch_related("created_by")
    now = datetime.now(timezone.utc)
    return render_page(
        request, "admin/invites.html", status=status, invites=invites, now=now,
        expiry_choices=INVITE_EXPIRY_HOURS,
        mode=await registration_mode(), flash=flash(request), error=error, tab="invites",
    )


async def invites_page(request: web.Request) -> web.StreamResponse:
    require_admin_user(request)
    return await _invites_page(request)


async def create_invite_form(request: web.Request) -> web.StreamResponse:
    admin = require_admin_user(request)
    form = await read_form(request)
    hours, uses = form.get("expires_in_hours", ""), form.get("max_uses", "").strip()
    if hours not in INVITE_EXPIRY_HOURS or (uses and not (uses.isdigit() and 1 <= int(uses) <= MAX_INVITE_USES)):
        return await _invites_page(request, status=422, error=gettext(
            request, "Choose an expiry from the list, and a number of uses from 1 to %(most)s (or none for no limit).",
            most=MAX_INVITE_USES))
    expires_at = datetime.now(timezone.utc) + timedelta(hours=int(hours)) if hours else None
    await create_invite(admin, expires_at=expires_at, max_uses=int(uses) if uses else None)
    raise done(INVITES, "invite-created")


async def _registrations_page(request: web.Request, *, error: str = "", status: int = 200) -> web.Response:
    pending = await RegistrationRequest.filter(state=PENDING).order_by("id").limit(PAGE_SIZE)
    return render_page(request, "admin/registrations.html", status=status, pending=pending,
                       mode=await registration_mode(), flash=flash(request), error=error, tab="registrations")


async def registrations_page(request: web.Request) -> web.StreamResponse:
    require_admin_user(request)
    return await _registrations_page(request)


async def decide(request: web.Request) -> web.StreamResponse:
    admin = require_admin_user(request)
    form = await read_form(request)
    decision = form.get("decision", "")
    if decision not in ("approve", "reject"):
        return await _registrations_page(request, status=422, error=gettext(request, "Choose approve or reject."))
    try:
        await decide_registration(request.app[keys.FEDERATION], admin, int_path(request, "request_id"),
                                  decision == "approve", reason=reason_of(form))
    except (AccountError, LocalActorError) as exc:
        return await _registrations_page(request, status=409, error=gettext(request, str(exc)))
    raise done(REGISTRATIONS, "registration-approved" if decision == "approve" else "registration-rejected")


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get(USERS, users_page, name="admin_users")
    r.add_post(USERS + "/{actor_id}/{action:suspend|unsuspend|promote|demote}", act_on_user, name="admin_user_action")
    r.add_get(INVITES, invites_page, name="admin_invites")
    r.add_post(INVITES, create_invite_form, name="admin_invite_create")
    r.add_get(REGISTRATIONS, registrations_page, name="admin_registrations")
    r.add_post(REGISTRATIONS + "/{request_id}", decide, name="admin_registration_decide")
