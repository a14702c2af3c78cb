"""The instance's identity: accent colour (/theme.css, readable in both themes), logo and favicon, set in
the admin settings."""
from __future__ import annotations

import io
import re

import aiohttp
import pytest
from PIL import Image

from federation.instance_settings import DEFAULT_ACCENT, get_setting
from models.accounts import MediaFile
from models.actors import Actor
from models.moderation import ModLogEntry
from tests.conftest import MootInstance
from tests.web.browser import CSRF_INPUT, FormClient, Page
from tests.web.test_community_pages import People, people  # noqa: F401 (fixtures)
from web.theme import AA_CONTRAST, DARK_SURFACE, LIGHT_SURFACE, contrast, theme_css, theme_hash

SETTINGS = {"name": "Allotment", "description": "Growers.", "rules": "", "registration_mode": "open",
            "federation_mode": "blocklist"}


def variables(css: str) -> tuple[dict[str, str], dict[str, str]]:
    """The custom properties of the light block and of the dark block."""
    blocks = re.findall(r"\{(--[^{}]*)\}", css)
    light, dark = ({name: value for name, value in re.findall(r"(--[\w-]+):(#[0-9a-f]{6})", block)}
                   for block in blocks[:2])
    return light, dark


@pytest.mark.parametrize("accent", ["#2f54d1", "#ffd700", "#ffffff", "#000000", "#777777", "#00ff00", "#ff0000",
                                    "#123456", "#e0e0ff", "#0a0a0a"])
def test_the_accent_stays_readable_in_light_and_dark_themes(accent: str) -> None:
    css = theme_css(accent)
    light, dark = variables(css)
    assert light["--accent-chosen"] == dark["--accent-chosen"] == accent
    # As link text on every light surface (white included), and on the darkest and lightest dark surfaces.
    for surface in (LIGHT_SURFACE, "#f6f6f4", "#ffffff"):
        assert contrast(light["--accent"], surface) >= AA_CONTRAST, (surface, light)
    for surface in (DARK_SURFACE, "#1b1c1a", "#121311", "#000000"):
        assert contrast(dark["--accent"], surface) >= AA_CONTRAST, (surface, dark)
    # And as a fill under its contrast colour.
    assert contrast(light["--accent"], light["--accent-contrast"]) >= AA_CONTRAST
    assert contrast(dark["--accent"], dark["--accent-contrast"]) >= AA_CONTRAST
    assert "@media (prefers-color-scheme:dark){:root:not([data-theme=light]){" in css
    assert ":root[data-theme=dark]{" in css


def test_a_readable_accent_is_kept_as_chosen() -> None:
    light, _ = variables(theme_css(DEFAULT_ACCENT))
    assert light == {"--accent": "#2f54d1", "--accent-contrast": "#ffffff", "--accent-chosen": "#2f54d1"}
    _, dark = variables(theme_css("#ffd700"))
    assert dark["--accent"] == "#ffd700" and dark["--accent-contrast"] == "#000000"


async def test_theme_css_is_cached_for_a_year_under_its_hash(moot: MootInstance) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{moot.base_url}/theme.css?v={theme_hash(DEFAULT_ACCENT)}") as response:
            assert response.status == 200 and response.content_type == "text/css"
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert "--accent:#2f54d1;" in await response.text()
        # An old or made-up hash gets today's colour, not to be kept.
        async with session.get(f"{moot.base_url}/theme.css?v=0123456789ab") as response:
            assert response.status == 200 and response.headers["Cache-Control"] == "no-cache"


async def admin_submit(browser: FormClient, fields: dict[str, object]) -> Page:
    match = CSRF_INPUT.search((await browser.get("/admin")).text)
    assert match
    async with browser.session.post(browser.base_url + "/admin/settings",
                                    data={**fields, "csrf_token": match.group(1)}) as response:
        return Page(response.status, str(response.url), await response.text())


def png(size: tuple[int, int]) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 60)).save(out, "PNG")
    out.seek(0)
    return out


async def test_admin_sets_the_accent_logo_and_favicon(moot: MootInstance, people: People) -> None:
    ada, browser = await people("ada", is_admin=True)
    page = await browser.get("/admin")
    for heading in ("Identity", "Sign-up", "Rules and description", "Federation"):
        assert f">{heading}</h2>" in page.text
    assert 'type="color"' in page.text and 'value="#2f54d1"' in page.text
    assert f"/theme.css?v={theme_hash(DEFAULT_ACCENT)}" in page.text

    page = await admin_submit(browser, {**SETTINGS, "accent": "#C0392B", "logo": png((1600, 400)),
                                        "favicon": png((300, 200)), "reason": "our colours"})
    assert page.status == 200 and page.url.endswith("/admin?done=saved"), page.text[-800:]
    assert await get_setting("instance_accent", None) == "#c0392b"
    info = await moot.fed.instance_info.get()
    assert info.accent == "#c0392b" and info.logo_url and info.favicon_url
    instance_actor = await Actor.get(type="Application", is_local=True)
    assert {m.owner_id for m in await MediaFile.all()} == {instance_actor.id}
    entry = await ModLogEntry.get(action="instance.settings", target__contains="instance_accent")
    assert entry.reason == "our colours" and "instance_logo" in entry.target and "instance_favicon" in entry.target

    async with aiohttp.ClientSession() as session:
        for url, size in ((info.logo_url, (800, 200)), (info.favicon_url, (200, 200))):
            async with session.get(url) as response:
                assert response.status == 200
                assert Image.open(io.BytesIO(await response.read())).size == size
        async with session.get(f"{moot.base_url}/about") as response:
            html = await response.text()
        async with session.get(f"{moot.base_url}/theme.css?v={theme_hash('#c0392b')}") as response:
            assert "--accent-chosen:#c0392b" in await response.text()
    # Every page links the new stylesheet, logo and favicon (render_page's theme_css_url, logo_url, favicon_url).
    assert f"/theme.css?v={theme_hash('#c0392b')}" in html
    assert f'src="{info.logo_url}"' in html and f'href="{info.favicon_url}"' in html

    # A form without the accent (an older page) keeps it; removing the logo keeps the favicon.
    page = await admin_submit(browser, {**SETTINGS, "remove_logo": "1"})
    info = await moot.fed.instance_info.get()
    assert page.status == 200 and info.accent == "#c0392b" and info.logo_url == "" and info.favicon_url


async def test_a_wrong_accent_or_image_changes_nothing(moot: MootInstance, people: People) -> None:
    _, browser = await people("ada", is_admin=True)
    page = await admin_submit(browser, {**SETTINGS, "name": "Renamed", "accent": "red", "logo": png((100, 50))})
    assert page.status == 422 and "six hexadecimal digits" in page.text
    assert 'id="f-accent-help">' in page.text and 'aria-invalid="true"' in page.text
    page = await admin_submit(browser, {**SETTINGS, "name": "Renamed", "accent": "#123456",
                                        "favicon": io.BytesIO(b"GIF89a but not really")})
    assert page.status == 422 and 'id="f-favicon-help">' in page.text
    page = await admin_submit(browser, {**SETTINGS, "name": " ", "accent": "#123456", "logo": png((100, 50))})
    assert page.status == 422 and "needs a name" in page.text
    info = await moot.fed.instance_info.get()
    assert info.name != "Renamed" and info.accent == DEFAULT_ACCENT and info.logo_url == ""
    assert await MediaFile.all().count() == 0
    assert not await ModLogEntry.filter(action="instance.settings").exists()
