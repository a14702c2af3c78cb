"""Sub-groups in a real browser: the owner of a group opens its Sub-groups tab, creates a topic for the
parent's members only with the New sub-group form, the parent lists it (photographed as `subgroup`), and
someone who is not a member of the parent is told why they cannot join it, then joins the parent and gets in."""
from __future__ import annotations

from typing import Awaitable, Callable

from federation.groups.admin import GroupSettings, create_group
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.groups import GroupProfile
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor
from tests.e2e.people import give_passwords, sign_in


async def test_owner_creates_a_members_only_subgroup_and_an_outsider_is_told_why(
    moot: MootInstance, visitors: Callable[..., Awaitable[Visitor]],
) -> None:
    ada, _ = await moot.user("ada", is_admin=True, display_name="Ada")
    bob, _ = await moot.user("bob", display_name="Bob")
    await give_passwords(ada, bob)
    await create_group(moot.fed, "gardeners", ada, GroupSettings(
        display_name="Community Gardeners", description="Growing food together.", rules="Be kind."))

    ada_browser = await visitors(moot)
    await sign_in(ada_browser, "ada")
    await ada_browser.open("/groups/gardeners/subgroups")
    main = ada_browser.page.locator("main")
    await main.get_by_role("link", name="New sub-group").click()
    await ada_browser.page.wait_for_url("**/subgroups/new")
    await ada_browser.look("subgroup-new", screenshots=False)
    # A taken name keeps the form and says so.
    await ada_browser.field("Group name").fill("gardeners")
    await ada_browser.field("Display name").fill("Vegetables")
    response = await ada_browser.submit(ada_browser.button("Create the sub-group"))
    assert response.status == 422
    await main.get_by_text("That name is taken: choose another.").wait_for()
    assert await ada_browser.field("Display name").input_value() == "Vegetables"
    await ada_browser.field("Group name").fill("garden_veg")
    await ada_browser.field("What is the sub-group about?").fill("Beans, beets and the rest.")
    await ada_browser.page.get_by_label("Members of Community Gardeners only: others cannot join").check()
    response = await ada_browser.submit(ada_browser.button("Create the sub-group"))
    assert response.status == 303 and ada_browser.path() == "/groups/garden_veg"
    moot.use()
    veg = await Actor.get(group_name="garden_veg")
    profile = await GroupProfile.get(group=veg)
    assert profile.parent_members_only and profile.parent_id is not None
    await main.get_by_role("link", name="Community Gardeners").first.wait_for()
    await ada_browser.look("subgroup-page", screenshots=False)

    await ada_browser.open("/groups/gardeners/subgroups")
    row = main.locator(".subgroup-list .list-row")
    assert await row.count() == 1
    await row.get_by_role("link", name="Vegetables").wait_for()
    await row.get_by_text("Members of Community Gardeners only").wait_for()
    await ada_browser.look("subgroup")
    await ada_browser.open("/groups/gardeners")
    await ada_browser.page.locator("aside").get_by_role("link", name="Vegetables").wait_for()

    # Bob is not a member of the parent: the join is refused with the reason, and nothing is recorded.
    bob_browser = await visitors(moot)
    await sign_in(bob_browser, "bob")
    await bob_browser.open("/groups/garden_veg")
    response = await bob_browser.submit(bob_browser.button("Join"))
    assert response.status == 403
    await bob_browser.page.get_by_text("Only members of Community Gardeners can join this sub-group.").first.wait_for()
    moot.use()
    assert not await Follow.filter(follower=bob, target=veg).exists()
    await bob_browser.open("/groups/gardeners")
    await bob_browser.submit(bob_browser.button("Join"))
    await bob_browser.open("/groups/garden_veg")
    await bob_browser.submit(bob_browser.button("Join"))
    moot.use()
    assert await Follow.filter(follower=bob, target=veg, state=ACCEPTED).exists()
    ada_browser.check()
    bob_browser.check()
