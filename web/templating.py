"""Jinja2 rendering: a base layout plus a macro library, autoescaped, every string through gettext."""
from __future__ import annotations

from typing import Any

import jinja2
import markupsafe
from aiohttp import web

from federation.content import sanitize_html
from web import app_keys as keys
from web import request_keys as rk
from web.csrf import CSRF_FIELD, token_for
from web.i18n import LOCALE_COOKIE, choose_locale
from web.theme import theme_css_url
from web.timezones import local_time_filter, relative_time_filter, viewer_zone


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
    env.filters["clean_html"] = clean_html
    # {{ dt|local_time }} "1 Dec 2026, 14:05" in the viewer's zone; {{ dt|relative_time }} "3h" (web/timezones.py).
    env.filters["local_time"] = local_time_filter
    env.filters["relative_time"] = relative_time_filter
    return env


def clean_html(value: str | None) -> markupsafe.Markup:
    """HTML from the database made safe to show, whoever wrote it and whenever (`{{ x | clean_html }}`): for
    stored HTML that was not always sanitised (the summaries of pages made before they were plain text)."""
    return markupsafe.Markup(sanitize_html(value or ""))


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
    defaults: dict[str, Any] = dict(
        instance_name=info.name,
        instance_description=info.description,
        instance_rules=info.rules,
        base_url=settings.base_url,
        user=request.get(rk.USER),
        account=request.get(rk.ACCOUNT),
        moderates=request.get(rk.MODERATES, False),
        unread_notifications=request.get(rk.UNREAD_NOTIFICATIONS, 0),
        csrf_field=CSRF_FIELD,
        csrf_token=token_for(request),
        locale=locale,
        locales=sorted(request.app[keys.TRANSLATIONS]),
        current_path=request.path_qs,
        # The viewer's time zone (web/timezones.py), for the local_time and relative_time filters.
        zone=viewer_zone(request),
        # The instance's identity (admin settings): the accent stylesheet, and the logo and favicon or None.
        theme_css_url=theme_css_url(info.accent),
        logo_url=info.logo_url or None,
        favicon_url=info.favicon_url or None,
    )
    html = env.get_template(template).render({**defaults, **context})
    response = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    if request.query.get("lang") == locale:
        response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 24 * 3600, samesite="Lax", path="/")
    return response


# ASCII control characters and space: browsers strip them from both ends of a URL, and drop tabs and
# line breaks anywhere in it (WHATWG URL parsing), so "/\t/evil.example" is read as "//evil.example".
_URL_CONTROLS = "".join(map(chr, range(0x21))) + "\x7f"
_DROPPED = str.maketrans("", "", "".join(map(chr, range(0x20))) + "\x7f")


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: never an open redirect.

    The target is read as a browser reads a Location: control characters and whitespace around it go,
    control characters inside it go, and a backslash is a slash. What is left must be a path with one
    leading slash; "//host" and "/\\host" name another site, "https://host" is absolute.
    """
    if not target:
        return default
    path = target.strip(_URL_CONTROLS).translate(_DROPPED).replace("\\", "/")
    if path.startswith("/") and not path.startswith("//"):
        return path
    return default
