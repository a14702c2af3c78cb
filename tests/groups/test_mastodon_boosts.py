"""What a Mastodon member server sees of a group: one boost per post (an id-form Announce), undone when the
post is deleted or removed and sent afresh when it is restored; edits as the author's own Update, never
as a second boost; and every activity once per server. Mastodon ignores Announce{Create|Update|Delete}."""
from __future__ import annotations

from typing import Any, AsyncIterator

import pytest

from models.actors import Actor
from models.posts import Post
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeActor, FakeRemote
from tests.groups.helpers import announces, join, lemmy_page, make_group, plain, wrapped


@pytest.fixture
async def mastodon() -> AsyncIterator[FakeRemote]:
    fake = await FakeRemote().start()
    yield fake
    await fake.close()


async def member_server(moot: MootInstance, mastodon: FakeRemote, group: Actor) -> FakeActor:
    carl = mastodon.add_actor("carl")
    await join(mastodon, carl, group)
    await moot.drain()
    mastodon.received.clear()
    return carl


async def send(moot: MootInstance, remote: FakeRemote, actor: FakeActor, group: Actor, activity: dict[str, Any]) -> None:
    status, body = await remote.send(actor, group.inbox, activity)
    assert status == 202, body
    await moot.drain()


def of_type(fake: FakeRemote, activity_type: str) -> list[dict[str, Any]]:
    return [r.body for r in fake.received if r.body.get("type") == activity_type]


def undone_boosts(fake: FakeRemote, group: Actor) -> list[dict[str, Any]]:
    return [u["object"] for u in of_type(fake, "Undo") if u["actor"] == group.uri and u["object"]["type"] == "Announce"]


def boost_of(fake: FakeRemote, group: Actor, post_uri: str) -> list[str]:
    """Ids of the id-form Announces of a post."""
    return [a["id"] for a in announces(fake, group) if a["object"] == post_uri]


async def test_local_authors_edit_goes_out_as_their_update_and_delete_undoes_the_boost(
    moot: MootInstance, mastodon: FakeRemote
) -> None:
    group, owner, token, _ = await make_group(moot)
    await member_server(moot, mastodon, group)
    alice = mastodon.add_actor("alice")  # mentioned, on the member server: same server, one delivery
    status, created = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/posts", token,
                                      json={"title": "Seed swap", "body": f"Bring seeds @alice@{mastodon.host}"})
    assert status == 201, created
    await moot.drain()
    post = await Post.get(id=int(created["id"]))
    (boost,) = boost_of(mastodon, group, post.uri)
    assert post.group_announce_uri == boost
    mastodon.received.clear()

    status, body = await moot.api("PUT", f"/api/v1/statuses/{post.id}", token,
                                  json={"status": f"Bring seeds and envelopes @alice@{mastodon.host}"})
    assert status == 200, body
    await moot.drain()
    (update,) = of_type(mastodon, "Update")  # once, though both the group's follower and alice live there
    assert update["actor"] == owner.uri and update["object"]["id"] == post.uri
    assert "envelopes" in update["object"]["content"]
    assert [r.path for r in mastodon.received if r.body["type"] == "Update"] == ["/inbox"]
    assert [a["type"] for a in wrapped(mastodon, group, "Update")] == ["Update"]
    assert plain(mastodon, group) == []  # no second boost of the same post
    mastodon.received.clear()

    status, _ = await moot.api("DELETE", f"/api/v1/statuses/{post.id}", token)
    assert status == 200
    await moot.drain()
    (delete,) = of_type(mastodon, "Delete")
    assert delete["actor"] == owner.uri and delete["object"]["id"] == post.uri
    (undone,) = undone_boosts(mastodon, group)
    assert undone == {"id": boost, "type": "Announce", "actor": group.uri, "object": post.uri,
                      "to": [PUBLIC], "cc": [group.followers_url]}
    assert len(wrapped(mastodon, group, "Delete")) == 1
    assert all(r.verified for r in mastodon.received)
    assert (await Post.get(id=post.id)).group_announce_uri is None


