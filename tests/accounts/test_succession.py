"""Deleting the account of the person who runs a group or page: nobody's community is left unrun."""
from __future__ import annotations

from federation.local_actors import create_page
from models.actors import Actor, LocalUser, PageRole
from models.groups import MODERATOR, OWNER, GroupRole
from models.moderation import ModLogEntry
from tests.accounts.helpers import person, signed_in
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.groups.helpers import make_group, remote_member, wrapped
from web.passwords import hash_password

PASSWORD = "first password"


async def _delete_account(moot: MootInstance, actor: Actor) -> None:
    await LocalUser.filter(actor=actor).update(password_hash=hash_password(PASSWORD))
    browser = await signed_in(moot, actor.local_name)
    try:
        page = await browser.submit("/settings/account", "/settings/account/delete", {"delete_password": PASSWORD})
        assert page.status == 200 and "Your account is deleted" in page.text, page.text[-400:]
    finally:
        await browser.close()
    moot.use()


async def _roles(group: Actor) -> dict[str, str]:
    return {role.actor.local_name: role.role
            for role in await GroupRole.filter(group=group).prefetch_related("actor")}


async def test_a_sole_owner_leaving_hands_the_group_to_the_admins_and_says_so_on_the_wire(
        moot: MootInstance, remote: FakeRemote) -> None:
    ada, _ = await person(moot, "ada", admin=True)
    group, owner, _, _ = await make_group(moot, "garden")
    await remote_member(moot, remote, group, "bea")  # a member elsewhere, who hears of the new moderator
    await LocalUser.filter(actor=owner).update(password_hash=hash_password(PASSWORD))
    browser = await signed_in(moot, owner.local_name)
    try:
        page = await browser.get("/settings/account")
        assert "admins take them over" in page.text and "/groups/garden" in page.text
    finally:
        await browser.close()

    await _delete_account(moot, owner)
    await moot.drain()
    moot.use()
    assert (await _roles(group)) == {"garden_owner": OWNER, "ada": OWNER}
    (add,) = wrapped(remote, group, "Add")
    assert add["actor"] == ada.uri and add["object"] == ada.uri and add["target"] == group.moderators_url
    entry = await ModLogEntry.get(action="group.succeeded")
    assert entry.moderator_id == ada.id and entry.target == owner.uri and entry.group_id == group.id
    status, collection = await moot.get_ap(group.moderators_url)
    assert status == 200 and ada.uri in collection["orderedItems"]


async def test_an_owner_leaving_makes_the_longest_serving_local_moderator_the_owner(moot: MootInstance) -> None:
    await person(moot, "ada", admin=True)
    group, owner, owner_token, _ = await make_group(moot, "garden")
    mia, _ = await moot.user("mia")
    noor, _ = await moot.user("noor")
    for moderator in (mia, noor):
        status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/moderators", owner_token,
                                      json={"account_id": str(moderator.id)})
        assert status == 200, body
    moot.use()

    await _delete_account(moot, owner)
    assert (await _roles(group)) == {"garden_owner": OWNER, "mia": OWNER, "noor": MODERATOR}
    # The new owner can appoint moderators: the group is run again.
    assert await ModLogEntry.filter(action="group.succeeded", moderator=mia, group=group).exists()


async def test_a_moderator_leaving_changes_nothing_while_the_owner_stays(moot: MootInstance) -> None:
    await person(moot, "ada", admin=True)
    group, owner, owner_token, _ = await make_group(moot, "garden")
    mia, _ = await moot.user("mia")
    status, _ = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/moderators", owner_token,
                               json={"account_id": str(mia.id)})
    assert status == 200
    moot.use()
    await _delete_account(moot, mia)
    assert (await _roles(group)) == {"garden_owner": OWNER, "mia": MODERATOR}  # mia's row goes at the purge
    assert not await ModLogEntry.filter(action="group.succeeded").exists()


async def test_a_page_whose_owner_leaves_passes_to_a_co_admin_or_else_to_the_admins(moot: MootInstance) -> None:
    ada, _ = await person(moot, "ada", admin=True)
    olga, _ = await moot.user("olga")
    kim, _ = await moot.user("kim")
    bakery = await create_page(moot.fed, "bakery", owner=olga)
    library = await create_page(moot.fed, "library", owner=kim)
    await PageRole.create(page=bakery, user=kim, role="admin")

    await _delete_account(moot, olga)
    assert await PageRole.filter(page=bakery, user=kim, role="owner").exists()
    assert not await PageRole.filter(page=bakery, user=ada).exists()

    await _delete_account(moot, kim)
    assert await PageRole.filter(page=library, user=ada, role="owner").exists()
    assert await PageRole.filter(page=bakery, user=ada, role="owner").exists()
    entries = await ModLogEntry.filter(action="group.succeeded").order_by("id")
    assert [(e.group_id, e.moderator_id, e.public) for e in entries] == [
        (bakery.id, kim.id, False), (bakery.id, ada.id, False), (library.id, ada.id, False)]
