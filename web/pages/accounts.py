"""Sign-up, sign-in, sign-out, the first admin, and account settings."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from federation.actions.profile import update_profile
from federation.content import html_to_text
from federation.local_actors import description_html
from federation.people.posting_defaults import (
    DEFAULT_VISIBILITIES, PostingDefaults, PostingDefaultsError, checked_language, checked_visibility, defaults_of,
    language_codes, save_posting_defaults,
)
from federation.policy.ratelimit import RateLimiter
from models.accounts import WebSession
from models.actors import Actor, LocalUser
from web import app_keys as keys
from web import request_keys as rk
from web.accounts import (
    AccountError, authenticate, create_first_admin, has_admin, register, registration_mode, valid_invite,
)
from web.i18n import N_, language_choices
from web.media import MediaError, error_text, profile_media_from_form
from web.pages.settings_account import after_sign_up, sign_up_email
from web.sessions import end_session, require_user, start_session
from web.templating import gettext, render_page, request_locale, safe_next
from web.timezones import TZ_COOKIE, zone_choices, zone_named

LOGIN_LIMITS = web.AppKey("login_limits", dict)
POSTING_ERRORS = {
    "visibility": N_("Choose who sees your posts from the list."),
    "language": N_("Choose a language from the list."),
}


def _limits(request: web.Request) -> dict[str, RateLimiter]:
    return request.app[LOGIN_LIMITS]


async def setup_page(request: web.Request) -> web.StreamResponse:
    """Create the first admin account, on a server that has none."""
    if await has_admin():
        raise web.HTTPSeeOther("/login")
    errors = ""
    form: dict[str, str] = {}
    if request.method == "POST":
        form = {k: str(v) for k, v in (await request.post()).items()}
        try:
            user = await create_first_admin(request.app[keys.FEDERATION], form.get("username", ""),
                                            form.get("password", ""), form.get("confirm", ""))
        except AccountError as exc:
            errors = gettext(request, str(exc))
        else:
            response = web.HTTPSeeOther("/admin")
            await start_session(request, response, user)
            raise response
    return render_page(request, "accounts/setup.html", form=form, error=errors, status=422 if errors else 200)


async def login_page(request: web.Request) -> web.StreamResponse:
    if not await has_admin():
        raise web.HTTPSeeOther("/setup")
    next_url = safe_next(request.query.get("next"), "/home")
    error = ""
    name = ""
    if request.method == "POST":
        form = await request.post()
        name = str(form.get("username", "")).strip().lower()
        next_url = safe_next(str(form.get("next", "")), "/home")
        wait = max(_limits(request)["ip"].check(request.remote or ""), _limits(request)["account"].check(name))
        if wait:
            raise web.HTTPTooManyRequests(
                text=gettext(request, "Too many sign-in attempts. Wait a minute and try again."),
                headers={"Retry-After": str(int(wait) + 1)})
        user = await authenticate(name, str(form.get("password", "")))
        if user is not None:
            await LocalUser.filter(actor_id=user.id).update(last_sign_in_at=datetime.now(timezone.utc))
            response = web.HTTPSeeOther(next_url)
            await start_session(request, response, user)
            raise response
        error = gettext(request, "That name and password do not match an account here.")
    return render_page(request, "accounts/login.html", username=name, next_url=next_url, error=error,
                       status=401 if error else 200)


async def logout(request: web.Request) -> web.StreamResponse:
    response = web.HTTPSeeOther("/")
    await end_session(request, response, everywhere=bool((await request.post()).get("everywhere")))
    raise response


async def register_page(request: web.Request) -> web.StreamResponse:
    if not await has_admin():
        raise web.HTTPSeeOther("/setup")
    mode = await registration_mode()
    invite = request.query.get("invite", "")
    error = ""
    form: dict[str, str] = {}
    if request.method == "POST":
        form = {k: str(v) for k, v in (await request.post()).items()}
        invite = form.get("invite", "")
        try:
            email = await sign_up_email(request, form)  # checked, and required when the server confirms it
            outcome = await register(request.app[keys.FEDERATION], form.get("username", ""), form.get("password", ""),
                                     form.get("confirm", ""), email=email,
                                     reason=form.get("reason", ""), invite_code=invite)
        except AccountError as exc:
            error = gettext(request, str(exc))
        else:
            if outcome.pending:
                return render_page(request, "accounts/pending.html")
            if outcome.user is not None:
                await after_sign_up(request, outcome.user.id, email)
            response = web.HTTPSeeOther("/welcome")  # suggests groups to join (web/pages/joining.py)
            assert outcome.user is not None
            await start_session(request, response, outcome.user)
            raise response
    invite_ok = bool(invite) and await valid_invite(invite)
    return render_page(request, "accounts/register.html", mode=mode, invite=invite, invite_ok=invite_ok,
                       form=form, error=error, status=422 if error else 200)


async def settings_page(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    account = request[rk.ACCOUNT]
    assert account is not None
    saved = media_error = ""
    if request.method == "POST":
        form = await request.post()
        # "" is automatic (the browser's zone, else UTC); anything else must be a zone zoneinfo knows.
        time_zone = str(form.get("time_zone", "")).strip() if "time_zone" in form else account.time_zone or ""
        if time_zone and zone_named(time_zone) is None:
            return await _settings_form(request, user, account, errors={
                "time_zone": gettext(request, "Choose a time zone from the list.")})
        try:
            posting = _posting_defaults_from(form)
        except PostingDefaultsError as exc:
            return await _settings_form(request, user, account, errors={
                f"default_{exc.field}": gettext(request, POSTING_ERRORS[exc.field])})
        before = (user.display_name, user.summary, user.icon_url, user.image_url)
        user.display_name = str(form.get("display_name", "")).strip()[:100] or None
        user.summary = description_html(str(form.get("bio", "")).strip()[:2000], request.app[keys.FEDERATION].urls)
        try:
            for attribute, url in (await profile_media_from_form(request, user, form)).items():
                setattr(user, attribute, url)
        except MediaError as exc:
            media_error = error_text(request, exc)
        else:
            if (user.display_name, user.summary, user.icon_url, user.image_url) != before:
                # Saves the profile and sends Update{Person} to followers.
                await update_profile(request.app[keys.FEDERATION], user,
                                     ["display_name", "summary", "icon_url", "image_url"])
            locale = str(form.get("locale", ""))
            if locale in request.app[keys.TRANSLATIONS]:
                await LocalUser.filter(id=account.id).update(locale=locale)
            if (time_zone or None) != account.time_zone:
                account.time_zone = time_zone or None
                await LocalUser.filter(id=account.id).update(time_zone=account.time_zone)
            if posting is not None:
                await save_posting_defaults(account, visibility=posting.visibility, sensitive=posting.sensitive,
                                            language=posting.language)
            saved = gettext(request, "Saved.")
    return await _settings_form(request, user, account, saved=saved, media_error=media_error)


def _posting_defaults_from(form: MultiDictProxy[Any]) -> PostingDefaults | None:
    """The form's posting defaults, checked (PostingDefaultsError); None when the form has none to save."""
    if "default_visibility" not in form:
        return None
    return PostingDefaults(checked_visibility(form.get("default_visibility")), bool(form.get("default_sensitive")),
                           checked_language(form.get("default_language")))


