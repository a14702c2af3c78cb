"""The narrow windows random kills rarely hit, made deterministic: a worker that dies after a handler's
transaction committed but before its queue row was marked done leaves the row to be claimed again once its
lease runs out. Replaying it must change nothing (no second post, vote or boost) and lose nothing (the
group's relay still goes out). The same for a fan-out expanded twice: duplicates are allowed, losses not."""
from __future__ import annotations

from models.posts import ANNOUNCE, LIKE, Interaction, Post
from models.queues import PENDING, Delivery, FanOut, InboxItem
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeRemote
from tests.groups.helpers import activity, deliver, lemmy_page, make_group, remote_member


async def crash_after_commit(moot: MootInstance, activity_id: str) -> None:
    """What a worker killed between the handler's commit and `state=done` leaves, once its lease expired."""
    moot.use()
    assert await InboxItem.filter(activity_id=activity_id, state="done").update(state=PENDING, locked_until=None) == 1
    await moot.drain()
    assert await InboxItem.filter(activity_id=activity_id).values_list("state", flat=True) == ["done"]


def relayed(remote: FakeRemote, group_uri: str, inner_id: str) -> int:
    """How many Announces by the group, of `inner_id` (embedded or by id), the fake server received."""
    count = 0
    for doc in remote.activities("Announce"):
        inner = doc.get("object")
        if doc.get("actor") == group_uri and (inner.get("id") if isinstance(inner, dict) else inner) == inner_id:
            count += 1
    return count


async def test_replayed_group_activities_apply_once(moot: MootInstance, remote: FakeRemote) -> None:
    group, _, _, _ = await make_group(moot, "replay")
    fake, _ = await remote_member(moot, remote, group, "ana")
    await remote_member(moot, remote, group, "ben")  # a second member the relays go to

    create = lemmy_page(fake, group)
    await deliver(moot, remote, fake, group, create)
    await crash_after_commit(moot, create["id"])
    assert await Post.filter(uri=create["object"]["id"]).count() == 1
    assert await Post.filter(group_id=group.id).count() == 1
    assert relayed(remote, group.uri, create["id"]) >= 1

    like = activity(fake, "Like", create["object"]["id"], audience=group.uri)
    await deliver(moot, remote, fake, group, like)
    await crash_after_commit(moot, like["id"])
    assert await Interaction.filter(kind=LIKE).count() == 1
    assert relayed(remote, group.uri, like["id"]) >= 1

    undo = activity(fake, "Undo", like, audience=group.uri)
    await deliver(moot, remote, fake, group, undo)
    await crash_after_commit(moot, undo["id"])
    assert await Interaction.filter(kind=LIKE).count() == 0
    assert relayed(remote, group.uri, undo["id"]) >= 1


async def test_replayed_boost_and_fanout(moot: MootInstance, remote: FakeRemote) -> None:
    author, token = await moot.user("poster")
    status, body = await moot.api("POST", "/api/v1/statuses", token, json={"status": "Hello", "visibility": "public"})
    assert status == 200, body
    moot.use()
    post = await Post.get(id=int(body["id"]))
    fan = remote.add_actor("fan")
    follow = {"@context": AS, "id": fan.new_id(), "type": "Follow", "actor": fan.uri, "object": author.uri}
    assert (await remote.send(fan, author.inbox, follow))[0] == 202
    await moot.drain()

    boost = activity(fan, "Announce", post.uri, to=[PUBLIC])
    assert (await remote.send(fan, author.inbox, boost))[0] == 202
    await moot.drain()
    await crash_after_commit(moot, boost["id"])
    assert await Interaction.filter(kind=ANNOUNCE, post_id=post.id).count() == 1

    # A second post fans out to the follower; the worker dies after expanding it, before marking it done.
    status, body = await moot.api("POST", "/api/v1/statuses", token, json={"status": "Again", "visibility": "public"})
    assert status == 200, body
    await moot.drain()
    moot.use()
    second = await Post.get(id=int(body["id"]))
    fanout = await FanOut.filter(state="done").order_by("-id").first()
    assert fanout is not None
    await FanOut.filter(id=fanout.id).update(state=PENDING, locked_until=None)
    await moot.drain()
    creates = [d for d in remote.activities("Create") if isinstance(d.get("object"), dict)
               and d["object"].get("id") == second.uri]
    assert len(creates) >= 1
    assert await Delivery.filter(state=PENDING).count() == 0
