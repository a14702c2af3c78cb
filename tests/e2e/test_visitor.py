"""A visitor who is not signed in: reads the public parts, gets sign-in links, never a composer or moderator tools."""
from __future__ import annotations

from typing import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

from federation.actions.statuses import StatusInput, create_status
from federation.groups.admin import GroupSettings, create_group
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor

MODERATOR_BUTTONS = ("Remove", "Lock", "Pin", "Ban author", "Mute author", "Approve", "Reject")


async def _no_member_tools(visitor: Visitor) -> None:
    main = visitor.page.locator("main")
    assert await main.locator("form.composer, textarea").count() == 0, "a composer is shown to a visitor"
    assert await main.locator("form[action*='/moderate/']").count() == 0, "moderator forms are shown to a visitor"
    for name in MODERATOR_BUTTONS:
        assert await main.get_by_role("button", name=name, exact=True).count() == 0, f"a {name!r} button"
    assert await visitor.in_header("link", "Sign in").count() == 1
    assert await visitor.in_header("button", "Sign out").count() == 0
    for name in ("Moderation", "Admin"):
        assert await visitor.in_header("link", name).count() == 0


async def test_a_visitor_reads_but_cannot_post_or_moderate(moot: MootInstance,
                                                          visitors: Callable[..., Awaitable[Visitor]]) -> None:
    ada, _ = await moot.user("ada", is_admin=True, display_name="Ada")
    group = await create_group(moot.fed, "gardeners", ada, GroupSettings(
        display_name="Community Gardeners", description="Growing food together.", rules="Be kind.\nNo selling."))
    secret = await create_group(moot.fed, "council", ada, GroupSettings(display_name="Garden Council", private=True))
    thread = await create_status(moot.fed, ada, StatusInput(text="Bring gloves on Saturday.", group=group,
                                                            title="Work day on Saturday"))
    await create_status(moot.fed, ada, StatusInput(text="Budget for next year.", group=secret, title="Budget 2027"))
    bakery, _ = await moot.page("bakery", owner=ada, display_name="The Bakery", category="Bakery")
    await create_status(moot.fed, bakery, StatusInput(text="Fresh bread at 8!"))

    visitor = await visitors(moot)
    page = visitor.page

    response = await visitor.open("/")
    assert response.status == 200
    await _no_member_tools(visitor)

    response = await visitor.open("/explore")
    assert response.status == 200
    main = page.locator("main")
    await main.get_by_role("link", name="Community Gardeners").first.wait_for()
    await main.get_by_role("link", name="The Bakery").first.wait_for()
    # The private group is not in the directory.
    assert await main.get_by_role("link", name="Garden Council").count() == 0
    await _no_member_tools(visitor)

    # A public group: about, rules and posts, with "sign in" where a member would join and post.
    await main.get_by_role("link", name="Community Gardeners").first.click()
    await page.wait_for_load_state()
    assert visitor.path() == "/groups/gardeners"
    await page.get_by_role("heading", level=1, name="Community Gardeners").wait_for()
    assert "Growing food together." in await main.inner_text()
    assert await main.get_by_role("listitem").filter(has_text="No selling.").count() == 1
    await main.get_by_role("link", name="Work day on Saturday").first.wait_for()
    await main.get_by_role("link", name="Sign in to join").wait_for()
    await main.get_by_role("link", name="Sign in to post.").wait_for()
    await _no_member_tools(visitor)
    # By keyboard: the first Tab reaches the skip link, which jumps to the content.
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    await page.keyboard.press("Enter")
    assert await page.evaluate("location.hash") == "#main"

    # The thread: the post, and a sign-in link instead of a reply form.
    await main.get_by_role("link", name="Work day on Saturday").first.click()
    await page.wait_for_load_state()
    assert visitor.path() == f"/threads/{thread.id}"
    assert "Bring gloves on Saturday." in await main.inner_text()
    await main.get_by_role("link", name="Sign in to reply.").wait_for()
    await _no_member_tools(visitor)

    # A private group shows who runs it, never its posts.
    response = await visitor.open("/groups/council")
    assert response.status == 200
    assert "Budget" not in await main.inner_text()
    await main.get_by_role("link", name="Sign in to join").wait_for()
    await _no_member_tools(visitor)

    # A page profile: its posts, and how to follow it from Mastodon, but no way to post as the page.
    response = await visitor.open("/@bakery")
    assert response.status == 200
    await page.get_by_role("heading", level=1, name="The Bakery").wait_for()
    assert "Fresh bread at 8!" in await main.inner_text()
    await main.get_by_role("heading", name="Follow from Mastodon").wait_for()
    assert f"@bakery@{moot.host}" in await main.locator("code").first.inner_text()
    await main.get_by_role("link", name="Sign in to follow").wait_for()
    await _no_member_tools(visitor)

    # The sign-in link brings the visitor back to where they were.
    await main.get_by_role("link", name="Sign in to follow").click()
    await page.wait_for_load_state()
    parts = urlsplit(page.url)
    assert parts.path == "/login" and parse_qs(parts.query)["next"] == ["/@bakery"]

    # A private page of the admin area is not for visitors.
    await visitor.open("/moderation")
    assert visitor.path().startswith("/login")
    response = await visitor.open("/no/such/page")
    assert response.status == 404
    await page.get_by_role("heading", level=1, name="Page not found").wait_for()