async def _settings_form(request: web.Request, user: Actor, account: LocalUser, *, saved: str = "",
                         media_error: str = "", errors: dict[str, str] | None = None) -> web.Response:
    sessions = await WebSession.filter(user=user, revoked_at=None).order_by("-created_at")
    browser_zone = zone_named(request.cookies.get(TZ_COOKIE))
    errors = errors or {}
    return render_page(request, "accounts/settings.html", flash=saved, sessions=sessions,
                       current_session=request[rk.SESSION], bio=_bio_text(user), media_error=media_error,
                       zone_error=errors.get("time_zone", ""), errors=errors, time_zones=zone_choices(),
                       now_utc=datetime.now(timezone.utc), browser_zone=browser_zone.key if browser_zone else "",
                       posting=defaults_of(account), default_visibilities=DEFAULT_VISIBILITIES,
                       languages=language_choices(request_locale(request), language_codes()),
                       status=422 if media_error or errors else 200)


async def revoke_session(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    session_id = request.match_info["session_id"]
    if session_id.isdigit():
        await WebSession.filter(id=int(session_id), user=user, revoked_at=None).update(
            revoked_at=datetime.now(timezone.utc))
    raise web.HTTPSeeOther("/settings")


def _bio_text(user: Actor) -> str:
    return html_to_text(user.summary or "")


def setup(app: web.Application) -> None:
    app[LOGIN_LIMITS] = {"ip": RateLimiter(rate=10 / 60, burst=10), "account": RateLimiter(rate=5 / 60, burst=5)}
    r = app.router
    r.add_route("*", "/setup", setup_page, name="setup")
    r.add_route("*", "/login", login_page, name="login")
    r.add_post("/logout", logout, name="logout")
    r.add_route("*", "/register", register_page, name="register")
    r.add_route("*", "/settings", settings_page, name="settings")
    r.add_post("/settings/sessions/{session_id}/revoke", revoke_session, name="revoke_session")
