"""/settings/notifications: per kind, shown on the site or not, and mailed (off, at once, daily digest); and
/unsubscribe/{token}, the one-click unsubscribe of notification mail (RFC 8058), which needs no sign-in."""
from __future__ import annotations

from aiohttp import web

from federation.notifications import core
from federation.notifications import kinds as k
from federation.notifications import mail as notification_mail
from models.notifications import EMAIL_CHOICES, EMAIL_OFF
from web import request_keys as rk
from web.pages.community_common import read_form
from web.sessions import require_user
from web.templating import gettext, render_page

# The kinds in the order the page lists them, in sections.
SECTIONS = (
    ("people", (k.MENTION, k.REPLY, k.FAVOURITE, k.REBLOG, k.FOLLOW, k.FOLLOW_REQUEST)),
    ("groups", (k.JOIN_REQUEST, k.JOIN_APPROVED, k.JOIN_REJECTED, k.POST_HELD, k.POST_REMOVED, k.POST_RESTORED,
                k.REPORT)),
    ("activities", (k.POLL, k.EVENT_CHANGED, k.EVENT_CANCELLED, k.EVENT_REMINDER)),
)


async def settings_page(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    if request.method == "POST":
        form = await read_form(request)
        for kind in k.KINDS:
            email = str(form.get(f"email_{kind}", EMAIL_OFF))
            await core.set_preference(user.id, kind, web=bool(form.get(f"web_{kind}")),
                                      email=email if email in EMAIL_CHOICES else EMAIL_OFF)
        raise web.HTTPSeeOther("/settings/notifications?notice=saved")
    saved = request.query.get("notice") == "saved"
    account = request.get(rk.ACCOUNT)
    return render_page(
        request, "accounts/settings_notifications.html", sections=SECTIONS, labels=k.LABELS,
        choices=await core.preferences(user.id), has_email=bool(account is not None and account.email),
        flash=gettext(request, "Your notification settings are saved.") if saved else "",
    )


async def unsubscribe_page(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    user_id = await notification_mail.token_user(token)
    if request.method == "POST":
        # A mail program's one-click POST (body "List-Unsubscribe=One-Click") or the confirm button: no CSRF
        # token, none needed: the secret in the path is the authority (web/csrf.py exempts /unsubscribe/).
        done = await notification_mail.unsubscribe(token)
        return render_page(request, "notifications/unsubscribe.html", status=200 if done else 404, known=done,
                           done=done, token=token)
    return render_page(request, "notifications/unsubscribe.html", status=200 if user_id else 404,
                       known=user_id is not None, done=False, token=token)


def setup(app: web.Application) -> None:
    r = app.router
    r.add_route("*", "/settings/notifications", settings_page, name="settings_notifications")
    r.add_route("*", "/unsubscribe/{token}", unsubscribe_page, name="unsubscribe")
