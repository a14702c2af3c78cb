"""Essentials and profile reports in a real browser: the owner of a group makes sections on its Essentials tab,
adds threads from each thread's Moderate menu, and the tab is photographed as `essentials`; a newcomer sees
"Start here" first and filters the essentials; then reports a profile with its Report menu."""
from __future__ import annotations

from typing import Awaitable, Callable

from federation.actions import StatusInput, create_status
from federation.groups.admin import GroupSettings, create_group
from models.moderation import Report
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor
from tests.e2e.people import give_passwords, sign_in


async def test_moderator_builds_the_essentials_and_a_newcomer_reads_them(
    moot: MootInstance, visitors: Callable[..., Awaitable[Visitor]],
) -> None:
    ada, _ = await moot.user("ada", is_admin=True, display_name="Ada")
    bob, _ = await moot.user("bob", display_name="Bob")
    await give_passwords(ada, bob)
    group = await create_group(moot.fed, "gardeners", ada, GroupSettings(
        display_name="Community Gardeners", description="Growing food together.", rules="Be kind."))
    posts = {}
    for title, text in (("House rules", "Be kind, share seeds and tools."),
                        ("Composting guide", "Layer greens and browns, keep it moist."),
                        ("Watering schedule", "Who waters which bed on which day.")):
        posts[title] = await create_status(moot.fed, ada, StatusInput(text=text, group=group, title=title))

    ada_browser = await visitors(moot)
    await sign_in(ada_browser, "ada")
    main = ada_browser.page.locator("main")
    await ada_browser.open("/groups/gardeners")
    await main.get_by_role("link", name="Essentials", exact=True).click()
    await ada_browser.page.wait_for_url("**/groups/gardeners/essentials")
    await main.get_by_text("This group has no essentials yet.").wait_for()
    for name, start in (("Guides", False), ("Start here", True)):
        await ada_browser.field("Name", "#new-section-heading + form").fill(name)
        if start:
            await main.get_by_label("Show this section first to newcomers").last.check()
        response = await ada_browser.submit(ada_browser.button("Add section"))
        assert response.status == 303
    await main.get_by_text("The section is added.").wait_for()

    # From each thread's Moderate menu, into a section.
    for title, section in (("House rules", "Start here"), ("Composting guide", "Guides"),
                           ("Watering schedule", "Guides")):
        await ada_browser.open(f"/threads/{posts[title].id}")
        await main.locator("details.mod-actions > summary").first.click()
        await main.get_by_role("link", name="Add to the essentials").first.click()
        await ada_browser.page.wait_for_url(f"**/threads/{posts[title].id}/essentials")
        if title == "House rules":
            await ada_browser.look("essentials-add", screenshots=False)
        await main.get_by_label(section, exact=True).check()
        response = await ada_browser.submit(ada_browser.button("Add to the essentials"))
        assert response.status == 303
    await main.get_by_text("The thread is in the essentials now.").wait_for()
    headings = main.locator(".essentials-section h2")
    assert await headings.all_inner_texts() == ["Guides", "Start here"]
    await ada_browser.look("essentials")

    # Bob is new here: "Start here" comes first for him; he filters the essentials.
    bob_browser = await visitors(moot)
    await sign_in(bob_browser, "bob")
    await bob_browser.open("/groups/gardeners/essentials")
    bob_main = bob_browser.page.locator("main")
    assert await bob_main.locator(".essentials-section h2").all_inner_texts() == ["Start here", "Guides"]
    await bob_main.get_by_text("New here? Read these first.").wait_for()
    await bob_browser.field("Search the essentials").fill("COMPOST")
    await bob_browser.submit(bob_browser.button("Search"), method="GET")
    assert await bob_main.locator(".row-title").all_inner_texts() == ["Composting guide"]
    await bob_main.get_by_text("1 thread matches “COMPOST”.").wait_for()
    await bob_browser.look("essentials-filter", screenshots=False)

    # Bob reports a profile from its Report menu: it goes to the admins.
    await bob_browser.open("/@ada")
    await bob_main.locator("details.menu > summary", has_text="Report").click()
    await bob_browser.field("What is wrong with this account?").fill("Posts other people's photos.")
    response = await bob_browser.submit(bob_browser.button("Send the report"))
    assert response.status == 303
    await bob_main.get_by_text("Thank you. The moderators will look at your report.").wait_for()
    moot.use()
    report = await Report.get(target_actor=ada)
    assert report.reporter_id == bob.id and report.group_id is None
    ada_browser.check()
    bob_browser.check()
