"""Moderation of a local group: bans, mutes, removals, locks, pins and moderators, by a local moderator
through the API and by remote moderators through the inbox, in Lemmy's shapes, relayed by the group."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from federation.groups.access import active_ban, is_member
from models.actors import Actor
from models.groups import GroupBan, HeldActivity
from models.posts import Post
from models.queues import FAILED, InboxItem
from tests.conftest import MootInstance
from tests.fakeremote import PUBLIC, FakeActor, FakeRemote
from tests.groups.helpers import (
    activity,
    announces,
    deliver,
    lemmy_comment,
    lemmy_page,
    make_group,
    plain,
    received_at,
    remote_member,
    wrapped,
)


@dataclass
class Scene:
    """A public group with its owner, a local moderator (mia), a local member (nora) and two remote
    members (bea, carl) on one fake server."""

    moot: MootInstance
    remote: FakeRemote
    group: Actor
    owner: Actor
    owner_token: str
    mod: Actor
    mod_token: str
    nora: Actor
    nora_token: str
    bea: FakeActor
    bea_actor: Actor
    carl: FakeActor
    carl_actor: Actor

    @property
    def base(self) -> str:
        return f"/api/moot/v1/groups/{self.group.id}"

    async def as_mod(self, method: str, path: str, json: Any = None) -> tuple[int, Any]:
        status, body = await self.moot.api(method, path, self.mod_token, json=json)
        self.moot.use()
        return status, body

    async def post_by(self, fake: FakeActor, title: str = "Slugs ate my lettuce") -> Post:
        create = lemmy_page(fake, self.group, title=title)
        await deliver(self.moot, self.remote, fake, self.group, create)
        return await Post.get(uri=create["object"]["id"])

    async def listed(self) -> list[str]:
        """Post uris GET .../posts shows, in order."""
        status, body = await self.moot.api("GET", f"{self.base}/posts")
        assert status == 200, body
        self.moot.use()
        return [item["uri"] for item in body["posts"]]


async def scene(moot: MootInstance, remote: FakeRemote) -> Scene:
    group, owner, owner_token, _ = await make_group(moot)
    mod, mod_token = await moot.user("mia")
    nora, nora_token = await moot.user("nora")
    status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/moderators", owner_token,
                                  json={"account_id": str(mod.id)})
    assert status == 200, body
    status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", nora_token)
    assert status == 200 and body["state"] == "member", body
    bea, bea_actor = await remote_member(moot, remote, group, "bea")
    carl, carl_actor = await remote_member(moot, remote, group, "carl")
    remote.received.clear()  # the Accepts; each test looks only at what its own actions send
    return Scene(moot, remote, group, owner, owner_token, mod, mod_token, nora, nora_token, bea, bea_actor,
                 carl, carl_actor)


async def inbox_item(activity_id: str) -> InboxItem:
    return await InboxItem.get(activity_id=activity_id)


# --- bans -----------------------------------------------------------------------------------


async def test_ban_federates_block_to_members_and_to_the_banned_person(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    status, body = await s.as_mod("POST", f"{s.base}/bans", {
        "account_id": str(s.bea_actor.id), "reason": "spam", "expires_at": "2099-01-01T00:00:00Z",
        "remove_data": True,
    })
    assert status == 200, body
    await moot.drain()

    (block,) = wrapped(remote, s.group, "Block")
    assert block["actor"] == s.mod.uri and block["object"] == s.bea.uri and block["target"] == s.group.uri
    assert block["summary"] == "spam" and block["endTime"] == "2099-01-01T00:00:00Z"
    assert block["removeData"] is True
    # Relayed like everything else: the group's Announce to Public and its followers.
    (announce,) = announces(remote, s.group)
    assert announce["to"] == [PUBLIC] and announce["cc"] == [s.group.followers_url]
    # And the banned person's own inbox hears it, signed by the moderator, so their server can tell them.
    (direct,) = [r for r in remote.received if r.path == "/users/bea/inbox"]
    assert direct.body == block and direct.verified and direct.key_id == f"{s.mod.uri}#main-key"


async def test_banned_member_cannot_post_and_remove_data_removes_earlier_posts(
    moot: MootInstance, remote: FakeRemote
) -> None:
    s = await scene(moot, remote)
    earlier = await s.post_by(s.bea, "Before the ban")
    kept = await s.post_by(s.carl, "Carl's post")
    status, body = await s.as_mod("POST", f"{s.base}/bans",
                                  {"account_id": s.bea_actor.id, "reason": "spam", "remove_data": True})
    assert status == 200, body
    await moot.drain()
    assert (await Post.get(id=earlier.id)).removed_at is not None
    assert (await Post.get(id=kept.id)).removed_at is None  # only the banned person's posts go
    assert await s.listed() == [kept.uri]

    remote.received.clear()
    after = lemmy_page(s.bea, s.group, title="After the ban")
    await deliver(moot, remote, s.bea, s.group, after)
    assert not await Post.filter(uri=after["object"]["id"]).exists()
    assert announces(remote, s.group) == []


async def test_banned_person_follow_is_rejected(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    status, _ = await s.as_mod("POST", f"{s.base}/bans", {"account_id": s.bea_actor.id, "reason": "spam"})
    assert status == 200
    await moot.drain()
    remote.received.clear()

    follow = activity(s.bea, "Follow", s.group.uri)
    await deliver(moot, remote, s.bea, s.group, follow)
    (reject,) = received_at(remote, "/users/bea/inbox", "Reject")
    assert reject["actor"] == s.group.uri and reject["object"]["id"] == follow["id"]
    assert received_at(remote, "/users/bea/inbox", "Accept") == []
    # Mastodon drops the follow on that Reject, so the group must not keep delivering to bea either.
    assert not await is_member(s.group, s.bea_actor)


async def test_unban_sends_undo_block_and_posting_works_again(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    status, _ = await s.as_mod("POST", f"{s.base}/bans", {"account_id": s.bea_actor.id, "reason": "spam"})
    assert status == 200
    await moot.drain()
    (block,) = wrapped(remote, s.group, "Block")

    status, body = await s.as_mod("DELETE", f"{s.base}/bans/{s.bea_actor.id}")
    assert status == 200 and body["unbanned"] == str(s.bea_actor.id), body
    await moot.drain()
    (undo,) = wrapped(remote, s.group, "Undo")
    assert undo["actor"] == s.mod.uri
    # The Undo names the very Block it takes back.
    assert undo["object"]["type"] == "Block" and undo["object"]["id"] == block["id"]
    assert undo["object"]["object"] == s.bea.uri and undo["object"]["target"] == s.group.uri
    assert await active_ban(s.group, s.bea_actor) is None

    post = await s.post_by(s.bea, "Back again")
    assert post.group_id == s.group.id
    assert [c["object"]["id"] for c in wrapped(remote, s.group, "Create")] == [post.uri]


async def test_ban_that_already_expired_does_not_block(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    status, body = await s.as_mod("POST", f"{s.base}/bans", {
        "account_id": s.bea_actor.id, "reason": "cool off", "expires_at": "2020-01-01T00:00:00Z",
    })
    assert status == 200, body
    await moot.drain()
    assert await GroupBan.filter(group=s.group, actor=s.bea_actor).exists()  # recorded, but over

    post = await s.post_by(s.bea, "Still here")
    assert post.group_id == s.group.id
    assert [c["object"]["id"] for c in wrapped(remote, s.group, "Create")] == [post.uri]


# --- mutes ----------------------------------------------------------------------------------


async def test_mute_federates_nothing_and_holds_the_next_post(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    status, body = await s.moot.api("POST", f"{s.base}/posts", s.owner_token,
                                    json={"title": "Welcome", "body": "Say hello"})
    assert status == 201, body
    welcome = await Post.get(id=int(body["id"]))
    await moot.drain()
    remote.received.clear()

    status, body = await s.as_mod("POST", f"{s.base}/mutes", {"account_id": s.bea_actor.id, "reason": "heated"})
    assert status == 200 and body["muted"] == str(s.bea_actor.id), body
    await moot.drain()
    assert remote.received == []  # a mute is Moot's own: nothing federates about it

    create = lemmy_page(s.bea, s.group, title="Angry words")
    await deliver(moot, remote, s.bea, s.group, create)
    assert not await Post.filter(uri=create["object"]["id"]).exists()
    assert announces(remote, s.group) == []
    status, held = await s.as_mod("GET", f"{s.base}/held")
    assert status == 200
    (item,) = held
    assert item["activity"] == create and item["reason"] == "muted member" and item["state"] == "held"
    assert item["account"]["id"] == str(s.bea_actor.id)

    # A muted member still belongs and still reads.
    assert await is_member(s.group, s.bea_actor)
    status, doc = await moot.get_ap(welcome.uri)
    assert status == 200 and doc["id"] == welcome.uri


async def test_approving_a_held_post_relays_it_as_if_it_had_just_arrived(
    moot: MootInstance, remote: FakeRemote
) -> None:
    s = await scene(moot, remote)
    await s.as_mod("POST", f"{s.base}/mutes", {"account_id": s.bea_actor.id})
    create = lemmy_page(s.bea, s.group)
    await deliver(moot, remote, s.bea, s.group, create)
    (item,) = (await s.as_mod("GET", f"{s.base}/held"))[1]

    status, body = await s.as_mod("POST", f"{s.base}/held/{item['id']}/approve")
    assert status == 200 and body["state"] == "approved", body
    await moot.drain()
    post = await Post.get(uri=create["object"]["id"])
    assert post.group_id == s.group.id and post.name == "Slugs ate my lettuce"
    assert wrapped(remote, s.group, "Create") == [create]  # the original, byte for byte
    assert plain(remote, s.group) == [create["object"]["id"]]
    assert (await s.as_mod("GET", f"{s.base}/held"))[1] == []
    # Deciding twice is a conflict, not a second relay.
    status, body = await s.as_mod("POST", f"{s.base}/held/{item['id']}/approve")
    assert status == 409 and "error" in body


async def test_rejecting_a_held_post_leaves_it_unrelayed(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    await s.as_mod("POST", f"{s.base}/mutes", {"account_id": s.bea_actor.id})
    create = lemmy_page(s.bea, s.group)
    await deliver(moot, remote, s.bea, s.group, create)
    (item,) = (await s.as_mod("GET", f"{s.base}/held"))[1]

    status, body = await s.as_mod("POST", f"{s.base}/held/{item['id']}/reject")
    assert status == 200 and body["state"] == "rejected", body
    await moot.drain()
    assert not await Post.filter(uri=create["object"]["id"]).exists()
    assert announces(remote, s.group) == []
    assert (await HeldActivity.get(id=int(item["id"]))).decided_at is not None


async def test_unmute_lets_posts_flow_again(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    await s.as_mod("POST", f"{s.base}/mutes", {"account_id": s.bea_actor.id})
    status, body = await s.as_mod("DELETE", f"{s.base}/mutes/{s.bea_actor.id}")
    assert status == 200 and body["unmuted"] == str(s.bea_actor.id), body

    post = await s.post_by(s.bea)
    assert post.group_id == s.group.id
    assert [c["object"]["id"] for c in wrapped(remote, s.group, "Create")] == [post.uri]
    assert (await s.as_mod("GET", f"{s.base}/held"))[1] == []


# --- removal, lock, pin ---------------------------------------------------------------------


async def test_removal_announces_delete_and_hides_the_post_until_restored(
    moot: MootInstance, remote: FakeRemote
) -> None:
    s = await scene(moot, remote)
    post = await s.post_by(s.bea)
    comment = lemmy_comment(s.carl, s.group, post.uri)
    await deliver(moot, remote, s.carl, s.group, comment)
    reply = await Post.get(uri=comment["object"]["id"])
    remote.received.clear()

    for target in (reply, post):
        status, body = await s.as_mod("POST", f"/api/moot/v1/posts/{target.id}/remove", {"reason": "off topic"})
        assert status == 200 and body["removed"] is True, body
    await moot.drain()
    deletes = wrapped(remote, s.group, "Delete")
    assert sorted(d["object"] for d in deletes) == sorted([reply.uri, post.uri])
    assert all(d["actor"] == s.mod.uri and d["summary"] == "off topic" for d in deletes)
    assert await s.listed() == []
    # Readers no longer get the thread; its moderators still do (to restore it), without the removed reply.
    for token in (None, s.nora_token):
        status, body = await moot.api("GET", f"/api/moot/v1/posts/{post.id}/thread", token)
        assert status == 404 and "error" in body, body
    status, thread = await s.as_mod("GET", f"/api/moot/v1/posts/{post.id}/thread")
    assert status == 200 and thread["removed"] is True and thread["replies"] == []
    # Removed is not deleted: a moderator can take it back.
    assert (await Post.get(id=post.id)).deleted_at is None

    for target in (post, reply):
        status, body = await s.as_mod("POST", f"/api/moot/v1/posts/{target.id}/restore", {})
        assert status == 200 and body["removed"] is False, body
    await moot.drain()
    undos = wrapped(remote, s.group, "Undo")
    assert sorted((u["actor"], u["object"]["type"], u["object"]["object"]) for u in undos) == sorted(
        [(s.mod.uri, "Delete", post.uri), (s.mod.uri, "Delete", reply.uri)])
    assert await s.listed() == [post.uri]
    status, thread = await moot.api("GET", f"/api/moot/v1/posts/{post.id}/thread")
    assert [r["uri"] for r in thread["replies"]] == [reply.uri]


async def test_lock_refuses_replies_until_unlocked(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    post = await s.post_by(s.bea)
    remote.received.clear()

    status, body = await s.as_mod("POST", f"/api/moot/v1/posts/{post.id}/lock", {"reason": "heated"})
    assert status == 200 and body["locked"] is True, body
    await moot.drain()
    (lock,) = wrapped(remote, s.group, "Lock")
    assert lock["actor"] == s.mod.uri and lock["object"] == post.uri and lock["summary"] == "heated"

    # A remote member's reply is dropped, and a local member's is refused by the API.
    refused = lemmy_comment(s.carl, s.group, post.uri)
    await deliver(moot, remote, s.carl, s.group, refused)
    assert not await Post.filter(uri=refused["object"]["id"]).exists()
    assert wrapped(remote, s.group, "Create") == []
    status, body = await moot.api("POST", "/api/v1/statuses", s.nora_token,
                                  json={"status": "But wait", "in_reply_to_id": str(post.id)})
    assert status == 403 and "locked" in body["error"]
    moot.use()

    status, body = await s.as_mod("POST", f"/api/moot/v1/posts/{post.id}/unlock", {})
    assert status == 200 and body["locked"] is False, body
    await moot.drain()
    (undo,) = wrapped(remote, s.group, "Undo")
    assert undo["actor"] == s.mod.uri and undo["object"]["type"] == "Lock" and undo["object"]["object"] == post.uri
    accepted = lemmy_comment(s.carl, s.group, post.uri)
    await deliver(moot, remote, s.carl, s.group, accepted)
    assert (await Post.get(uri=accepted["object"]["id"])).in_reply_to_id == post.id


async def test_lock_covers_replies_deep_in_the_thread(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    post = await s.post_by(s.bea)
    first = lemmy_comment(s.carl, s.group, post.uri)
    await deliver(moot, remote, s.carl, s.group, first)
    status, _ = await s.as_mod("POST", f"/api/moot/v1/posts/{post.id}/lock", {"reason": "heated"})
    assert status == 200
    # A reply to a comment is still in the locked thread.
    deeper = lemmy_comment(s.bea, s.group, first["object"]["id"])
    await deliver(moot, remote, s.bea, s.group, deeper)
    assert not await Post.filter(uri=deeper["object"]["id"]).exists()
    comment = await Post.get(uri=first["object"]["id"])
    status, body = await moot.api("POST", "/api/v1/statuses", s.nora_token,
                                  json={"status": "Me too", "in_reply_to_id": str(comment.id)})
    assert status == 403 and "locked" in body["error"], body
    # Its moderators still reply in the locked thread, through the API as on the thread page.
    status, body = await s.as_mod("POST", "/api/v1/statuses",
                                  {"status": "Locked while we look at this.", "in_reply_to_id": str(post.id)})
    assert status == 200, body


async def test_pin_announces_add_to_featured_and_lists_the_post_first(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    older = await s.post_by(s.bea, "Read me first")
    newer = await s.post_by(s.carl, "Something newer")
    assert await s.listed() == [newer.uri, older.uri]
    remote.received.clear()

    status, body = await s.as_mod("POST", f"/api/moot/v1/posts/{older.id}/pin", {})
    assert status == 200 and body["pinned"] is True, body
    await moot.drain()
    (add,) = wrapped(remote, s.group, "Add")
    assert add["actor"] == s.mod.uri and add["object"] == older.uri and add["target"] == s.group.featured_url
    status, featured = await moot.get_ap(s.group.featured_url)
    assert status == 200 and [item["id"] for item in featured["orderedItems"]] == [older.uri]
    assert await s.listed() == [older.uri, newer.uri]

    status, _ = await s.as_mod("POST", f"/api/moot/v1/posts/{older.id}/unpin", {})
    assert status == 200
    await moot.drain()
    (remove,) = wrapped(remote, s.group, "Remove")
    assert remove["object"] == older.uri and remove["target"] == s.group.featured_url
    status, featured = await moot.get_ap(s.group.featured_url)
    assert featured["orderedItems"] == []


# --- moderators from elsewhere --------------------------------------------------------------


async def test_owner_adds_a_remote_moderator(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    status, body = await moot.api("POST", f"{s.base}/moderators", s.owner_token, json={"account_id": s.bea_actor.id})
    assert status == 200 and body["moderator"] == str(s.bea_actor.id), body
    await moot.drain()
    (add,) = wrapped(remote, s.group, "Add")
    assert add["actor"] == s.owner.uri and add["object"] == s.bea.uri and add["target"] == s.group.moderators_url
    status, collection = await moot.get_ap(s.group.moderators_url)
    assert status == 200 and collection["orderedItems"] == [s.owner.uri, s.mod.uri, s.bea.uri]


async def _remote_moderator(s: Scene) -> None:
    status, body = await s.moot.api("POST", f"{s.base}/moderators", s.owner_token, json={"account_id": s.bea_actor.id})
    assert status == 200, body
    await s.moot.drain()
    s.remote.received.clear()


async def test_remote_moderator_removal_is_applied_and_relayed(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    post = await s.post_by(s.carl)
    await _remote_moderator(s)

    delete = activity(s.bea, "Delete", post.uri, summary="spam", to=[PUBLIC], cc=[s.group.uri], audience=s.group.uri)
    await deliver(moot, remote, s.bea, s.group, delete)
    stored = await Post.get(id=post.id)
    assert stored.removed_at is not None and stored.removed_reason == "spam" and stored.deleted_at is None
    assert wrapped(remote, s.group, "Delete") == [delete]
    assert await s.listed() == []


async def test_remote_moderator_lock_is_applied_and_relayed(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    post = await s.post_by(s.carl)
    await _remote_moderator(s)

    lock = activity(s.bea, "Lock", post.uri, summary="enough", audience=s.group.uri)
    await deliver(moot, remote, s.bea, s.group, lock)
    assert (await Post.get(id=post.id)).locked_at is not None
    assert wrapped(remote, s.group, "Lock") == [lock]
    reply = lemmy_comment(s.carl, s.group, post.uri)
    await deliver(moot, remote, s.carl, s.group, reply)
    assert not await Post.filter(uri=reply["object"]["id"]).exists()


async def test_remote_moderator_block_bans(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    await _remote_moderator(s)

    block = activity(s.bea, "Block", s.carl.uri, target=s.group.uri, summary="troll", to=[PUBLIC], cc=[s.group.uri])
    await deliver(moot, remote, s.bea, s.group, block)
    ban = await active_ban(s.group, s.carl_actor)
    assert ban is not None and ban.reason == "troll"
    assert wrapped(remote, s.group, "Block") == [block]
    refused = lemmy_page(s.carl, s.group)
    await deliver(moot, remote, s.carl, s.group, refused)
    assert not await Post.filter(uri=refused["object"]["id"]).exists()


# --- forgeries ------------------------------------------------------------------------------


async def _forged(s: Scene, forged: dict[str, Any]) -> None:
    """carl is a member but no moderator: the activity changes nothing, relays nothing, and fails saying why."""
    await deliver(s.moot, s.remote, s.carl, s.group, forged)
    item = await inbox_item(forged["id"])
    assert item.state == FAILED
    assert item.last_error is not None and f"{s.carl.uri} is not a moderator" in item.last_error
    assert announces(s.remote, s.group) == []


async def test_forged_removal_is_refused(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    post = await s.post_by(s.bea)
    remote.received.clear()
    await _forged(s, activity(s.carl, "Delete", post.uri, summary="mine now", audience=s.group.uri))
    assert (await Post.get(id=post.id)).removed_at is None
    assert await s.listed() == [post.uri]


async def test_forged_lock_is_refused(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    post = await s.post_by(s.bea)
    remote.received.clear()
    await _forged(s, activity(s.carl, "Lock", post.uri, audience=s.group.uri))
    assert (await Post.get(id=post.id)).locked_at is None


async def test_forged_ban_is_refused(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    await _forged(s, activity(s.carl, "Block", s.bea.uri, target=s.group.uri, summary="bye"))
    assert not await GroupBan.filter(group=s.group).exists()


async def test_forged_pin_is_refused(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    post = await s.post_by(s.carl)
    remote.received.clear()
    await _forged(s, activity(s.carl, "Add", post.uri, target=s.group.featured_url))
    assert (await Post.get(id=post.id)).pinned_at is None


# --- permissions ----------------------------------------------------------------------------


async def test_non_moderator_gets_403_on_moderation_endpoints(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    post = await s.post_by(s.bea)
    remote.received.clear()
    calls = [
        ("POST", f"/api/moot/v1/posts/{post.id}/remove", {"reason": "nope"}),
        ("POST", f"/api/moot/v1/posts/{post.id}/lock", {}),
        ("POST", f"/api/moot/v1/posts/{post.id}/pin", {}),
        ("POST", f"{s.base}/bans", {"account_id": s.bea_actor.id}),
        ("POST", f"{s.base}/mutes", {"account_id": s.bea_actor.id}),
        ("GET", f"{s.base}/held", None),
    ]
    for method, path, json in calls:
        status, body = await moot.api(method, path, s.nora_token, json=json)
        assert status == 403, (path, body)
        assert isinstance(body, dict) and "moderators" in body["error"], (path, body)
    moot.use()
    stored = await Post.get(id=post.id)
    assert stored.removed_at is None and stored.locked_at is None and stored.pinned_at is None
    assert not await GroupBan.filter(group=s.group).exists()
    await moot.drain()
    assert announces(remote, s.group) == []


async def test_only_the_owner_adds_moderators(moot: MootInstance, remote: FakeRemote) -> None:
    s = await scene(moot, remote)
    for token in (s.mod_token, s.nora_token):
        status, body = await moot.api("POST", f"{s.base}/moderators", token, json={"account_id": s.nora.id})
        assert status == 403 and "owner" in body["error"], body
    status, collection = await moot.get_ap(s.group.moderators_url)
    assert collection["orderedItems"] == [s.owner.uri, s.mod.uri]
