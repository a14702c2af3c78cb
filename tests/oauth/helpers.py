"""Driving the OAuth pages as a person does: sign in on the web, read the consent form, press a button."""
from __future__ import annotations

import base64
import hashlib
import secrets
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp

from federation.local_actors import create_user
from models.actors import Actor, LocalUser
from tests.conftest import MootInstance
from web.passwords import hash_password

PASSWORD = "correct horse battery"
PASSWORD_HASH = hash_password(PASSWORD)


class FormReader(HTMLParser):
    """The inputs of the form posting to `action`: hidden fields and the first radio checked."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.fields: dict[str, str] = {}
        self.buttons: list[tuple[str, str]] = []
        self.radios: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
        elif self.inside and tag == "input":
            if a.get("type") == "hidden":
                self.fields[a["name"]] = a.get("value", "")
            elif a.get("type") == "radio":
                self.radios.append(a.get("value", ""))
                if "checked" in a:
                    self.fields[a["name"]] = a.get("value", "")
        elif self.inside and tag == "button" and a.get("name"):
            self.buttons.append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def read_form(html: str, action: str) -> FormReader:
    reader = FormReader(action)
    reader.feed(html)
    return reader


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


async def person(moot: MootInstance, name: str, **options: Any) -> Actor:
    """A person who can sign in with PASSWORD (the first one is the admin: sign-in needs one to exist)."""
    moot.use()
    if not await LocalUser.filter(is_admin=True).exists():
        options.setdefault("is_admin", True)
    return await create_user(moot.fed, name, password_hash=PASSWORD_HASH, **options)


def browser() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def sign_in(session: aiohttp.ClientSession, moot: MootInstance, name: str, next_path: str = "/home") -> str:
    """Signs in through /login (as a browser: CSRF from the page) and follows `next`; the final URL."""
    async with session.get(moot.base_url + "/login?" + urlencode({"next": next_path})) as response:
        form = read_form(await response.text(), "/login")
    data = {**form.fields, "username": name, "password": PASSWORD}
    async with session.post(moot.base_url + "/login", data=data) as response:
        assert response.status == 200, await response.text()
        return str(response.url)


async def register_app(moot: MootInstance, **fields: str) -> dict[str, Any]:
    body = {"client_name": "Test app", "redirect_uris": "https://app.example/callback", "scopes": "read write",
            **fields}
    status, app = await moot.api("POST", "/api/v1/apps", data=body)
    assert status == 200, app
    return app


def authorize_path(app: dict[str, Any], *, redirect_uri: str | None = None, scope: str = "read write",
                   challenge: str | None = None, state: str = "xyz") -> str:
    params = {"response_type": "code", "client_id": app["client_id"],
              "redirect_uri": redirect_uri or app["redirect_uris"][0], "scope": scope, "state": state}
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    return "/oauth/authorize?" + urlencode(params)


async def consent_page(session: aiohttp.ClientSession, moot: MootInstance, path: str) -> tuple[int, str]:
    async with session.get(moot.base_url + path, allow_redirects=False) as response:
        return response.status, await response.text()


async def decide(session: aiohttp.ClientSession, moot: MootInstance, path: str, decision: str = "authorise",
                 **extra: str) -> aiohttp.ClientResponse:
    """Opens the consent page (signed in) and presses a button; the response, redirects not followed."""
    status, html = await consent_page(session, moot, path)
    assert status == 200, html
    form = read_form(html, "/oauth/authorize")
    assert ("decision", decision) in form.buttons, form.buttons
    data = {**form.fields, **extra, "decision": decision}
    response = await session.post(moot.base_url + "/oauth/authorize", data=data, allow_redirects=False)
    await response.read()
    return response


def redirect_query(response: aiohttp.ClientResponse) -> dict[str, str]:
    assert response.status == 302, response.status
    location = response.headers["Location"]
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


async def code_for(session: aiohttp.ClientSession, moot: MootInstance, app: dict[str, Any], **options: Any) -> str:
    response = await decide(session, moot, authorize_path(app, **options))
    query = redirect_query(response)
    assert query["state"] == options.get("state", "xyz")
    return query["code"]


async def exchange(moot: MootInstance, app: dict[str, Any], code: str, **fields: str) -> tuple[int, Any]:
    data = {"grant_type": "authorization_code", "code": code, "client_id": app["client_id"],
            "client_secret": app["client_secret"], "redirect_uri": app["redirect_uris"][0], **fields}
    data = {key: value for key, value in data.items() if value is not None}
    async with moot.session.post(moot.base_url + "/oauth/token", data=data) as response:
        return response.status, await response.json()
