"""Settings → Account: change the password or the email address, export your data, delete your account.

Also the email confirmation links (after a change, and at sign-up when the server asks for it).
"""
from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web

from federation.account_deletion import DeletionError, request_deletion
from federation.account_export import export_zip
from federation.groups.succession import sole_charge
from federation import modlog
from federation.instance_settings import get_setting, put_setting
from models.account_tokens import EMAIL_CONFIRM
from models.actors import Actor, LocalUser
from web import app_keys as keys
from web import request_keys as rk
from web.account_security import (
    change_password, confirm_email, find_token, issue_token, mail, valid_email,
)
from web.accounts import AccountError
from web.i18n import N_
from web.passwords import MIN_PASSWORD_LENGTH, check_password
from web.sessions import SESSION_COOKIE, require_user
from web.templating import gettext, render_page

ACCOUNT = "/settings/account"
REQUIRE_EMAIL_CONFIRMATION = "require_email_confirmation"
# ?done= on the account page: what just happened.
DONE = {
    "password": N_("Your password was changed. Your other browsers were signed out."),
    "email": N_("We sent a link to your new address. Your address changes when you follow it (within 24 hours)."),
    "email-nomail": N_("This server sends no mail, so it cannot confirm a new address. Ask an admin to change it."),
    "confirmed": N_("Your email address is confirmed."),
    "resent": N_("We sent a new confirmation link."),
}


def _account(request: web.Request) -> LocalUser:
    require_user(request)
    account = request[rk.ACCOUNT]
    assert account is not None
    return account


def _link(request: web.Request, path: str) -> str:
    return request.app[keys.SETTINGS].base_url.rstrip("/") + path


async def _page(request: web.Request, *, errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
                status: int = 200) -> web.Response:
    account = _account(request)
    code = request.query.get("done", "")
    flash = gettext(request, DONE[code]) if code in DONE else ""
    return render_page(request, "accounts/settings_account.html", status=status, errors=errors or {},
                       form=form or {}, flash=flash, min_length=MIN_PASSWORD_LENGTH,
                       sends_mail=request.app[keys.FEDERATION].mail is not None, settings_tab="account",
                       is_admin=account.is_admin, sole_charge=await sole_charge(request[rk.USER]))


async def account_page(request: web.Request) -> web.StreamResponse:
    return await _page(request)


async def _form(request: web.Request) -> dict[str, str]:
    return {key: value for key, value in (await request.post()).items() if isinstance(value, str)}


async def password_form(request: web.Request) -> web.StreamResponse:
    account = _account(request)
    form = await _form(request)
    try:
        await change_password(account, form.get("current_password", ""), form.get("password", ""),
                              form.get("confirm", ""), keep_session_id=request[rk.SESSION].id)
    except AccountError as exc:
        field = "current_password" if "current" in str(exc) else "password"
        return await _page(request, errors={field: gettext(request, str(exc))}, status=422)
    raise web.HTTPSeeOther(f"{ACCOUNT}?done=password")


async def send_confirmation(request: web.Request, account: LocalUser, address: str) -> bool:
    """Mail a confirmation link for `address`; False when this server sends no mail."""
    fed = request.app[keys.FEDERATION]
    if fed.mail is None:
        return False
    token = await issue_token(account, EMAIL_CONFIRM, email=address)
    user = request.get(rk.USER)
    name = user.username if user is not None else ""
    text = gettext(
        request, "Hello %(name)s,\n\nTo confirm %(email)s as your email address on %(server)s, open this link "
        "within 24 hours:\n\n%(link)s\n\nIf you did not ask for this, ignore this message.",
        name=name, email=address, server=fed.host, link=_link(request, f"/email/confirm/{token}"))
    return await mail(fed, address, gettext(request, "Confirm your email address on %(server)s", server=fed.host),
                      text)


async def email_form(request: web.Request) -> web.StreamResponse:
    account = _account(request)
    form = await _form(request)
    try:
        address = valid_email(form.get("email", ""))
    except AccountError as exc:
        return await _page(request, errors={"email": gettext(request, str(exc))}, form=form, status=422)
    if not check_password(account.password_hash, form.get("email_password", "")):
        return await _page(request, errors={"email_password": gettext(request, "Your current password is not right.")},
                           form=form, status=422)
    if not await send_confirmation(request, account, address):
        raise web.HTTPSeeOther(f"{ACCOUNT}?done=email-nomail")
    if account.email and account.email.lower() != address.lower():
        fed = request.app[keys.FEDERATION]
        await mail(fed, account.email, gettext(request, "Your email address on %(server)s is changing", server=fed.host),
                   gettext(request, "Someone signed in as %(name)s on %(server)s asked to change the account's email "
                           "address to another one. If that was not you, change your password at once and tell "
                           "an admin.", name=request[rk.USER].username, server=fed.host))
    raise web.HTTPSeeOther(f"{ACCOUNT}?done=email")


