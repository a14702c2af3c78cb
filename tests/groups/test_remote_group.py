"""A local user in a remote (Lemmy-shaped) community: the group's Announces are stored under the trust rules."""
from __future__ import annotations

from typing import Any

from models.actors import Actor
from models.posts import Post
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeActor, FakeRemote


async def community(moot: MootInstance, remote: FakeRemote) -> tuple[FakeActor, FakeActor, FakeActor, str]:
    """A fake community with a moderator; a local user joins it."""
    group = remote.add_actor("gardening", actor_type="Group")
    group.extra = {"attributedTo": f"{group.uri}/moderators", "featured": f"{group.uri}/featured",
                   "postingRestrictedToMods": False}
    mod = remote.add_actor("mod")
    bea = remote.add_actor("bea")
    remote.publish({"@context": AS, "id": f"{group.uri}/moderators", "type": "OrderedCollection",
                    "orderedItems": [mod.uri]})
    ann, token = await moot.user("ann")
    status, found = await moot.api("GET", f"/api/v2/search?q=@gardening@{remote.host}&resolve=true", token)
    group_id = found["accounts"][0]["id"]
    await moot.api("POST", f"/api/moot/v1/groups/{group_id}/join", token)
    await moot.drain()
    (follow,) = remote.activities("Follow")
    accept = {"@context": AS, "id": group.new_id(), "type": "Accept", "actor": group.uri, "object": follow}
    assert (await remote.send(group, ann.inbox, accept))[0] == 202
    await moot.drain()
    return group, mod, bea, token


def announce(group: FakeActor, activity: dict[str, Any]) -> dict[str, Any]:
    return {"@context": AS, "id": group.new_id("activities/announce"), "type": "Announce", "actor": group.uri,
            "to": [PUBLIC], "cc": [group.followers], "object": activity}


def page(author: FakeActor, group: FakeActor, title: str) -> dict[str, Any]:
    page_id = author.new_id("post")
    return {"@context": AS, "id": author.new_id("activities/create"), "type": "Create", "actor": author.uri,
            "to": [group.uri, PUBLIC], "cc": [], "audience": group.uri,
            "object": {"id": page_id, "type": "Page", "attributedTo": author.uri, "name": title,
                       "content": "<p>body</p>", "to": [group.uri, PUBLIC], "audience": group.uri}}


async def test_announced_posts_and_moderation_from_a_remote_community(moot: MootInstance, remote: FakeRemote) -> None:
    group, mod, bea, token = await community(moot, remote)
    create = page(bea, group, "Same-origin post")
    status, body = await remote.send(group, f"{moot.base_url}/inbox", announce(group, create))
    assert status == 202, body
    await moot.drain()
    stored = await Post.get(uri=create["object"]["id"]).prefetch_related("group")
    assert stored.group.uri == group.uri and stored.name == "Same-origin post"
    status, listing = await moot.api("GET", f"/api/moot/v1/groups/{stored.group_id}/posts", token)
    assert [p["title"] for p in listing["posts"]] == ["Same-origin post"]

    # A moderator's removal and lock, relayed by the community, are applied.
    removal = {"@context": AS, "id": mod.new_id("activities/delete"), "type": "Delete", "actor": mod.uri,
               "to": [PUBLIC], "cc": [group.uri], "object": create["object"]["id"], "summary": "off topic"}
    await remote.send(group, f"{moot.base_url}/inbox", announce(group, removal))
    await moot.drain()
    removed = await Post.get(id=stored.id)
    assert removed.removed_at is not None and removed.removed_reason == "off topic"

    # Someone on a third server who is not in the moderators collection: even relayed by the
    # community, their Lock is refused (the community's own server would be trusted to have checked).
    other = page(mod, group, "Mod post")
    await remote.send(group, f"{moot.base_url}/inbox", announce(group, other))
    third = await FakeRemote().start()
    try:
        eve = third.add_actor("eve")
        forged_lock = {"@context": AS, "id": eve.new_id("activities/lock"), "type": "Lock", "actor": eve.uri,
                       "object": other["object"]["id"], "to": [PUBLIC], "cc": [group.uri]}
        await remote.send(group, f"{moot.base_url}/inbox", announce(group, forged_lock))
        await moot.drain()
    finally:
        await third.close()
    assert (await Post.get(uri=other["object"]["id"])).locked_at is None
    assert "/users/gardening/moderators" in remote.fetched  # the collection was consulted


async def test_plain_announce_of_a_post_is_fetched(moot: MootInstance, remote: FakeRemote) -> None:
    group, mod, bea, token = await community(moot, remote)
    create = page(bea, group, "Fetched post")
    remote.publish(create["object"])
    activity = {"@context": AS, "id": group.new_id("activities/announce"), "type": "Announce",
                "actor": group.uri, "to": [PUBLIC], "object": create["object"]["id"]}
    await remote.send(group, f"{moot.base_url}/inbox", activity)
    await moot.drain()
    stored = await Post.get(uri=create["object"]["id"]).prefetch_related("group")
    assert stored.group.uri == group.uri


async def test_announces_from_a_community_nobody_here_joined_are_dropped(moot: MootInstance, remote: FakeRemote) -> None:
    group = remote.add_actor("strangers", actor_type="Group")
    bea = remote.add_actor("bea")
    create = page(bea, group, "Nobody reads this")
    await remote.send(group, f"{moot.base_url}/inbox", announce(group, create))
    await moot.drain()
    assert await Post.filter(uri=create["object"]["id"]).count() == 0
    assert await Actor.filter(uri=group.uri).count() == 1  # known (its key was fetched), nothing more


async def test_a_listed_moderator_on_another_server_is_believed(moot: MootInstance, remote: FakeRemote) -> None:
    group, mod, bea, token = await community(moot, remote)
    third = await FakeRemote().start()
    try:
        dora = third.add_actor("dora")
        remote.publish({"@context": AS, "id": f"{group.uri}/moderators", "type": "OrderedCollection",
                        "orderedItems": [mod.uri, dora.uri]})
        create = page(bea, group, "Will be removed")
        await remote.send(group, f"{moot.base_url}/inbox", announce(group, create))
        removal = {"@context": AS, "id": dora.new_id("activities/delete"), "type": "Delete", "actor": dora.uri,
                   "to": [PUBLIC], "cc": [group.uri], "object": create["object"]["id"], "summary": "spam"}
        await remote.send(group, f"{moot.base_url}/inbox", announce(group, removal))
        await moot.drain()
    finally:
        await third.close()
    assert (await Post.get(uri=create["object"]["id"])).removed_reason == "spam"
