"""Accounts in the browser: the first admin, sign-in, sign-out, registration modes, CSRF, rate limits."""
from __future__ import annotations

from federation.instance_settings import put_setting
from models.accounts import RegistrationRequest, WebSession
from models.actors import LocalUser
from tests.conftest import MootInstance
from tests.web.browser import FormClient
from web.accounts import create_invite


async def test_first_admin_then_sign_in_and_out(moot: MootInstance) -> None:
    browser = FormClient(moot.base_url)
    try:
        page = await browser.get("/login")
        assert page.url.endswith("/setup") and "first admin" in page.text
        page = await browser.submit("/setup", "/setup", {"username": "ada", "password": "correct horse", "confirm": "correct horse"})
        assert page.status == 200 and page.url.endswith("/admin") or page.url.endswith("/admin")
        assert (await LocalUser.get(actor__local_name="ada")).is_admin
        page = await browser.get("/settings")
        assert page.status == 200 and "Signed-in browsers" in page.text
        page = await browser.submit("/settings", "/logout", {})
        page = await browser.get("/settings")
        assert page.url.endswith("/login?next=/settings")
        assert await WebSession.filter(revoked_at__isnull=True).count() == 0
        # Setup is closed once there is an admin.
        page = await browser.get("/setup")
        assert page.url.endswith("/login")
        page = await browser.submit("/login", "/login", {"username": "ada", "password": "wrong password"})
        assert page.status == 401 and "do not match" in page.text
        page = await browser.submit("/login?next=/settings", "/login", {"username": "ada", "password": "correct horse",
                                                                         "next": "/settings"})
        assert page.url.endswith("/settings")
    finally:
        await browser.close()


async def test_forms_without_the_csrf_token_are_refused(moot: MootInstance) -> None:
    await moot.user("ada", is_admin=True)
    browser = FormClient(moot.base_url)
    try:
        page = await browser.submit("/login", "/login", {"username": "ada", "password": "x"}, csrf=False)
        assert page.status == 403 and "form expired" in page.text and "<html" in page.text
    finally:
        await browser.close()


async def test_registration_modes(moot: MootInstance) -> None:
    admin, _ = await moot.user("ada", is_admin=True)
    browser = FormClient(moot.base_url)
    try:
        # Approval (the default): a request with a reason, decided by an admin.
        page = await browser.get("/register")
        assert "reviews every sign-up" in page.text
        page = await browser.submit("/register", "/register", {"username": "bob", "password": "password1",
                                                               "confirm": "password1", "reason": ""})
        assert page.status == 422 and "why you want to join" in page.text
        page = await browser.submit("/register", "/register", {"username": "bob", "password": "password1",
                                                               "confirm": "password1", "reason": "I bake"})
        assert "Almost there" in page.text
        assert (await RegistrationRequest.get(username="bob")).reason == "I bake"
        # Invitation only.
        await put_setting("registration_mode", "invite")
        page = await browser.get("/register")
        assert "by invitation" in page.text and 'name="username"' not in page.text
        invite = await create_invite(admin, expires_at=None, max_uses=1)
        page = await browser.submit(f"/register?invite={invite.code}", "/register",
                                    {"username": "cleo", "password": "password2", "confirm": "password2",
                                     "invite": invite.code})
        assert page.url.endswith("/welcome")
        assert await LocalUser.filter(actor__local_name="cleo").exists()
        other = FormClient(moot.base_url)
        try:
            page = await other.get(f"/register?invite={invite.code}")
            assert "no longer valid" in page.text and 'name="username"' not in page.text
            # Posting the form anyway (it was open in another tab) is refused with the reason.
            page = await other.submit("/login", "/register", {"username": "dan", "password": "password3",
                                                         "confirm": "password3", "invite": invite.code})
            assert page.status == 422 and "used up" in page.text
            assert not await LocalUser.filter(actor__local_name="dan").exists()
        finally:
            await other.close()
        # Open.
        await put_setting("registration_mode", "open")
        other = FormClient(moot.base_url)
        try:
            page = await other.submit("/register", "/register", {"username": "eve", "password": "password4",
                                                                 "confirm": "password4"})
            assert await LocalUser.filter(actor__local_name="eve").exists()
        finally:
            await other.close()
    finally:
        await browser.close()


async def test_sign_in_is_rate_limited(moot: MootInstance) -> None:
    await moot.user("ada", is_admin=True)
    browser = FormClient(moot.base_url)
    try:
        statuses = []
        for _ in range(7):
            page = await browser.submit("/login", "/login", {"username": "ada", "password": "wrong!!!"})
            statuses.append(page.status)
        assert statuses[:5] == [401] * 5 and statuses[-1] == 429
    finally:
        await browser.close()


async def test_error_pages_are_in_the_site_style(moot: MootInstance) -> None:
    browser = FormClient(moot.base_url)
    try:
        page = await browser.get("/users/nobody")
        assert page.status == 404 and "Page not found" in page.text and 'class="site-header"' in page.text
    finally:
        await browser.close()
