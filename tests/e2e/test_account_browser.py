"""Account basics in a real browser: change the password, reset it with the mail read from the SMTP server,
and delete the account."""
from __future__ import annotations

from typing import Awaitable, Callable

from models.actors import Actor, LocalUser
from models.groups import OWNER, GroupRole
from tests.accounts.helpers import link_in, path_of, person
from tests.e2e.conftest import Visitor
from tests.smtp import MailCatcher


async def test_password_change_reset_and_deletion(moot_factory, smtp: MailCatcher,
                                                  visitors: Callable[..., Awaitable[Visitor]]) -> None:
    moot = await moot_factory(**smtp.settings)
    await person(moot, "ada", admin=True)
    bob, bob_token = await person(moot, "bob", email="bob@example.test")
    status, group = await moot.api("POST", "/api/moot/v1/groups", bob_token, json={"name": "bakers"})
    assert status == 201, group  # bob runs a group alone: it passes to the admins when he leaves
    moot.use()
    visitor = await visitors(moot)
    page = visitor.page

    async def sign_in(password: str) -> None:
        await visitor.open("/login")
        await visitor.field("User name").fill("bob")
        await visitor.field("Password").fill(password)
        response = await visitor.submit(visitor.button("Sign in"))
        assert response.status == 303, await page.content()

    await sign_in("first password")
    await visitor.open("/settings")
    await page.get_by_role("navigation", name="Settings").get_by_role("link", name="Account").click()
    assert visitor.path() == "/settings/account"
    await visitor.look("settings-account")
    # Change the password: the current one first.
    await page.locator("#f-current_password").fill("first password")
    await visitor.field("New password").fill("second password")
    await visitor.field("New password again").fill("second password")
    response = await visitor.submit(visitor.button("Change password"))
    assert response.status == 303
    await page.get_by_role("status").filter(has_text="Your password was changed").wait_for()

    # Forgot it: the link on the sign-in page, the mail, a new password.
    await visitor.sign_out()
    await visitor.open("/login")
    await page.get_by_role("link", name="Forgot your password?").click()
    await visitor.field("Your user name or email address").fill("bob@example.test")
    await visitor.submit(visitor.button("Send me a link"))
    await page.get_by_role("status").filter(has_text="If an account").wait_for()
    await moot.drain()
    [message] = await smtp.wait_for(1)
    await visitor.open(path_of(moot, link_in(message)))
    await visitor.look("password-reset")
    await visitor.field("New password").fill("third password")
    await visitor.field("New password again").fill("third password")
    await visitor.submit(visitor.button("Save the new password"))
    await page.get_by_role("status").filter(has_text="Your password was changed").wait_for()
    await sign_in("third password")

    # Delete the account: the page names the group nobody else runs first.
    await visitor.open("/settings/account")
    await page.get_by_text("this server's admins take them over").wait_for()
    assert await page.locator("#delete a[href='/groups/bakers']").inner_text() == "bakers"
    await visitor.look("settings-account-sole-charge")
    await page.locator("#f-delete_password").fill("third password")
    response = await visitor.submit(visitor.button("Delete my account"))
    assert response.status == 200
    await page.get_by_role("heading", name="Your account is deleted").wait_for()
    await visitor.look("account-deleted")
    assert (await LocalUser.get(actor=bob)).deletion_requested_at is not None
    ada = await Actor.get(local_name="ada")
    assert await GroupRole.filter(group_id=int(group["id"]), actor=ada, role=OWNER).exists()
    await visitor.open("/settings/account")
    assert visitor.path() == "/login?next=/settings/account"
    visitor.check()


async def test_a_conversation(moot, visitors: Callable[..., Awaitable[Visitor]]) -> None:
    await person(moot, "ada", admin=True)
    await person(moot, "bob")
    _, cleo_token = await person(moot, "cleo")
    status, first = await moot.api("POST", "/api/v1/statuses", cleo_token,
                                   json={"status": f"@bob@{moot.host} Are you coming on Saturday?", "visibility": "direct"})
    assert status == 200, first
    visitor = await visitors(moot)
    page = visitor.page
    await visitor.open("/login")
    await visitor.field("User name").fill("bob")
    await visitor.field("Password").fill("first password")
    await visitor.submit(visitor.button("Sign in"))
    await visitor.open("/conversations")
    await page.get_by_text("unread", exact=True).wait_for()
    await visitor.look("conversations")
    await page.get_by_role("link", name="cleo").click()
    await page.get_by_text("Are you coming on Saturday?").wait_for()
    await visitor.field("Reply as bob").fill("Yes, with cake.")
    response = await visitor.submit(visitor.button("Send"))
    assert response.status == 303
    await page.get_by_text("Yes, with cake.").wait_for()
    await visitor.look("conversation")
    visitor.check()
