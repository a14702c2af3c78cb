"""Sub-groups: a Lemmy-shaped member follows one topic of a large group, the sub-group's actor names its
parent and the parent's collection lists it, the parent's moderators moderate it, and "members of the parent
only" refuses others (a Reject with its reason, a clear 403 locally) and admits members."""
from __future__ import annotations

from typing import Any

from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.posts import Post
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.groups.helpers import deliver, join, lemmy_page, make_group, wrapped


async def _api(moot: MootInstance, method: str, path: str, token: str | None, json: Any = None) -> tuple[int, Any]:
    result = await moot.api(method, path, token, json=json)
    moot.use()
    return result


async def _subgroup(moot: MootInstance, parent: Actor, token: str, **fields: Any) -> Actor:
    status, body = await _api(moot, "POST", f"/api/moot/v1/groups/{parent.id}/subgroups", token, fields)
    assert status == 201, body
    assert body["parent_id"] == str(parent.id)
    return await Actor.get(id=int(body["id"]))


async def test_lemmy_member_follows_one_subgroup_moderated_by_the_parents_moderators(
    moot: MootInstance, remote: FakeRemote
) -> None:
    parent, owner, owner_token, _ = await make_group(moot, "garden")
    mia, mia_token = await moot.user("mia")
    status, body = await _api(moot, "POST", f"/api/moot/v1/groups/{parent.id}/moderators", owner_token,
                              {"account_id": mia.id})
    assert status == 200, body
    nora, nora_token = await moot.user("nora")

    veg = await _subgroup(moot, parent, owner_token, name="garden_veg", display_name="Vegetables",
                          description="Beans and *beets*")
    roses = await _subgroup(moot, parent, mia_token, name="garden_roses")  # an inherited moderator creates too
    # Not a moderator of the parent; a name already taken; a sub-group of a sub-group; too long.
    for token, path, fields, expected in (
        (nora_token, parent.id, {"name": "garden_herbs"}, 403),
        (owner_token, parent.id, {"name": "garden_veg"}, 422),
        (owner_token, veg.id, {"name": "veg_beans"}, 422),
        (owner_token, parent.id, {"name": "garden_x", "description": "x" * 6000}, 422),
        (owner_token, parent.id, {"name": "Bad Name!"}, 422),
    ):
        status, body = await _api(moot, "POST", f"/api/moot/v1/groups/{path}/subgroups", token, fields)
        assert status == expected, (fields, body)
    status, body = await _api(moot, "GET", f"/api/moot/v1/groups/{parent.id}/subgroups", None)
    assert status == 200 and [g["name"] for g in body["subgroups"]] == ["garden_veg", "garden_roses"], body
    assert body["subgroups"][0]["display_name"] == "Vegetables" and body["parent_id"] is None

    # On the wire: the sub-group names its parent, the parent lists its sub-groups, the moderators are inherited.
    status, doc = await moot.get_ap(veg.uri)
    assert status == 200 and doc["type"] == "Group" and doc["parentGroup"] == parent.uri
    assert doc["subgroups"] == f"{veg.uri}/subgroups"
    terms = doc["@context"][-1]
    assert terms["parentGroup"]["@type"] == "@id" and terms["subgroups"]["@type"] == "@id"
    status, parent_doc = await moot.get_ap(parent.uri)
    assert "parentGroup" not in parent_doc
    status, listing = await moot.get_ap(parent_doc["subgroups"])
    assert status == 200 and listing["type"] == "OrderedCollection"
    assert listing["orderedItems"] == [veg.uri, roses.uri] and listing["totalItems"] == 2
    status, mods = await moot.get_ap(doc["attributedTo"])
    assert mods["orderedItems"] == [owner.uri, mia.uri], mods  # owner of the sub-group, then the parent's others
    moot.use()

    # A Lemmy user subscribes to the one topic: Accept, then only that sub-group's posts.
    bea = remote.add_actor("bea")
    follow = await join(remote, bea, veg)
    await moot.drain()
    (accept,) = [r.body for r in remote.received if r.body["type"] == "Accept"]
    assert accept["actor"] == veg.uri and accept["object"]["id"] == follow["id"]
    assert await Follow.filter(target=veg, follower__uri=bea.uri, state=ACCEPTED).exists()
    assert not await Follow.filter(target=parent, follower__uri=bea.uri).exists()
    for group, title in ((parent, "Parent news"), (roses, "Roses news"), (veg, "Veg news")):
        status, body = await _api(moot, "POST", f"/api/moot/v1/groups/{group.id}/posts", owner_token,
                                  {"title": title, "body": title})
        assert status == 201, body
    create = lemmy_page(bea, veg, title="Slugs ate my beans")
    await deliver(moot, remote, bea, veg, create)
    announcers = {r.body["actor"] for r in remote.received if r.body.get("type") == "Announce"}
    assert announcers == {veg.uri}
    titles = {a["object"]["name"] for a in wrapped(remote, veg, "Create")}
    assert titles == {"Veg news", "Slugs ate my beans"}

    # Mia moderates the parent only, and removes bea's post in the sub-group; the sub-group relays it.
    post = await Post.get(uri=create["object"]["id"])
    assert post.group_id == veg.id
    status, body = await _api(moot, "POST", f"/api/moot/v1/posts/{post.id}/remove", mia_token, {"reason": "spam"})
    assert status == 200 and body["removed"] is True, body
    await moot.drain()
    (delete,) = wrapped(remote, veg, "Delete")
    assert delete["actor"] == mia.uri and delete["object"] == post.uri
    # Moderation flows down, not up: the owner of a sub-group alone does not moderate the parent.
    status, body = await _api(moot, "GET", f"/api/moot/v1/groups/{veg.id}/requests", mia_token)
    assert status == 200
    tom, tom_token = await moot.user("tom")
    await _api(moot, "POST", f"/api/moot/v1/groups/{parent.id}/moderators", owner_token, {"account_id": tom.id})
    herbs = await _subgroup(moot, parent, tom_token, name="garden_herbs")
    await _api(moot, "DELETE", f"/api/moot/v1/groups/{parent.id}/moderators/{tom.id}", owner_token)
    status, _ = await _api(moot, "GET", f"/api/moot/v1/groups/{herbs.id}/requests", tom_token)
    assert status == 200
    status, _ = await _api(moot, "GET", f"/api/moot/v1/groups/{parent.id}/requests", tom_token)
    assert status == 403


