"""Shared set-up for the account tests: people with passwords (and addresses), signed-in browsers, mail links."""
from __future__ import annotations

import re
from email.message import EmailMessage

from models.actors import Actor, LocalUser
from tests.conftest import MootInstance
from tests.web.browser import FormClient, Page
from web.passwords import hash_password

LINK = re.compile(r"https?://\S+/(?:password/reset|email/confirm)/[A-Za-z0-9_-]+")


async def person(moot: MootInstance, name: str, password: str = "first password", *, email: str | None = None,
                 admin: bool = False) -> tuple[Actor, str]:
    """A local account with a password (and an email address); returns the actor and an API token."""
    actor, token = await moot.user(name, is_admin=admin)
    await LocalUser.filter(actor=actor).update(password_hash=hash_password(password), email=email)
    return actor, token


async def signed_in(moot: MootInstance, name: str, password: str = "first password") -> FormClient:
    browser = FormClient(moot.base_url)
    page = await sign_in(browser, name, password)
    assert page.status == 200 and "/login" not in page.url, page.text[-500:]
    return browser


async def sign_in(browser: FormClient, name: str, password: str) -> Page:
    return await browser.submit("/login", "/login", {"username": name, "password": password})


def link_in(message: EmailMessage) -> str:
    text = message.get_body(("plain",)).get_content()
    match = LINK.search(text)
    assert match, text
    return match.group(0)


def path_of(moot: MootInstance, link: str) -> str:
    assert link.startswith(moot.base_url), link
    return link[len(moot.base_url):]
