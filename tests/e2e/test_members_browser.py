"""The members directory in a real browser: the owner opens it from the members page, creates the tag
"Soil expert", gives it to Bob from his row's menu, makes Cleo read only until a date, filters by the tag
(photographed as `members-directory`, with tags), and Bob's post on the group page carries his tag."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable

from federation import actions
from federation.actions import StatusInput
from federation.groups.admin import GroupSettings, create_group
from models.groups import GroupMute
from models.member_tags import MemberTagging
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor, reveal
from tests.e2e.people import give_passwords, sign_in


async def test_owner_tags_a_member_and_makes_another_read_only(
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
    await actions.create_status(moot.fed, bob, StatusInput(text="Compost tea works.", group=group,
                                                           title="Compost tea for tomatoes"))

    browser = await visitors(moot)
    await sign_in(browser, "ada")
    await browser.open("/groups/gardeners/members")
    main = browser.page.locator("main")
    await main.get_by_role("link", name="Members directory: filters, tags and actions").click()
    await browser.page.wait_for_url("**/moderation/groups/gardeners/members")

    await browser.field("New tag").fill("Soil expert")
    response = await browser.submit(browser.button("Create tag"))
    assert response.status == 303
    await main.get_by_text("The tag was created.").wait_for()

    bob_row = main.locator(f"#member-{bob.id}")
    await bob_row.locator("details.menu > summary").click()
    await bob_row.get_by_label("Give a tag").select_option(label="Soil expert")
    response = await browser.submit(bob_row.get_by_role("button", name="Give tag", exact=True))
    assert response.status == 303
    moot.use()
    assert await MemberTagging.filter(actor=bob).exists()

    until = (datetime.now(timezone.utc) + timedelta(days=10)).date()
    cleo_row = main.locator(f"#member-{cleo.id}")
    await cleo_row.locator("details.menu > summary").click()
    await cleo_row.get_by_label("Read only until").fill(until.isoformat())
    await cleo_row.get_by_label("Reason").first.fill("Cooling off")
    response = await browser.submit(cleo_row.get_by_role("button", name="Make read only", exact=True))
    assert response.status == 303
    moot.use()
    assert (await GroupMute.get(actor=cleo)).expires_at.date() == until
    await cleo_row.get_by_text(f"Read only until {until.day} {until.strftime('%b')}").wait_for()
    await browser.look("members-directory")

    await browser.field("Tag").select_option(label="Soil expert")
    await browser.submit(browser.button("Filter"), method="GET")
    assert await main.locator(".member-row").count() == 1
    await main.locator(f"#member-{bob.id}").get_by_text("Soil expert").first.wait_for()
    await browser.look("members-directory-filtered", screenshots=False)
    # The tags button in the row menu also takes a tag away.
    await reveal(main.locator(f"#member-{bob.id}").get_by_role("button", name="Take away “Soil expert”"))

    await browser.open("/groups/gardeners")
    await main.locator(".list-row", has_text="Compost tea for tomatoes").get_by_text("Soil expert").wait_for()
    browser.check()