async def test_removal_undoes_the_boost_and_restore_boosts_again(
    moot: MootInstance, remote: FakeRemote, mastodon: FakeRemote
) -> None:
    group, _, token, _ = await make_group(moot)
    await member_server(moot, mastodon, group)
    bea = remote.add_actor("bea")
    create = lemmy_page(bea, group)
    await send(moot, remote, bea, group, create)
    post = await Post.get(uri=create["object"]["id"])
    (first,) = boost_of(mastodon, group, post.uri)
    mastodon.received.clear()

    status, body = await moot.api("POST", f"/api/moot/v1/posts/{post.id}/remove", token, json={"reason": "spam"})
    assert status == 200, body
    await moot.drain()
    (removal,) = wrapped(mastodon, group, "Delete")
    assert [u["id"] for u in undone_boosts(mastodon, group)] == [first]
    # The moderator's Delete is addressed to Public, and its id answers (it was a 404).
    status, fetched = await moot.get_ap(removal["id"])
    assert status == 200 and fetched["type"] == "Delete" and fetched["object"] == post.uri
    mastodon.received.clear()

    status, body = await moot.api("POST", f"/api/moot/v1/posts/{post.id}/restore", token, json={})
    assert status == 200, body
    await moot.drain()
    assert len(wrapped(mastodon, group, "Undo")) == 1
    (second,) = boost_of(mastodon, group, post.uri)
    assert second != first and (await Post.get(id=post.id)).group_announce_uri == second


async def test_remote_authors_delete_and_undo_of_it(
    moot: MootInstance, remote: FakeRemote, mastodon: FakeRemote
) -> None:
    group, _, _, _ = await make_group(moot)
    await member_server(moot, mastodon, group)
    bea = remote.add_actor("bea")
    create = lemmy_page(bea, group)
    await send(moot, remote, bea, group, create)
    (first,) = boost_of(mastodon, group, create["object"]["id"])
    delete = {"@context": AS, "id": bea.new_id("activities/delete"), "type": "Delete", "actor": bea.uri,
              "to": [PUBLIC], "cc": [group.uri], "object": create["object"]["id"], "audience": group.uri}
    await send(moot, remote, bea, group, delete)
    assert [u["id"] for u in undone_boosts(mastodon, group)] == [first]
    # Deleting again (or a removal after it) has no boost left to undo.
    await send(moot, remote, bea, group, {**delete, "id": bea.new_id("activities/delete")})
    assert len(undone_boosts(mastodon, group)) == 1

    undo = {"@context": AS, "id": bea.new_id("activities/undo"), "type": "Undo", "actor": bea.uri,
            "to": [PUBLIC], "cc": [group.uri], "object": delete, "audience": group.uri}
    await send(moot, remote, bea, group, undo)
    boosts = boost_of(mastodon, group, create["object"]["id"])
    assert len(boosts) == 2 and boosts[0] == first


async def test_create_with_a_list_or_a_bare_id_as_object_gets_its_boost(
    moot: MootInstance, remote: FakeRemote, mastodon: FakeRemote
) -> None:
    group, _, _, _ = await make_group(moot)
    await member_server(moot, mastodon, group)
    bea = remote.add_actor("bea")
    listed = lemmy_page(bea, group, title="In a list")
    listed["object"] = [listed["object"]]
    await send(moot, remote, bea, group, listed)
    by_id = lemmy_page(bea, group, title="By id")
    remote.publish({"@context": AS, **by_id["object"]})
    by_id["object"] = by_id["object"]["id"]
    await send(moot, remote, bea, group, by_id)

    assert plain(mastodon, group) == [listed["object"][0]["id"], by_id["object"]]
    for uri in plain(mastodon, group):
        assert (await Post.get(uri=uri)).group_announce_uri == boost_of(mastodon, group, uri)[0]


async def test_one_delivery_per_server_when_a_mentioned_person_shares_it_with_followers(
    moot: MootInstance, mastodon: FakeRemote
) -> None:
    olga, token = await moot.user("olga")
    bob, alice = mastodon.add_actor("bob"), mastodon.add_actor("alice")
    follow = {"@context": AS, "id": bob.new_id(), "type": "Follow", "actor": bob.uri, "object": olga.uri}
    status, _ = await mastodon.send(bob, olga.inbox, follow)
    assert status == 202
    await moot.drain()
    mastodon.received.clear()

    status, body = await moot.api("POST", "/api/v1/statuses", token, json={"status": f"Hello @alice@{mastodon.host}"})
    assert status == 200, body
    await moot.drain()
    (create,) = of_type(mastodon, "Create")  # was delivered twice: to /inbox and to alice's own inbox
    assert alice.uri in create["object"]["cc"] + create["object"]["to"]
    assert [r.path for r in mastodon.received] == ["/inbox"]
