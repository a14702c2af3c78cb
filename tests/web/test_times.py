"""Times in the viewer's zone and language (web/timezones.py), the time zone setting, and unread markers'
record of visits (web/visits.py)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import make_mocked_request
from yarl import URL

from models.accounts import WebSession
from models.actors import LocalUser
from models.groups import GroupVisit
from tests.conftest import MootInstance
from tests.web.browser import FormClient
from tests.web.test_community_pages import People, group, people  # noqa: F401 (fixtures)
from web import request_keys as rk
from web.templating import make_environment
from web.timezones import TZ_COOKIE, UTC, format_local_time, format_relative_time, viewer_zone, zone_named
from web.visits import VISIT_GAP, previous_visit

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 12, 10, 12, 0, tzinfo=timezone.utc)


# --- formatting -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("locale", "winter", "summer"), [
    ("en", "1 Dec 2026, 14:05", "1 Jul 2026, 15:05"),
    ("nl", "1 dec 2026, 14:05", "1 jul 2026, 15:05"),
])
def test_local_time_is_in_the_zone_and_the_language(locale: str, winter: str, summer: str) -> None:
    # 13:05 UTC is 14:05 in Amsterdam in winter (CET) and 15:05 in summer (CEST).
    assert format_local_time(datetime(2026, 12, 1, 13, 5, tzinfo=timezone.utc), AMSTERDAM, locale) == winter
    assert format_local_time(datetime(2026, 7, 1, 13, 5, tzinfo=timezone.utc), AMSTERDAM, locale) == summer
    # A naive time from the database is UTC.
    assert format_local_time(datetime(2026, 12, 1, 13, 5), AMSTERDAM, locale) == winter
    assert format_local_time(datetime(2026, 12, 1, 13, 5, tzinfo=timezone.utc), UTC, locale).endswith("13:05")


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", ["now", "1m", "59m", "1h", "23h", "2d", "6d", "1 Dec", "5 Nov 2025", "now"]),
    ("nl", ["now", "1 m", "59 m", "1 u", "23 u", "2 d", "6 d", "1 dec", "5 nov 2025", "now"]),
])
def test_relative_time_is_brief_and_rounds_down(locale: str, expected: list[str]) -> None:
    ages = [timedelta(seconds=20), timedelta(minutes=1), timedelta(minutes=59, seconds=59), timedelta(minutes=90),
            timedelta(hours=23, minutes=59), timedelta(days=2), timedelta(days=6, hours=23), timedelta(days=9),
            timedelta(days=400), -timedelta(minutes=2)]
    assert [format_relative_time(NOW - age, NOW, AMSTERDAM, locale) for age in ages] == expected
    # Further in the future: exactly when.
    assert format_relative_time(NOW + timedelta(hours=2), NOW, AMSTERDAM, locale) == \
        format_local_time(NOW + timedelta(hours=2), AMSTERDAM, locale)


def test_a_date_near_new_year_is_in_the_viewers_year() -> None:
    now = datetime(2027, 1, 20, 12, 0, tzinfo=timezone.utc)
    late = datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)  # 00:30 on 1 January in Amsterdam
    assert format_relative_time(late, now, AMSTERDAM, "en") == "1 Jan"
    assert format_relative_time(late, now, UTC, "en") == "31 Dec 2026"


def test_the_filters_use_the_pages_zone_language_and_translations() -> None:
    env = make_environment()
    env.install_gettext_callables(lambda text: {"now": "nu"}.get(text, text),  # type: ignore[attr-defined]
                                  lambda one, many, n: one if n == 1 else many, newstyle=True)
    template = env.from_string('<time datetime="{{ dt.isoformat() }}" title="{{ dt|local_time }}">'
                               '{{ dt|relative_time(now) }}</time>|{{ dt|local_time(other) }}|{{ now|relative_time(now) }}'
                               '|{{ none|local_time }}{{ none|relative_time }}')
    dt = NOW - timedelta(hours=3)
    html = template.render(dt=dt, now=NOW, zone=AMSTERDAM, locale="nl", other=ZoneInfo("America/New_York"))
    assert html == ('<time datetime="2026-12-10T09:00:00+00:00" title="10 dec 2026, 10:00">3 u</time>'
                    '|10 dec 2026, 04:00|nu|')
    # Without a zone in the page: UTC; without a locale: English.
    assert env.from_string("{{ dt|local_time }}").render(dt=dt) == "10 Dec 2026, 09:00"


# --- the viewer's zone ----------------------------------------------------------------------------------------


def _request(cookie: str | None = None, account_zone: str | None = None, signed_in: bool = False):  # type: ignore[no-untyped-def]
    headers = {"Cookie": f"{TZ_COOKIE}={cookie}"} if cookie is not None else {}
    request = make_mocked_request("GET", "/", headers=headers)
    request[rk.ACCOUNT] = LocalUser(time_zone=account_zone) if signed_in else None
    return request


def test_viewer_zone_is_the_setting_else_the_browsers_else_utc() -> None:
    assert viewer_zone(_request()) == UTC
    assert viewer_zone(_request("America/New_York")) == ZoneInfo("America/New_York")
    assert viewer_zone(_request("America/New_York", "Asia/Tokyo", signed_in=True)) == ZoneInfo("Asia/Tokyo")
    assert viewer_zone(_request("America/New_York", None, signed_in=True)) == ZoneInfo("America/New_York")
    for hostile in ("../../etc/passwd", "/etc/localtime", "Not/AZone", "Europe/Amsterdam\x00", "", "x" * 300):
        assert viewer_zone(_request(hostile)) == UTC, hostile
        assert zone_named(hostile) is None


# --- the setting ----------------------------------------------------------------------------------------------


async def test_the_time_zone_setting_is_stored_and_used_for_times(moot: MootInstance, people: People) -> None:
    ada, browser = await people("ada")
    page = await browser.get("/settings")
    assert 'name="time_zone"' in page.text and '<option value="Europe/Amsterdam">' in page.text
    assert "Automatic: your browser" in page.text

    def fields(zone: str) -> dict[str, str]:
        return {"display_name": "Ada", "bio": "", "locale": "en", "time_zone": zone}

    page = await browser.submit("/settings", "/settings", fields("Asia/Tokyo"))
    assert page.status == 200 and "Saved." in page.text
    assert (await LocalUser.get(actor=ada)).time_zone == "Asia/Tokyo"
    session = await WebSession.filter(user=ada).order_by("-id").first()
    assert session is not None
    tokyo = format_local_time(session.created_at, ZoneInfo("Asia/Tokyo"), "en")
    assert f">{tokyo}</time>" in page.text and '<option value="Asia/Tokyo" selected>' in page.text

    page = await browser.submit("/settings", "/settings", fields("Mars/Olympus_Mons"))
    assert page.status == 422 and "Choose a time zone from the list." in page.text
    assert (await LocalUser.get(actor=ada)).time_zone == "Asia/Tokyo"

    # Back to automatic: the browser's zone from the cookie that web/static/timezone.js sets, else UTC.
    await browser.submit("/settings", "/settings", fields(""))
    assert (await LocalUser.get(actor=ada)).time_zone is None
    browser.session.cookie_jar.update_cookies({TZ_COOKIE: "America/New_York"}, URL(moot.base_url))
    page = await browser.get("/settings")
    assert re.search(r'<option value="">Automatic: your browser\'s \(America/New_York\)</option>', page.text)
    assert f">{format_local_time(session.created_at, ZoneInfo('America/New_York'), 'en')}</time>" in page.text
    # A form without the field (an older page) leaves the setting alone.
    await browser.submit("/settings", "/settings", fields("Europe/Amsterdam"))
    await browser.submit("/settings", "/settings", {"display_name": "Ada", "bio": "", "locale": "en"})
    assert (await LocalUser.get(actor=ada)).time_zone == "Europe/Amsterdam"


async def test_the_timezone_script_is_served(moot: MootInstance) -> None:
    browser = FormClient(moot.base_url)
    try:
        page = await browser.get("/static/timezone.js")
        assert page.status == 200 and "resolvedOptions().timeZone" in page.text and "tz=" in page.text
    finally:
        await browser.close()


# --- visits ---------------------------------------------------------------------------------------------------


async def test_previous_visit_marks_what_is_new_since_the_last_visit(moot: MootInstance) -> None:
    ada, _ = await moot.user("ada")
    garden = await group(moot, "gardening", ada)
    start = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)

    assert await previous_visit(ada, garden, now=start) is None  # the first visit
    # Reading on (pages, threads, back again) is the same visit: still nothing to compare with, and the row
    # is written at most once a minute.
    assert await previous_visit(ada, garden, now=start + timedelta(seconds=30)) is None
    assert (await GroupVisit.get(user=ada, group=garden)).last_seen_at == start
    assert await previous_visit(ada, garden, now=start + timedelta(minutes=10)) is None
    assert (await GroupVisit.get(user=ada, group=garden)).last_seen_at == start + timedelta(minutes=10)

    # Back the next day: new since 09:10, for the whole of this visit.
    later = start + timedelta(days=1)
    assert await previous_visit(ada, garden, now=later) == start + timedelta(minutes=10)
    assert await previous_visit(ada, garden, now=later + timedelta(minutes=5)) == start + timedelta(minutes=10)
    assert await previous_visit(ada, garden, now=later + timedelta(minutes=20)) == start + timedelta(minutes=10)
    # After a gap, the visit before is the one that ended at later + 20 minutes.
    again = later + timedelta(minutes=20) + VISIT_GAP + timedelta(seconds=1)
    assert await previous_visit(ada, garden, now=again) == later + timedelta(minutes=20)

    # Per person and group.
    bob, _ = await moot.user("bob")
    assert await previous_visit(bob, garden, now=again) is None
    assert await GroupVisit.all().count() == 2
