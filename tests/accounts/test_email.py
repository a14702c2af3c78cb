"""Change the email address with a confirmation link; confirm the address at sign-up when the server asks."""
from __future__ import annotations

from federation.instance_settings import put_setting
from models.actors import LocalUser
from tests.accounts.helpers import link_in, path_of, person, signed_in
from tests.conftest import MootInstance
from tests.smtp import MailCatcher
from tests.web.browser import FormClient


async def test_a_new_address_counts_once_confirmed_and_the_old_one_hears_of_it(moot_factory, smtp: MailCatcher) -> None:
    moot = await moot_factory(**smtp.settings)
    await person(moot, "ada", admin=True)
    bob, _ = await person(moot, "bob", email="old@example.test")
    browser = await signed_in(moot, "bob")
    try:
        page = await browser.submit("/settings/account", "/settings/account/email",
                                    {"email": "new@example.test", "email_password": "wrong"})
        assert page.status == 422 and "current password is not right" in page.text
        assert 'value="new@example.test"' in page.text  # the form keeps what was typed
        page = await browser.submit("/settings/account", "/settings/account/email",
                                    {"email": "not an address", "email_password": "first password"})
        assert page.status == 422 and "like name@example.org" in page.text
        page = await browser.submit("/settings/account", "/settings/account/email",
                                    {"email": "new@example.test", "email_password": "first password"})
        assert page.url.endswith("?done=email") and "We sent a link to your new address" in page.text
        await moot.drain()
        await smtp.wait_for(2)
        [confirm] = smtp.to("new@example.test")
        [notice] = smtp.to("old@example.test")
        assert "asked to change the account's email address" in notice.get_body(("plain",)).get_content()
        assert (await LocalUser.get(actor=bob)).email == "old@example.test"  # not before the link is followed
        path = path_of(moot, link_in(confirm))
        page = await browser.get(path)
        assert page.status == 200 and "Confirm that this address is yours" in page.text
        assert (await LocalUser.get(actor=bob)).email == "old@example.test"  # opening the link changes nothing
        page = await browser.submit(path, path, {})
        assert page.url.endswith("?done=confirmed") and "Your email address is confirmed" in page.text
        assert (await LocalUser.get(actor=bob)).email == "new@example.test"
        page = await browser.submit("/settings/account", path, {})
        assert page.status == 410 and "does not work any more" in page.text
    finally:
        await browser.close()


async def test_sign_up_confirms_the_address_when_the_server_asks(moot_factory, smtp: MailCatcher) -> None:
    moot = await moot_factory(**smtp.settings)
    await person(moot, "ada", admin=True)
    admin = await signed_in(moot, "ada")
    try:
        page = await admin.get("/admin")
        assert 'name="require_email_confirmation"' in page.text
        page = await admin.submit("/admin", "/admin/settings", {
            "name": "Moot", "registration_mode": "open", "federation_mode": "blocklist",
            "require_email_confirmation": "1"})
        assert page.status == 200, page.text[-800:]
        assert 'id="f-require_email_confirmation" name="require_email_confirmation" type="checkbox" value="1" checked' \
            in (await admin.get("/admin")).text
    finally:
        await admin.close()
    await put_setting("registration_mode", "open")
    browser = FormClient(moot.base_url)
    try:
        fields = {"username": "cleo", "password": "password1", "confirm": "password1"}
        page = await browser.submit("/register", "/register", {**fields, "email": ""})
        assert page.status == 422 and "asks for an email address" in page.text
        page = await browser.submit("/register", "/register", {**fields, "email": "cleo@example.test"})
        assert page.url.endswith("/welcome") and "Confirm your email address: we sent a link to cleo@example.test" in page.text
        account = await LocalUser.get(actor__local_name="cleo")
        assert account.email == "cleo@example.test" and account.email_unconfirmed
        await moot.drain()
        [first] = await smtp.wait_for(1)
        page = await browser.submit("/settings/account", "/settings/account/confirmation", {})
        assert "We sent a new confirmation link" in page.text
        await moot.drain()
        second = (await smtp.wait_for(2))[1]
        assert (await browser.get(path_of(moot, link_in(first)))).status == 410  # the new link replaces the old
        path = path_of(moot, link_in(second))
        page = await browser.submit(path, path, {})
        assert "Your email address is confirmed" in page.text and "we sent a link to" not in page.text
        assert not (await LocalUser.get(actor__local_name="cleo")).email_unconfirmed
    finally:
        await browser.close()


async def test_without_confirmation_the_sign_up_address_is_kept(moot: MootInstance) -> None:
    await person(moot, "ada", admin=True)
    await put_setting("registration_mode", "open")
    browser = FormClient(moot.base_url)
    try:
        page = await browser.submit("/register", "/register", {"username": "dan", "password": "password1",
                                                               "confirm": "password1", "email": "dan@example.test"})
        assert page.url.endswith("/welcome") and "Confirm your email" not in page.text
        account = await LocalUser.get(actor__local_name="dan")
        assert account.email == "dan@example.test" and not account.email_unconfirmed
    finally:
        await browser.close()
