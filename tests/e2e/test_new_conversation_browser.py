"""Starting a conversation in a real browser: the "New message" form on /conversations, an unknown handle
answered with a clear error (the text kept), then a message to a local person as a page one runs, and the
home timeline's "Boosted by" line."""
from __future__ import annotations

from typing import Awaitable, Callable

from tests.accounts.helpers import person
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor


async def test_start_a_conversation(moot: MootInstance, visitors: Callable[..., Awaitable[Visitor]]) -> None:
    ada, ada_token = await person(moot, "ada", admin=True)
    bob, bob_token = await person(moot, "bob")
    await moot.page("bakery", owner=ada)
    _, cy_token = await person(moot, "cy")
    visitor = await visitors(moot)
    page = visitor.page
    await visitor.open("/login")
    await visitor.field("User name").fill("ada")
    await visitor.field("Password").fill("first password")
    await visitor.submit(visitor.button("Sign in"))

    await visitor.open("/conversations")
    await page.get_by_text("New message").click()
    await visitor.look("conversation-new")
    await visitor.field("To").fill("@nobody")
    await visitor.field("Message").fill("Fresh bread at six")
    response = await visitor.submit(visitor.button("Send"))
    assert response.status == 422
    await page.get_by_text("Nobody called @nobody was found").wait_for()
    assert await visitor.field("Message").input_value() == "Fresh bread at six"
    await visitor.look("conversation-new-error")

    await visitor.field("To").fill("bob")
    await page.locator("main").get_by_label("Send as").select_option("bakery")
    response = await visitor.submit(visitor.button("Send"))
    assert response.status == 303
    await page.get_by_text("Fresh bread at six").wait_for()
    assert "as=bakery" in visitor.path()
    status, items = await moot.api("GET", "/api/v1/conversations", bob_token)
    assert status == 200 and items[0]["accounts"][0]["acct"] == "bakery"

    # The home page shows a followed person's boost with a "Boosted by" line.
    await moot.api("POST", f"/api/v1/accounts/{bob.id}/follow", ada_token)
    _, seed = await moot.api("POST", "/api/v1/statuses", cy_token, json={"status": "Seed swap on Sunday"})
    await moot.api("POST", f"/api/v1/statuses/{seed['id']}/reblog", bob_token)
    await visitor.open("/home")
    await page.get_by_text("Boosted by bob").wait_for()
    await page.get_by_text("Seed swap on Sunday").wait_for()
    await visitor.look("home-boosted")
    visitor.check()
