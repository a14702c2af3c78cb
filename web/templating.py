"""Jinja2 rendering: a base layout plus a macro library, autoescaped, every string through gettext."""
from __future__ import annotations

from typing import Any

import jinja2
from aiohttp import web

from web import app_keys as keys
from web import request_keys as rk
from web.csrf import CSRF_FIELD, token_for
from web.i18n import LOCALE_COOKIE, choose_locale


def make_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        enable_async=False,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_null_translations(newstyle=True)
    return env


def request_locale(request: web.Request) -> str:
    if rk.LOCALE not in request:
        account = request.get(rk.ACCOUNT)
        preferred = account.locale if account is not None else None
        request[rk.LOCALE] = choose_locale(request, list(request.app[keys.TRANSLATIONS]), preferred)
    return request[rk.LOCALE]


def gettext(request: web.Request, message: str, **variables: Any) -> str:
    """Translate a message in Python code (flash messages, errors shown on pages)."""
    translated = request.app[keys.TRANSLATIONS][request_locale(request)].gettext(message)
    return translated % variables if variables else translated


def render_page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    settings = request.app[keys.SETTINGS]
    info = request.app[keys.FEDERATION].instance_info.current
    env: jinja2.Environment = request.app[keys.TEMPLATES]
    locale = request_locale(request)
    # Rendering is synchronous, so installing this request's catalogue cannot race with another request.
    env.install_gettext_translations(request.app[keys.TRANSLATIONS][locale], newstyle=True)  # type: ignore[attr-defined]
    html = env.get_template(template).render(
        instance_name=info.name,
        instance_description=info.description,
        instance_rules=info.rules,
        base_url=settings.base_url,
        user=request.get(rk.USER),
        account=request.get(rk.ACCOUNT),
        moderates=request.get(rk.MODERATES, False),
        csrf_field=CSRF_FIELD,
        csrf_token=token_for(request),
        locale=locale,
        locales=sorted(request.app[keys.TRANSLATIONS]),
        current_path=request.path_qs,
        **context,
    )
    response = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    if request.query.get("lang") == locale:
        response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 24 * 3600, samesite="Lax", path="/")
    return response


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
