"""Issue 11's leftovers in a real browser: a moderator follows a member tag's chip from the members directory to
the group's posts by members with that tag (photographed as `group-posts-by-tag`), and a newcomer sees the
"Start here" card on the Posts tab and follows it to the essentials (photographed as `group-start-here`); someone
on another server is reported from their page here (`remote-profile`)."""
from __future__ import annotations

from typing import Awaitable, Callable

from federation import actions
from federation.actions import StatusInput
from federation.community import essentials as essentials_actions
from federation.groups.admin import GroupSettings, create_group
from federation.resolve import get_actor
from models.member_tags import MemberTag, MemberTagging
from models.moderation import Report
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor
from tests.e2e.people import give_passwords, sign_in
from tests.fakeremote import FakeRemote


async def test_posts_by_tag_and_the_start_here_card(
    moot: MootInstance, visitors: Callable[..., Awaitable[Visitor]],
) -> None:
    ada, _ = await moot.user("ada", is_admin=True, display_name="Ada")
    bob, _ = await moot.user("bob", display_name="Bob")
    cleo, _ = await moot.user("cleo", display_name="Cleo")
    await give_passwords(ada)
    group = await create_group(moot.fed, "gardeners", ada, GroupSettings(
        display_name="Community Gardeners", description="Growing food together.", rules="Be kind."))
    for person in (bob, cleo):
        await actions.follow(moot.fed, person, group)
    await moot.drain()
    compost = await actions.create_status(moot.fed, bob, StatusInput(
        text="Compost tea works.", group=group, title="Compost tea for tomatoes"))
    await actions.create_status(moot.fed, cleo, StatusInput(text="Who has a spade?", group=group,
                                                            title="Borrowing a spade"))
    rules = await actions.create_status(moot.fed, ada, StatusInput(text="Be kind, share seeds.", group=group,
                                                                   title="House rules"))
    moot.use()
    tag = await MemberTag.create(group=group, name="Soil expert")
    await MemberTagging.create(tag=tag, group=group, actor=bob)
    start = await essentials_actions.create_section(ada, group, "Start here", start_here=True)
    for post in (rules, compost):
        await essentials_actions.add_thread(ada, post, start)

    # A visitor (not a member) sees the Start-here card and follows it to the essentials.
    browser = await visitors(moot)
    await browser.open("/groups/gardeners")
    main = browser.page.locator("main")
    card = main.locator(".start-here-teaser")
    await card.get_by_role("link", name="House rules").wait_for()
    await browser.look("group-start-here")
    await card.get_by_role("link", name="All the essentials").click()
    await browser.page.wait_for_url("**/groups/gardeners/essentials")

    # The moderator follows the tag's chip in the members directory to the posts of members with it.
    await sign_in(browser, "ada")
    await browser.open("/moderation/groups/gardeners/members")
    await main.locator(f"#member-{bob.id}").get_by_role("link", name="Soil expert").click()
    await browser.page.wait_for_url(f"**/groups/gardeners?tag={tag.id}")
    await main.get_by_text("Posts by members with the tag Soil expert").wait_for()
    assert await main.locator(".list-row", has_text="Compost tea for tomatoes").count() == 1
    assert await main.locator(".list-row", has_text="Borrowing a spade").count() == 0
    await browser.look("group-posts-by-tag")
    await main.get_by_role("link", name="Show all posts").click()
    await main.locator(".list-row", has_text="Borrowing a spade").wait_for()
    browser.check()


async def test_reporting_someone_from_another_server_on_their_page_here(
    moot: MootInstance, remote: FakeRemote, visitors: Callable[..., Awaitable[Visitor]],
) -> None:
    ada, _ = await moot.user("ada", is_admin=True, display_name="Ada")
    await give_passwords(ada)
    zed = remote.add_actor("zed")
    moot.use()
    zed_here = await get_actor(moot.fed, zed.uri)
    browser = await visitors(moot)
    await sign_in(browser, "ada")
    await browser.open(f"/@{zed_here.username}@{zed_here.domain}")
    main = browser.page.locator("main")
    await main.get_by_text("This server knows no posts of theirs yet.").wait_for()
    await main.locator("details.menu > summary", has_text="Report").click()
    await browser.field("What is wrong with this account?").fill("Impersonates our admin")
    await browser.look("remote-profile")
    await main.get_by_label("Also tell their server (without your name)").check()
    response = await browser.submit(browser.button("Send the report"))
    assert response.status == 303
    moot.use()
    report = await Report.get(target_actor=zed_here)
    assert report.forwarded and report.comment == "Impersonates our admin"
    browser.check()
