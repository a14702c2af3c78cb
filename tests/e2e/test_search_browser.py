"""Search in a real browser: the header's search box (a plain GET form, also without JavaScript) finds a thread
by a word in it, the tabs find the group and the people, and a private group's thread stays hidden from a
non-member. Every page is checked with axe-core, light and dark; the results are photographed as `search-results`."""
from __future__ import annotations

from typing import Awaitable, Callable

from federation import actions
from federation.actions.statuses import StatusInput
from federation.groups.admin import GroupSettings, create_group
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor
from tests.e2e.people import give_passwords, sign_in


async def test_search_from_the_header(moot: MootInstance, visitors: Callable[..., Awaitable[Visitor]]) -> None:
    ada, _ = await moot.user("ada", is_admin=True, display_name="Ada")
    bob, _ = await moot.user("bob", display_name="Bob")
    await give_passwords(ada, bob)
    choir = await create_group(moot.fed, "singers", ada, GroupSettings(
        display_name="Town Choir", description="We sing harmonies on Thursdays.", rules="Be kind."))
    secret = await create_group(moot.fed, "backstage", ada, GroupSettings(
        display_name="Backstage", description="Crew only.", rules="", private=True))
    for title, text in (("Harmonies for the spring concert", "Let us practise the harmonies in parts."),
                        ("Parking at the hall", "The car park is closed; there are harmonies next door.")):
        await actions.create_status(moot.fed, ada, StatusInput(text=text, title=title, group=choir))
    await actions.create_status(moot.fed, ada, StatusInput(
        text="Harmonies backstage: crew notes.", title="Crew harmonies", group=secret))

    for javascript in (True, False):
        bob_browser = await visitors(moot, javascript=javascript)
        await sign_in(bob_browser, "bob")
        await bob_browser.open("/explore")
        box = bob_browser.header().get_by_role("searchbox", name="Search")
        await box.fill("harmonies")
        await box.press("Enter")
        await bob_browser.page.wait_for_load_state()
        assert bob_browser.path().startswith("/search?q=harmonies")
        rows = bob_browser.page.locator("main .list-row .row-title")
        titles = [t.strip() for t in await rows.all_inner_texts()]
        assert titles == ["Harmonies for the spring concert", "Parking at the hall"]  # the title match first
        assert "Crew harmonies" not in await bob_browser.page.content()
        if javascript:
            await bob_browser.look("search-results")
        await bob_browser.page.get_by_role("link", name="Groups", exact=True).click()
        await bob_browser.page.wait_for_load_state()
        await bob_browser.page.locator("main #search-q").fill("choir")
        await bob_browser.submit(bob_browser.button("Search"), method="GET")
        await bob_browser.page.get_by_role("link", name="Town Choir").wait_for()
        if javascript:
            await bob_browser.look("search-groups", screenshots=False)
        bob_browser.check()
