"""A local user on instance A joins a group on instance B, posts into it, and sees other members' posts arrive on A."""
from __future__ import annotations

from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.posts import Post
from tests.conftest import settle
from tests.fakeremote import FakeRemote
from tests.groups.helpers import join, lemmy_page, make_group


async def test_member_on_another_instance(moot_factory, remote: FakeRemote) -> None:
    a = await moot_factory()
    b = await moot_factory()
    group, owner, owner_token, _ = await make_group(b)
    ann, ann_token = await a.user("ann")

    status, found = await a.api("GET", f"/api/v2/search?q=@gardening@{b.host}&resolve=true", ann_token)
    assert [acc["uri"] for acc in found["accounts"]] == [group.uri] and found["accounts"][0]["group"] is True
    remote_group_id = found["accounts"][0]["id"]
    status, membership = await a.api("POST", f"/api/moot/v1/groups/{remote_group_id}/join", ann_token)
    assert status == 200 and membership["state"] == "pending"
    await settle(a, b)
    status, membership = await a.api("POST", f"/api/moot/v1/groups/{remote_group_id}/join", ann_token)
    assert membership["state"] == "member"

    # ann posts into the group from A; B admits it and relays it.
    status, mine = await a.api("POST", f"/api/moot/v1/groups/{remote_group_id}/posts", ann_token,
                               json={"title": "Hello from A", "body": "Tomatoes in November?"})
    assert status == 201, mine
    await settle(a, b)
    b.use()
    on_b = await Post.get(uri=mine["uri"])
    assert on_b.group_id == group.id and on_b.name == "Hello from A"

    # The owner on B posts; A receives the group's Announce and keeps the post in the group.
    status, theirs = await b.api("POST", f"/api/moot/v1/groups/{group.id}/posts", owner_token,
                                 json={"title": "Welcome", "body": "Say hello!"})
    # A member on a third server posts too: its post reaches A through B's relay, and A refetches
    # it from its origin, because B cannot vouch for another server's content.
    bea = remote.add_actor("bea")
    await join(remote, bea, group)
    await settle(a, b)
    create = lemmy_page(bea, group, title="From the third server")
    remote.publish(create["object"])
    status, _ = await remote.send(bea, group.inbox, create)
    assert status == 202
    await settle(a, b)
    assert create["object"]["id"].replace(remote.base_url, "") in remote.fetched

    status, listing = await a.api("GET", f"/api/moot/v1/groups/{remote_group_id}/posts", ann_token)
    titles = sorted(post["title"] for post in listing["posts"])
    assert titles == ["From the third server", "Hello from A", "Welcome"]
    a.use()
    remote_group = await Actor.get(id=int(remote_group_id))
    assert await Follow.filter(target=remote_group, state=ACCEPTED).count() == 1


async def test_forged_content_in_a_relay_is_not_believed(moot_factory, remote: FakeRemote) -> None:
    """An Announce from a group embedding a third server's post is checked at the origin."""
    a = await moot_factory()
    b = await moot_factory()
    group, owner, owner_token, _ = await make_group(b)
    ann, ann_token = await a.user("ann")
    status, found = await a.api("GET", f"/api/v2/search?q=@gardening@{b.host}&resolve=true", ann_token)
    await a.api("POST", f"/api/moot/v1/groups/{found['accounts'][0]['id']}/join", ann_token)
    bea = remote.add_actor("bea")
    await join(remote, bea, group)
    await settle(a, b)
    create = lemmy_page(bea, group, title="Honest title")
    remote.publish({**create["object"], "name": "Honest title"})
    tampered = {**create, "object": {**create["object"], "name": "Forged title"}}
    # B stores what bea sent (signed by bea) ... but suppose B relayed a different body: A must not believe it.
    status, _ = await remote.send(bea, group.inbox, tampered)
    await settle(a, b)
    a.use()
    stored = await Post.get(uri=create["object"]["id"])
    assert stored.name == "Honest title"
