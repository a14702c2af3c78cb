"""Times as people read them: in their own time zone, in their language, and relative where that helps.

The zone is the account's setting (LocalUser.time_zone), else the browser's: web/static/timezone.js puts
Intl.DateTimeFormat().resolvedOptions().timeZone in the `tz` cookie, which is only ever read as an IANA name
that zoneinfo knows. Without either, times are in UTC.

Templates use the filters registered in web/templating.py:
    <time datetime="{{ dt.isoformat() }}" title="{{ dt|local_time }}">{{ dt|relative_time }}</time>
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import jinja2
from aiohttp import web
from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, format_timedelta

from web import request_keys as rk

# The cookie web/static/timezone.js sets: the browser's IANA zone name, e.g. "Europe/Amsterdam".
TZ_COOKIE = "tz"
UTC = ZoneInfo("UTC")
# IANA names: letters, digits and _+-, with / between parts ("America/Argentina/Buenos_Aires", "Etc/GMT+5").
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]{0,30}(?:/[A-Za-z0-9_+-]{1,30}){0,2}")
# Dates follow the language's conventions; Moot's English writes "1 Dec 2026, 14:05" (day first, 24-hour),
# as British English does, rather than the American "Dec 1, 2026, 2:05 PM".
_DATE_LOCALES = {"en": "en_GB"}
RELATIVE_DAYS = 7  # older than this, a date instead of "n d"


def N_(message: str) -> str:
    """Marks a message for extraction (babel.cfg); the template's gettext translates it when shown."""
    return message


JUST_NOW = N_("now")


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_named(name: str | None) -> ZoneInfo | None:
    """The zone with this IANA name, or None when it is not one (no file paths, nothing zoneinfo lacks)."""
    if not name or not _ZONE_NAME.fullmatch(name) or name not in _known_zones():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_choices() -> list[str]:
    """Every zone a person can choose, sorted; the settings form lists them."""
    return sorted(name for name in _known_zones() if "/" in name or name == "UTC")


def viewer_zone(request: web.Request) -> ZoneInfo:
    """The account's time zone, else a valid `tz` cookie from the browser, else UTC."""
    account = request.get(rk.ACCOUNT)
    chosen = zone_named(account.time_zone) if account is not None else None
    return chosen or zone_named(request.cookies.get(TZ_COOKIE)) or UTC


def _aware(value: datetime) -> datetime:
    # The database gives aware UTC datetimes; a naive one is taken to be UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


@lru_cache(maxsize=32)
def _date_locale(locale: str) -> Locale:
    try:
        return Locale.parse(_DATE_LOCALES.get(locale, locale))
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en_GB")


def format_local_time(value: datetime, zone: ZoneInfo, locale: str) -> str:
    """The full date and time in `zone`, written the way `locale` writes them: "1 Dec 2026, 14:05"."""
    where = _date_locale(locale)
    date = format_skeleton("yMMMd", _aware(value), tzinfo=zone, locale=where)
    time = format_skeleton("Hm", _aware(value), tzinfo=zone, locale=where)
    return str(where.datetime_formats["medium"]).replace("{1}", date).replace("{0}", time)


def format_relative_time(value: datetime, now: datetime, zone: ZoneInfo, locale: str, just_now: str = JUST_NOW) -> str:
    """How long ago, briefly: "now", "5m", "3h", "2d"; after a week the date ("1 Dec", with the year when it is
    not this year's). Units are Babel's narrow ones for the locale (Dutch: "5 m", "3 u", "2 d")."""
    value, now = _aware(value), _aware(now)
    age = now - value
    where = _date_locale(locale)
    if age < timedelta(minutes=1):
        if age > -timedelta(minutes=5):  # a clock a little ahead is still "now"
            return just_now
        return format_local_time(value, zone, locale)  # the future: say exactly when
    if age < timedelta(days=RELATIVE_DAYS):
        # Whole units, rounded down as clocks are read (90 minutes is "1h"); Babel only words them.
        for unit in (timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)):
            if age >= unit:
                return format_timedelta((age // unit) * unit, format="narrow", threshold=1, locale=where)
    same_year = value.astimezone(zone).year == now.astimezone(zone).year
    return format_skeleton("MMMd" if same_year else "yMMMd", value, tzinfo=zone, locale=where)


# --- Jinja filters (web/templating.py registers them) -----------------------------------------------------------


@jinja2.pass_context
def local_time_filter(context: jinja2.runtime.Context, value: datetime | None, zone: ZoneInfo | None = None) -> str:
    """`{{ dt|local_time }}` or `{{ dt|local_time(zone) }}`: the zone defaults to the page's `zone`."""
    if value is None:
        return ""
    return format_local_time(value, zone or _context_zone(context), str(context.get("locale") or "en"))


@jinja2.pass_context
def relative_time_filter(context: jinja2.runtime.Context, value: datetime | None, now: datetime | None = None) -> str:
    """`{{ dt|relative_time }}` or `{{ dt|relative_time(now) }}`: "now" is translated with the page's gettext."""
    if value is None:
        return ""
    translate: Any = context.environment.globals.get("gettext")
    just_now = str(context.call(translate, JUST_NOW)) if callable(translate) else JUST_NOW
    return format_relative_time(value, now or datetime.now(timezone.utc), _context_zone(context),
                                str(context.get("locale") or "en"), just_now)


def _context_zone(context: jinja2.runtime.Context) -> ZoneInfo:
    zone = context.get("zone")
    return zone if isinstance(zone, ZoneInfo) else UTC
