"""Membership the Mobilizon way (Join, Leave, answered with Accept{Join}), and a moderator removing a
Mastodon member, which Mastodon must hear as Reject{Follow} naming its own Follow."""
from __future__ import annotations

from typing import Any

from models.actors import Actor
from models.follows import ACCEPTED, PENDING, Follow
from tests.conftest import MootInstance
from tests.fakeremote import AS, FakeActor, FakeRemote
from tests.groups.helpers import announces, join, make_group


def mobilizon_join(actor: FakeActor, group: Actor) -> dict[str, Any]:
    """A Join shaped like Mobilizon's: its own context term, a participation message, addressed to the group."""
    return {
        "@context": [AS, {"mz": "https://joinmobilizon.org/ns#",
                          "participationMessage": {"@id": "mz:participationMessage", "@type": "sc:Text"}}],
        "id": actor.new_id("join"), "type": "Join", "actor": actor.uri, "object": group.uri,
        "participationMessage": "I bake on Sundays", "to": [group.uri], "cc": [],
    }


def mobilizon_leave(actor: FakeActor, group: Actor) -> dict[str, Any]:
    return {"@context": AS, "id": actor.new_id("leave"), "type": "Leave", "actor": actor.uri,
            "object": group.uri, "to": [group.uri], "cc": []}


async def send(moot: MootInstance, remote: FakeRemote, actor: FakeActor, group: Actor, activity: dict[str, Any]) -> None:
    status, body = await remote.send(actor, group.inbox, activity)
    assert status == 202, body
    await moot.drain()


async def membership(moot: MootInstance, group: Actor, uri: str) -> Follow | None:
    moot.use()
    return await Follow.filter(target=group, follower__uri=uri).first()


async def owner_posts(moot: MootInstance, group: Actor, token: str, title: str) -> str:
    status, post = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/posts", token, json={"title": title})
    assert status == 201, post
    await moot.drain()
    return post["uri"]


def relayed_posts(remote: FakeRemote, group: Actor) -> list[str]:
    return [a["object"] for a in announces(remote, group) if isinstance(a["object"], str)]


async def test_join_is_answered_with_accept_of_that_join(moot: MootInstance, remote: FakeRemote) -> None:
    group, _, token, _ = await make_group(moot, "bakers")
    hana = remote.add_actor("hana")
    join_activity = mobilizon_join(hana, group)
    await send(moot, remote, hana, group, join_activity)

    (accept,) = remote.received
    assert accept.verified and accept.key_id == f"{group.uri}#main-key"
    assert accept.body["type"] == "Accept" and accept.body["actor"] == group.uri
    # Mobilizon finds the membership by the Join's id, so the answer names that Join, not a Follow.
    assert accept.body["object"] == {"id": join_activity["id"], "type": "Join", "actor": hana.uri, "object": group.uri}
    follow = await membership(moot, group, hana.uri)
    assert follow is not None and follow.state == ACCEPTED and follow.activity_type == "Join"
    # A member like any other: the group's posts reach her server.
    post = await owner_posts(moot, group, token, "Sourdough on Sunday")
    assert relayed_posts(remote, group) == [post]


async def test_join_of_a_private_group_waits_then_approval_accepts_the_join(
    moot: MootInstance, remote: FakeRemote
) -> None:
    group, _, token, _ = await make_group(moot, "bakers", private=True)
    hana = remote.add_actor("hana")
    join_activity = mobilizon_join(hana, group)
    await send(moot, remote, hana, group, join_activity)
    assert remote.received == []
    follow = await membership(moot, group, hana.uri)
    assert follow is not None and follow.state == PENDING

    status, pending = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/requests", token)
    assert [account["uri"] for account in pending] == [hana.uri]
    hana_id = pending[0]["id"]
    status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/requests/{hana_id}/approve", token)
    assert status == 200 and body["state"] == "member"
    await moot.drain()
    (accept,) = remote.received
    assert accept.verified and accept.body["type"] == "Accept"
    assert accept.body["object"]["type"] == "Join" and accept.body["object"]["id"] == join_activity["id"]
    assert (await membership(moot, group, hana.uri)).state == ACCEPTED


async def test_leave_ends_the_membership(moot: MootInstance, remote: FakeRemote) -> None:
    group, _, token, _ = await make_group(moot, "bakers")
    hana = remote.add_actor("hana")
    await send(moot, remote, hana, group, mobilizon_join(hana, group))
    before = await owner_posts(moot, group, token, "Rye starter")
    assert relayed_posts(remote, group) == [before]

    await send(moot, remote, hana, group, mobilizon_leave(hana, group))
    assert await membership(moot, group, hana.uri) is None
    status, listed = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/members", token)
    assert status == 200 and hana.uri not in [account["uri"] for account in listed]
    await owner_posts(moot, group, token, "After she left")
    assert relayed_posts(remote, group) == [before]  # nothing more reaches her server


async def test_removed_mastodon_member_gets_reject_of_its_original_follow(
    moot: MootInstance, remote: FakeRemote
) -> None:
    group, _, token, _ = await make_group(moot, "bakers")
    alice = remote.add_actor("alice")
    follow = await join(remote, alice, group)
    await moot.drain()
    alice_id = (await Actor.get(uri=alice.uri)).id

    _, member_token = await moot.user("gus")
    status, _ = await moot.api("DELETE", f"/api/moot/v1/groups/{group.id}/members/{alice_id}", member_token)
    assert status == 403  # only moderators remove members
    status, body = await moot.api("DELETE", f"/api/moot/v1/groups/{group.id}/members/{alice_id}", token)
    assert status == 200 and body["state"] == "none"
    await moot.drain()

    (reject,) = remote.activities("Reject")
    assert reject["actor"] == group.uri
    # Mastodon matches the Reject to its follow by the Follow's id; then it drops the membership.
    assert reject["object"] == {"id": follow["id"], "type": "Follow", "actor": alice.uri, "object": group.uri}
    assert all(r.verified for r in remote.received)
    assert await membership(moot, group, alice.uri) is None
    await owner_posts(moot, group, token, "Members only from now")
    assert relayed_posts(remote, group) == []


async def test_removed_mobilizon_member_gets_reject_of_its_join(moot: MootInstance, remote: FakeRemote) -> None:
    group, _, token, _ = await make_group(moot, "bakers")
    hana = remote.add_actor("hana")
    join_activity = mobilizon_join(hana, group)
    await send(moot, remote, hana, group, join_activity)
    hana_id = (await Actor.get(uri=hana.uri)).id
    status, _ = await moot.api("DELETE", f"/api/moot/v1/groups/{group.id}/members/{hana_id}", token)
    assert status == 200
    await moot.drain()
    (reject,) = remote.activities("Reject")
    assert reject["object"]["type"] == "Join" and reject["object"]["id"] == join_activity["id"]
