"""Accounts in a real browser: the first admin, sign-in and sign-out, and a form with a tampered CSRF token."""
from __future__ import annotations

from typing import Awaitable, Callable

from models.accounts import WebSession
from models.actors import LocalUser
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor
from web.passwords import hash_password


async def test_first_admin_sign_out_and_sign_in(moot: MootInstance, visitors: Callable[..., Awaitable[Visitor]]) -> None:
    ada = await visitors(moot)
    page = ada.page
    # A server without an admin sends every sign-in to the setup page.
    await ada.open("/login")
    assert ada.path() == "/setup"
    await ada.field("User name").fill("ada")
    await ada.field("Password").fill("correct horse battery")
    await ada.field("Password again").fill("correct horse battery")
    response = await ada.submit(ada.button("Create the admin account"))
    assert response.status == 303
    account = await LocalUser.get(actor__local_name="ada")
    assert account.is_admin and account.password_hash and account.password_hash.startswith("$argon2id$")
    # Signed in: the header offers the admin area and sign-out, no longer sign-in.
    header = ada.header()
    await header.get_by_role("link", name="Admin").wait_for()
    assert await ada.in_header("button", "Sign out").count() == 1
    assert await ada.in_header("link", "Sign in").count() == 0
    # Setup is closed now.
    await ada.open("/setup")
    assert ada.path() == "/login"

    await ada.open("/settings")
    response = await ada.sign_out()
    assert response.status == 303 and ada.path() == "/"
    assert await WebSession.filter(revoked_at__isnull=True).count() == 0
    await header.get_by_role("link", name="Sign in").wait_for()
    # A page for members sends a signed-out visitor to sign in, and back afterwards.
    await ada.open("/settings")
    assert ada.path() == "/login?next=/settings"
    await ada.field("User name").fill("ada")
    await ada.field("Password").fill("wrong password")
    response = await ada.submit(ada.button("Sign in"))
    assert response.status == 401
    await page.get_by_role("alert").filter(has_text="do not match").wait_for()
    await ada.field("Password").fill("correct horse battery")
    response = await ada.submit(ada.button("Sign in"))
    assert response.status == 303 and ada.path() == "/settings"
    await page.get_by_role("heading", name="Signed-in browsers").wait_for()


async def test_a_tampered_csrf_token_gets_the_403_page(moot: MootInstance,
                                                      visitors: Callable[..., Awaitable[Visitor]]) -> None:
    ada, _ = await moot.user("ada", is_admin=True)
    await LocalUser.filter(actor=ada).update(password_hash=hash_password("correct horse battery"))
    visitor = await visitors(moot)
    page = visitor.page
    await visitor.open("/login")
    token = page.locator("main form input[name=csrf_token]")
    assert len(await token.input_value()) >= 32
    await token.evaluate("input => { input.value = input.value.slice(0, -4) + (input.value.endsWith('AAAA') ? 'BBBB' : 'AAAA'); }")
    await visitor.field("User name").fill("ada")
    await visitor.field("Password").fill("correct horse battery")

    response = await visitor.submit(visitor.button("Sign in"))
    assert response.status == 403
    # The refusal is a page in the site's style, saying what to do.
    await page.get_by_role("heading", level=1, name="You cannot do that here").wait_for()
    assert "form expired" in await page.locator("main").inner_text()
    assert await page.get_by_role("banner").get_by_role("navigation").count() == 1
    assert await WebSession.all().count() == 0
    # The same sign-in from a fresh copy of the form (an untouched token) works.
    await visitor.open("/login")
    await visitor.field("User name").fill("ada")
    await visitor.field("Password").fill("correct horse battery")
    response = await visitor.submit(visitor.button("Sign in"))
    assert response.status == 303 and await WebSession.filter(revoked_at__isnull=True).count() == 1
