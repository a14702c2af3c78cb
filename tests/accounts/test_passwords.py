"""Change a password; reset a forgotten one by mail through a real SMTP server; admins' resets; last sign-in."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from models.account_tokens import AccountToken
from models.accounts import WebSession
from models.actors import LocalUser
from models.moderation import ModLogEntry
from tests.accounts.helpers import link_in, path_of, person, sign_in, signed_in
from tests.conftest import MootInstance
from tests.smtp import MailCatcher
from tests.web.browser import FormClient


async def test_change_password_needs_the_current_one_and_signs_out_other_browsers(moot: MootInstance) -> None:
    await person(moot, "ada", admin=True)
    bob, _ = await person(moot, "bob")
    here, there = await signed_in(moot, "bob"), await signed_in(moot, "bob")
    try:
        page = await here.get("/settings/account")
        assert page.status == 200 and "Change password" in page.text and 'aria-current="page">Account' in page.text
        page = await here.submit("/settings/account", "/settings/account/password",
                                 {"current_password": "wrong one", "password": "second password",
                                  "confirm": "second password"})
        assert page.status == 422 and "current password is not right" in page.text
        assert 'name="current_password"' in page.text  # the form is there again, with the error beside the field
        page = await here.submit("/settings/account", "/settings/account/password",
                                 {"current_password": "first password", "password": "short", "confirm": "short"})
        assert page.status == 422 and "at least 8 characters" in page.text
        page = await here.submit("/settings/account", "/settings/account/password",
                                 {"current_password": "first password", "password": "second password",
                                  "confirm": "second password"})
        assert page.status == 200 and page.url.endswith("/settings/account?done=password")
        assert "Your other browsers were signed out" in page.text
        assert (await there.get("/settings")).url.endswith("/login?next=/settings")
        assert (await here.get("/settings")).status == 200  # this browser stays signed in
        assert await WebSession.filter(user=bob, revoked_at=None).count() == 1
    finally:
        await here.close()
        await there.close()
    other = FormClient(moot.base_url)
    try:
        assert (await sign_in(other, "bob", "first password")).status == 401
        assert (await sign_in(other, "bob", "second password")).status == 200
    finally:
        await other.close()


async def test_reset_by_mail_through_smtp_single_use_and_expiring(moot_factory, smtp: MailCatcher) -> None:
    moot = await moot_factory(**smtp.settings)
    await person(moot, "ada", admin=True)
    bob, _ = await person(moot, "bob", email="bob@example.test")
    elsewhere = await signed_in(moot, "bob")
    browser = FormClient(moot.base_url)
    try:
        page = await browser.get("/login")
        assert 'href="/password/forgot"' in page.text
        known = await browser.submit("/password/forgot", "/password/forgot", {"account": "bob"})
        unknown = await browser.submit("/password/forgot", "/password/forgot", {"account": "nobody@example.test"})
        assert known.status == unknown.status == 200 and "If an account" in known.text
        assert known.text == unknown.text  # the answer tells nobody whether an account exists
        await moot.drain()
        [message] = await smtp.wait_for(1)
        assert message["To"] == "bob@example.test" and "Reset your password" in message["Subject"]
        assert not smtp.to("nobody@example.test")
        row = await AccountToken.get(account__actor=bob)
        link = link_in(message)
        assert row.token_hash not in link and link.rsplit("/", 1)[1] not in str(row.token_hash)  # stored hashed
        path = path_of(moot, link)
        page = await browser.get(path)
        assert page.status == 200 and "Choose a new password" in page.text
        page = await browser.submit(path, path, {"password": "brand new pass", "confirm": "different pass"})
        assert page.status == 422 and "two passwords differ" in page.text
        page = await browser.submit(path, path, {"password": "brand new pass", "confirm": "brand new pass"})
        assert page.status == 200 and "every browser signed in to your account was signed out" in page.text
        assert (await elsewhere.get("/settings")).url.endswith("/login?next=/settings")
        assert await WebSession.filter(user=bob, revoked_at=None).count() == 0
        page = await browser.get(path)  # single use
        assert page.status == 410 and "does not work any more" in page.text
        page = await browser.submit("/login", path, {"password": "third password!", "confirm": "third password!"})
        assert page.status == 410
        assert (await sign_in(browser, "bob", "brand new pass")).status == 200
        # A second link, an hour and a second later: expired.
        await browser.submit("/settings", "/logout", {})
        await browser.submit("/password/forgot", "/password/forgot", {"account": "bob@example.test"})
        await moot.drain()
        messages = await smtp.wait_for(2)
        second = path_of(moot, link_in(messages[1]))
        moot.use()
        await AccountToken.filter(used_at=None).update(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
        assert (await browser.get(second)).status == 410
    finally:
        await browser.close()
        await elsewhere.close()


async def test_without_mail_the_forgot_page_says_ask_an_admin_who_passes_on_a_link(moot: MootInstance) -> None:
    ada, _ = await person(moot, "ada", admin=True)
    bob, _ = await person(moot, "bob")
    visitor = FormClient(moot.base_url)
    admin = await signed_in(moot, "ada")
    try:
        page = await visitor.get("/password/forgot")
        assert "sends no mail" in page.text and "Ask an admin" in page.text and 'name="account"' not in page.text
        assert (await LocalUser.get(actor=ada)).last_sign_in_at is not None
        page = await admin.get("/admin/users")
        assert "Last signed in" in page.text and f"/admin/users/{bob.id}/reset-password" in page.text
        page = await admin.submit("/admin/users", f"/admin/users/{bob.id}/reset-password", {"reason": "asked by phone"})
        assert page.status == 200 and "Pass this link on" in page.text
        link = page.text.split('id="reset-link" class="reset-link" type="text" readonly value="')[1].split('"')[0]
        entry = await ModLogEntry.get(action="user.password_reset")
        assert entry.target == bob.uri and entry.reason == "asked by phone"
        path = path_of(moot, link)
        page = await visitor.submit(path, path, {"password": "from the admin", "confirm": "from the admin"})
        assert page.status == 200
        assert (await sign_in(visitor, "bob", "from the admin")).status == 200
    finally:
        await visitor.close()
        await admin.close()


async def test_an_admin_reset_is_mailed_when_the_server_sends_mail(moot_factory, smtp: MailCatcher) -> None:
    moot = await moot_factory(**smtp.settings)
    await person(moot, "ada", admin=True)
    bob, _ = await person(moot, "bob", email="bob@example.test")
    admin = await signed_in(moot, "ada")
    try:
        page = await admin.submit("/admin/users", f"/admin/users/{bob.id}/reset-password", {})
        assert "We mailed @bob a link" in page.text and "reset-link" not in page.text
        await moot.drain()
        [message] = await smtp.wait_for(1)
        assert message["To"] == "bob@example.test" and "/password/reset/" in link_in(message)
    finally:
        await admin.close()