async def resend_confirmation(request: web.Request) -> web.StreamResponse:
    account = _account(request)
    if account.email_unconfirmed and account.email:
        await send_confirmation(request, account, account.email)
    raise web.HTTPSeeOther(f"{ACCOUNT}?done=resent")


async def confirm_page(request: web.Request) -> web.StreamResponse:
    """GET shows a button (mail scanners open links; only the person's click spends it), POST confirms."""
    token = request.match_info["token"]
    error = ""
    if request.method == "POST":
        try:
            await confirm_email(token)
        except AccountError as exc:
            error = gettext(request, str(exc))
        else:
            raise web.HTTPSeeOther(f"{ACCOUNT}?done=confirmed" if request.get(rk.USER) else "/login")
    elif await find_token(token, EMAIL_CONFIRM) is None:
        error = gettext(request, "This link does not work any more: it was used, or it expired. Ask for a new one.")
    return render_page(request, "accounts/confirm_email.html", token=token, error=error,
                       status=410 if error else 200)


async def export(request: web.Request) -> web.StreamResponse:
    _account(request)
    user = request[rk.USER]
    body = await export_zip(request.app[keys.FEDERATION], user)
    day = datetime.now(timezone.utc).strftime("%Y%m%d")
    return web.Response(body=body, content_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="moot-{user.username}-{day}.zip"',
        "Cache-Control": "no-store"})


async def delete_form(request: web.Request) -> web.StreamResponse:
    account = _account(request)
    form = await _form(request)
    if not check_password(account.password_hash, form.get("delete_password", "")):
        return await _page(request, errors={"delete_password": gettext(request, "Your current password is not right.")},
                           status=422)
    if account.is_admin and not await LocalUser.filter(is_admin=True, deletion_requested_at=None).exclude(
            id=account.id).exists():
        return await _page(request, errors={"delete_password": gettext(
            request, "You are this server's only admin. Make someone else an admin first.")}, status=422)
    try:
        purge_at = await request_deletion(request.app[keys.FEDERATION], account)
    except DeletionError:
        raise web.HTTPSeeOther("/") from None
    request[rk.USER] = request[rk.ACCOUNT] = None  # the page shows the visitor signed out
    response = render_page(request, "accounts/deleted.html", purge_at=purge_at)
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


async def sign_up_email(request: web.Request, form: dict[str, str]) -> str:
    """The sign-up form's email, checked; required when the server confirms addresses (AccountError)."""
    address = form.get("email", "").strip()
    if not address:
        if await get_setting(REQUIRE_EMAIL_CONFIRMATION, False):
            raise AccountError(N_("This server asks for an email address, to confirm it."))
        return ""
    return valid_email(address)


async def after_sign_up(request: web.Request, user_id: int, address: str) -> None:
    """Store the new account's email; when the server asks for it, mail a confirmation link."""
    if not address:
        return
    required = bool(await get_setting(REQUIRE_EMAIL_CONFIRMATION, False))
    await LocalUser.filter(actor_id=user_id).update(email=address, email_unconfirmed=required)
    if required:
        account = await LocalUser.get(actor_id=user_id)
        await send_confirmation(request, account, address)


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get(ACCOUNT, account_page, name="settings_account")
    r.add_post(ACCOUNT + "/password", password_form, name="settings_account_password")
    r.add_post(ACCOUNT + "/email", email_form, name="settings_account_email")
    r.add_post(ACCOUNT + "/confirmation", resend_confirmation, name="settings_account_resend")
    r.add_get(ACCOUNT + "/export", export, name="settings_account_export")
    r.add_post(ACCOUNT + "/delete", delete_form, name="settings_account_delete")
    r.add_route("*", "/email/confirm/{token}", confirm_page, name="email_confirm")


async def save_email_confirmation(admin: Actor, required: bool, *, reason: str = "") -> None:
    """The admin setting: do new accounts confirm their email address?"""
    if required != bool(await get_setting(REQUIRE_EMAIL_CONFIRMATION, False)):
        await put_setting(REQUIRE_EMAIL_CONFIRMATION, required)
        await modlog.record("instance.settings", moderator=admin, target=REQUIRE_EMAIL_CONFIRMATION, reason=reason,
                            public=False)
