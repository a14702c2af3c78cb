"""After signing in, `next` leads only to a path on this site: never to another host, however it is spelled."""
from __future__ import annotations

import html
import re

import aiohttp
import pytest

from models.actors import LocalUser
from tests.conftest import MootInstance
from tests.web.browser import CSRF_INPUT
from web.passwords import hash_password
from web.templating import safe_next

PASSWORD = "correct horse battery"
NEXT_INPUT = re.compile(r'name="next" value="([^"]*)"')

# Each of these is read by a browser as a URL on another host (or a scheme-relative or absolute URL).
HOSTILE = [
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",  # /login?next=/%09/evil.example, decoded
    "\t//evil.example",
    " //evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\x00/evil.example",
    "\x00//evil.example",
    "/\x7f/evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
]


@pytest.mark.parametrize("target", HOSTILE, ids=repr)
def test_hostile_targets_fall_back(target: str) -> None:
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize(("target", "expected"), [
    ("/settings", "/settings"),
    ("/groups/cats?sort=new#top", "/groups/cats?sort=new#top"),
    ("  /settings\t", "/settings"),
    ("/threads/\t12", "/threads/12"),
    ("", "/home"),
    (None, "/home"),
])
def test_local_paths_are_kept(target: str | None, expected: str) -> None:
    assert safe_next(target, "/home") == expected


async def _sign_in(moot: MootInstance, session: aiohttp.ClientSession, query: str) -> tuple[str, aiohttp.ClientResponse]:
    """Open /login?<query> as a browser would, then post its form; the hidden `next` and the response."""
    async with session.get(f"{moot.base_url}/login?{query}") as page:
        text = await page.text()
    token = CSRF_INPUT.search(text)
    hidden = NEXT_INPUT.search(text)
    assert token and hidden, text[-1500:]
    next_value = html.unescape(hidden.group(1))
    response = await session.post(f"{moot.base_url}/login", allow_redirects=False, data={
        "csrf_token": token.group(1), "username": "ada", "password": PASSWORD, "next": next_value})
    response.release()
    return next_value, response


async def test_sign_in_never_redirects_off_site(moot: MootInstance) -> None:
    ada, _ = await moot.user("ada", is_admin=True)
    await LocalUser.filter(actor=ada).update(password_hash=hash_password(PASSWORD))
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        # The reported case: a tab between the slashes, which browsers drop.
        for query in ("next=/%09/evil.example", "next=/%5C/evil.example"):
            next_value, response = await _sign_in(moot, session, query)
            assert next_value == "/home"
            assert response.status == 303 and response.headers["Location"] == "/home"
        # A posted `next` is checked too, not only the one in the query.
        async with session.get(f"{moot.base_url}/login") as page:
            token = CSRF_INPUT.search(await page.text())
        assert token
        async with session.post(f"{moot.base_url}/login", allow_redirects=False, data={
                "csrf_token": token.group(1), "username": "ada", "password": PASSWORD,
                "next": "/\t/evil.example"}) as response:
            assert response.status == 303 and response.headers["Location"] == "/home"
        next_value, response = await _sign_in(moot, session, "next=/settings")
        assert next_value == "/settings" and response.headers["Location"] == "/settings"