async def test_members_only_subgroup_rejects_outsiders_and_admits_members(
    moot: MootInstance, remote: FakeRemote
) -> None:
    parent, owner, owner_token, _ = await make_group(moot, "club")
    inner = await _subgroup(moot, parent, owner_token, name="club_inner", parent_members_only=True)
    status, body = await _api(moot, "GET", f"/api/moot/v1/groups/{parent.id}/subgroups", None)
    assert body["subgroups"][0]["parent_members_only"] is True

    cy = remote.add_actor("cy")
    follow = await join(remote, cy, inner)
    await moot.drain()
    (reject,) = [r.body for r in remote.received if r.body["type"] == "Reject"]
    assert reject["actor"] == inner.uri and reject["object"]["id"] == follow["id"]
    assert "Only members of club" in reject["summary"]
    assert not await Follow.filter(target=inner, follower__uri=cy.uri).exists()
    # Mobilizon's Join is refused the same way.
    await join(remote, cy, inner, activity_type="Join")
    await moot.drain()
    assert [r.body["object"]["type"] for r in remote.received if r.body["type"] == "Reject"] == ["Follow", "Join"]

    nora, nora_token = await moot.user("nora")
    status, body = await _api(moot, "POST", f"/api/moot/v1/groups/{inner.id}/join", nora_token)
    assert status == 403 and "club" in str(body), body
    assert not await Follow.filter(target=inner, follower=nora).exists()

    # Members of the parent are admitted, local and remote.
    status, _ = await _api(moot, "POST", f"/api/moot/v1/groups/{parent.id}/join", nora_token)
    status, body = await _api(moot, "POST", f"/api/moot/v1/groups/{inner.id}/join", nora_token)
    assert status == 200 and body["state"] == "member", body
    await join(remote, cy, parent)
    await moot.drain()
    remote.received.clear()
    follow = await join(remote, cy, inner)
    await moot.drain()
    (accept,) = [r.body for r in remote.received if r.body["type"] == "Accept"]
    assert accept["actor"] == inner.uri and accept["object"]["id"] == follow["id"]
    assert await Follow.filter(target=inner, follower__uri=cy.uri, state=ACCEPTED).exists()


async def test_subgroups_of_a_private_group_are_private(moot: MootInstance, remote: FakeRemote) -> None:
    parent, owner, owner_token, _ = await make_group(moot, "vaultish", private=True)
    hidden = await _subgroup(moot, parent, owner_token, name="vaultish_plans")
    assert hidden.manually_approves
    status, doc = await moot.get_ap(hidden.uri)
    assert doc["manuallyApprovesFollowers"] is True and doc["parentGroup"] == parent.uri
    # Outsiders learn how many, not which (like the parent's other collections), on the API and the page too.
    status, listing = await moot.get_ap(f"{parent.uri}/subgroups")
    assert status == 200 and listing["totalItems"] == 1 and "orderedItems" not in listing
    status, body = await _api(moot, "GET", f"/api/moot/v1/groups/{parent.id}/subgroups", None)
    assert status == 404
    outsider, outsider_token = await moot.user("olga")
    status, body = await _api(moot, "GET", f"/api/moot/v1/groups/{parent.id}/subgroups", outsider_token)
    assert status == 404
    async with moot.session.get(f"{parent.uri}/subgroups") as resp:
        page = await resp.text()
    assert "vaultish_plans" not in page
    # The owner sees it.
    status, body = await _api(moot, "GET", f"/api/moot/v1/groups/{parent.id}/subgroups", owner_token)
    assert status == 200 and [g["name"] for g in body["subgroups"]] == ["vaultish_plans"]
