"""A forgotten password: a single-use link by mail (an hour), and the admins' reset and deletion controls.

/password/forgot answers the same whether or not an account matches, so it reveals nobody; it shares the
sign-in's rate limits. Without mail, the page says so: an admin resets the password and passes on the link.
"""
from __future__ import annotations

from aiohttp import web

from federation.account_deletion import DeletionError, cancel_deletion
from models.account_tokens import PASSWORD_RESET
from models.actors import Actor, LocalUser
from web import app_keys as keys
from web.account_security import accounts_for, admin_reset, find_token, issue_token, mail, reset_password
from web.accounts import AccountError
from web.pages.accounts import LOGIN_LIMITS
from web.pages.moderation_common import int_path, read_form, reason_of
from web.passwords import MIN_PASSWORD_LENGTH
from web.sessions import require_admin_user
from web.templating import gettext, render_page

FORGOT = "/password/forgot"


def _link(request: web.Request, token: str) -> str:
    return request.app[keys.SETTINGS].base_url.rstrip("/") + f"/password/reset/{token}"


async def mail_reset_link(request: web.Request, account: LocalUser, token: str | None = None) -> bool:
    """Mail a reset link to the account's address; False when there is no mail (or no address)."""
    fed = request.app[keys.FEDERATION]
    if fed.mail is None or not account.email:
        return False
    token = token or await issue_token(account, PASSWORD_RESET)
    await account.fetch_related("actor")
    text = gettext(
        request, "Hello %(name)s,\n\nTo choose a new password for your account on %(server)s, open this link "
        "within an hour:\n\n%(link)s\n\nThe link works once. If you did not ask for this, ignore this message: "
        "your password stays as it is.", name=account.actor.username, server=fed.host, link=_link(request, token))
    return await mail(fed, account.email, gettext(request, "Reset your password on %(server)s", server=fed.host), text)


async def forgot_page(request: web.Request) -> web.StreamResponse:
    sends_mail = request.app[keys.FEDERATION].mail is not None
    sent = False
    if request.method == "POST" and sends_mail:
        form = await read_form(request)
        text = form.get("account", "").strip()[:255]
        limits = request.app[LOGIN_LIMITS]
        wait = max(limits["ip"].check(request.remote or ""), limits["account"].check("reset:" + text.lower()))
        if wait:
            raise web.HTTPTooManyRequests(
                text=gettext(request, "Too many attempts. Wait a minute and try again."),
                headers={"Retry-After": str(int(wait) + 1)})
        for account in await accounts_for(text):
            await mail_reset_link(request, account)
        sent = True
    return render_page(request, "accounts/password_forgot.html", sent=sent, sends_mail=sends_mail)


async def reset_page(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    error = ""
    if request.method == "POST":
        form = await read_form(request)
        try:
            await reset_password(token, form.get("password", ""), form.get("confirm", ""))
        except AccountError as exc:
            error = gettext(request, str(exc))
        else:
            return render_page(request, "accounts/password_reset.html", done=True, token=token, gone=False)
        gone = await find_token(token, PASSWORD_RESET) is None
        return render_page(request, "accounts/password_reset.html", token=token, error=error, gone=gone,
                           min_length=MIN_PASSWORD_LENGTH, status=410 if gone else 422)
    gone = await find_token(token, PASSWORD_RESET) is None
    return render_page(request, "accounts/password_reset.html", token=token, gone=gone,
                       min_length=MIN_PASSWORD_LENGTH, status=410 if gone else 200)


async def _local_account(request: web.Request) -> tuple[Actor, LocalUser]:
    user = await Actor.filter(id=int_path(request, "actor_id"), is_local=True, type="Person").first()
    account = await LocalUser.filter(actor_id=user.id).first() if user is not None else None
    if user is None or account is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such local account."))
    return user, account


async def admin_reset_page(request: web.Request) -> web.StreamResponse:
    """Mail the person a reset link; without mail (or an address), show the admin a link to pass on."""
    admin = require_admin_user(request)
    form = await read_form(request)
    user, account = await _local_account(request)
    if account.deletion_requested_at is not None:
        raise web.HTTPConflict(text=gettext(request, "This account is scheduled for deletion."))
    token = await admin_reset(admin, account, reason=reason_of(form))
    mailed = await mail_reset_link(request, account, token)
    link = "" if mailed else _link(request, token)
    return render_page(request, "accounts/admin_reset.html", person=user, mailed=mailed, link=link, tab="users")


async def admin_cancel_deletion(request: web.Request) -> web.StreamResponse:
    admin = require_admin_user(request)
    form = await read_form(request)
    _, account = await _local_account(request)
    try:
        await cancel_deletion(admin, account, reason=reason_of(form))
    except DeletionError:
        pass  # already cancelled, or purged (then the account is not found above)
    raise web.HTTPSeeOther(f"/admin/users#user-{account.actor_id}")


def setup(app: web.Application) -> None:
    r = app.router
    r.add_route("*", FORGOT, forgot_page, name="password_forgot")
    r.add_route("*", "/password/reset/{token}", reset_page, name="password_reset")
    r.add_post("/admin/users/{actor_id}/reset-password", admin_reset_page, name="admin_user_reset_password")
    r.add_post("/admin/users/{actor_id}/cancel-deletion", admin_cancel_deletion, name="admin_user_cancel_deletion")
