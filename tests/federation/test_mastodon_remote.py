"""A Mastodon-shaped fake server follows a page, sees its posts, and interacts with them.

Everything the fake sends is signed with httpsig, and everything Moot delivers is verified with httpsig
against the key fetched from Moot, as a real Mastodon would.
"""
from __future__ import annotations

from typing import Any

from federation.local_actors import create_token
from models.actors import Actor
from models.follows import ACCEPTED, PENDING, Follow
from models.insights import FollowEvent
from models.posts import ANNOUNCE, LIKE, REPLY, Interaction, Post
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeActor, FakeRemote


def follow_activity(actor: FakeActor, target_uri: str) -> dict[str, Any]:
    return {"@context": AS, "id": actor.new_id(), "type": "Follow", "actor": actor.uri, "object": target_uri}


async def page_with_followers(moot: MootInstance, remote: FakeRemote, *names: str, **page_options: Any):
    owner, _ = await moot.user("owner")
    page, token = await moot.page("news", owner, **page_options)
    followers = []
    for name in names:
        actor = remote.add_actor(name)
        status, body = await remote.send(actor, page.inbox, follow_activity(actor, page.uri))
        assert status == 202, body
        followers.append(actor)
    await moot.drain()
    return page, token, followers


async def test_follow_is_answered_with_a_signed_accept(moot: MootInstance, remote: FakeRemote) -> None:
    page, _, (alice,) = await page_with_followers(moot, remote, "alice")
    accepts = [r for r in remote.received if r.body["type"] == "Accept"]
    assert len(accepts) == 1
    accept = accepts[0]
    assert accept.path == "/users/alice/inbox"
    assert accept.verified, "Mastodon-style verification (httpsig + fetched key) must succeed"
    assert accept.key_id == f"{page.uri}#main-key"
    assert accept.body["actor"] == page.uri
    assert accept.body["object"]["type"] == "Follow"
    assert accept.body["object"]["actor"] == alice.uri
    assert accept.body["object"]["id"].startswith(remote.base_url)
    follow = await Follow.get(target=page).prefetch_related("follower")
    assert follow.state == ACCEPTED and follow.follower.uri == alice.uri
    assert await FollowEvent.filter(target=page, kind="followed").count() == 1


async def test_page_requiring_approval_keeps_the_follow_pending(moot: MootInstance, remote: FakeRemote) -> None:
    page, token, (alice,) = await page_with_followers(moot, remote, "alice", manually_approves=True)
    assert remote.activities("Accept") == []
    assert (await Follow.get(target=page)).state == PENDING
    status, doc = await moot.get_ap(page.uri)
    assert doc["manuallyApprovesFollowers"] is True

    status, requests = await moot.api("GET", "/api/v1/follow_requests", token)
    assert [r["uri"] for r in requests] == [alice.uri]
    status, _ = await moot.api("POST", f"/api/v1/follow_requests/{requests[0]['id']}/authorize", token)
    assert status == 200
    await moot.drain()
    assert (await Follow.get(target=page)).state == ACCEPTED
    assert len(remote.activities("Accept")) == 1


async def test_rejecting_a_request_sends_reject(moot: MootInstance, remote: FakeRemote) -> None:
    page, token, (alice,) = await page_with_followers(moot, remote, "alice", manually_approves=True)
    actor_id = (await Actor.get(uri=alice.uri)).id
    status, _ = await moot.api("POST", f"/api/v1/follow_requests/{actor_id}/reject", token)
    assert status == 200
    await moot.drain()
    (reject,) = remote.activities("Reject")
    assert reject["object"]["actor"] == alice.uri
    assert await Follow.filter(target=page).count() == 0


async def test_post_is_delivered_once_per_shared_inbox(moot: MootInstance, remote: FakeRemote) -> None:
    page, token, followers = await page_with_followers(moot, remote, "alice", "bob", "carol")
    remote.received.clear()
    status, post = await moot.api("POST", "/api/v1/statuses", token, json={"status": "Hello <world> #news"})
    assert status == 200
    await moot.drain()
    creates = [r for r in remote.received if r.body["type"] == "Create"]
    assert len(creates) == 1, "three followers on one server share one delivery"
    create = creates[0]
    assert create.path == "/inbox" and create.verified
    assert create.body["to"] == [PUBLIC] and create.body["cc"] == [page.followers_url]
    note = create.body["object"]
    assert note["id"] == post["uri"] and note["attributedTo"] == page.uri
    assert "&lt;world&gt;" in note["content"] and "<world>" not in note["content"]
    assert {"type": "Hashtag", "href": f"{moot.base_url}/tags/news", "name": "#news"} in note["tag"]
    # The post can be fetched at its id, as Mastodon does when it sees a boost.
    status, fetched = await moot.get_ap(post["uri"])
    assert status == 200 and fetched["id"] == post["uri"]


async def test_likes_boosts_and_replies_are_recorded(moot: MootInstance, remote: FakeRemote) -> None:
    page, token, (alice,) = await page_with_followers(moot, remote, "alice")
    status, post = await moot.api("POST", "/api/v1/statuses", token, json={"status": "Our new shop opens today"})
    await moot.drain()
    like = {"@context": AS, "id": f"{alice.uri}#likes/1", "type": "Like", "actor": alice.uri, "object": post["uri"]}
    announce = {"@context": AS, "id": f"{alice.uri}/statuses/1/activity", "type": "Announce", "actor": alice.uri,
                "to": [PUBLIC], "cc": [page.uri, alice.followers], "object": post["uri"]}
    reply_id = f"{alice.uri}/statuses/2"
    reply = {
        "@context": AS, "id": f"{reply_id}/activity", "type": "Create", "actor": alice.uri,
        "to": [PUBLIC], "cc": [alice.followers, page.uri],
        "object": {
            "id": reply_id, "type": "Note", "attributedTo": alice.uri, "inReplyTo": post["uri"],
            "content": '<p>Congrats! <script>alert(1)</script><a href="javascript:alert(2)">x</a></p>',
            "to": [PUBLIC], "cc": [alice.followers, page.uri], "published": "2026-11-20T10:00:00Z",
            "tag": [{"type": "Mention", "href": page.uri, "name": "@news"}],
        },
    }
    for activity in (like, announce, reply):
        status, body = await remote.send(alice, f"{moot.base_url}/inbox", activity)
        assert status == 202, body
    await moot.drain()
    stored = await Post.get(uri=post["uri"])
    assert sorted(await Interaction.filter(post=stored).values_list("kind", flat=True)) == [ANNOUNCE, LIKE, REPLY]
    stored_reply = await Post.get(uri=reply_id)
    assert "script" not in stored_reply.content and "javascript:" not in stored_reply.content
    assert "Congrats!" in stored_reply.content

    undo = {"@context": AS, "id": f"{alice.uri}#likes/1/undo", "type": "Undo", "actor": alice.uri, "object": like}
    await remote.send(alice, f"{moot.base_url}/inbox", undo)
    await moot.drain()
    assert await Interaction.filter(post=stored, kind=LIKE).count() == 0


async def test_undo_follow_removes_the_follower(moot: MootInstance, remote: FakeRemote) -> None:
    page, _, (alice,) = await page_with_followers(moot, remote, "alice")
    follow_id = remote.activities("Accept")[0]["object"]["id"]
    undo = {"@context": AS, "id": f"{alice.uri}#follows/1/undo", "type": "Undo", "actor": alice.uri,
            "object": {"id": follow_id, "type": "Follow", "actor": alice.uri, "object": page.uri}}
    status, _ = await remote.send(alice, page.inbox, undo)
    assert status == 202
    await moot.drain()
    assert await Follow.filter(target=page).count() == 0
    assert await FollowEvent.filter(target=page, kind="unfollowed").count() == 1


async def test_delete_of_an_actor_removes_its_data(moot: MootInstance, remote: FakeRemote) -> None:
    page, token, (alice,) = await page_with_followers(moot, remote, "alice")
    status, post = await moot.api("POST", "/api/v1/statuses", token, json={"status": "hi"})
    like = {"@context": AS, "id": f"{alice.uri}#likes/9", "type": "Like", "actor": alice.uri, "object": post["uri"]}
    await remote.send(alice, f"{moot.base_url}/inbox", like)
    await moot.drain()
    # The account is gone at its origin: its key can no longer be fetched, but we still know it.
    del remote.actors["alice"]
    delete = {"@context": AS, "id": f"{alice.uri}#delete", "type": "Delete", "actor": alice.uri,
              "to": [PUBLIC], "object": alice.uri}
    status, body = await remote.send(alice, f"{moot.base_url}/inbox", delete)
    assert status == 202, body
    await moot.drain()
    assert await Follow.filter(target=page).count() == 0
    assert await Interaction.filter(actor__uri=alice.uri).count() == 0
    assert (await Actor.get(uri=alice.uri)).deleted_at is not None


async def test_gone_follower_is_removed_on_410(moot: MootInstance, remote: FakeRemote) -> None:
    owner, _ = await moot.user("owner")
    page, token = await moot.page("news", owner)
    alice = remote.add_actor("alice")
    await remote.send(alice, page.inbox, follow_activity(alice, page.uri))
    # alice's server has no shared inbox, so deliveries go to her own inbox, which answers 410.
    await Actor.filter(uri=alice.uri).update(shared_inbox=None)
    await moot.drain()
    remote.inbox_status = 410
    await moot.api("POST", "/api/v1/statuses", token, json={"status": "anyone there?"})
    await moot.drain()
    assert await Follow.filter(target=page).count() == 0


async def test_fetches_are_signed_by_the_instance_actor(moot: MootInstance, remote: FakeRemote) -> None:
    await page_with_followers(moot, remote, "alice")
    assert remote.fetched and remote.fetch_signers
    assert set(remote.fetch_signers) == {f"{moot.base_url}/actor#main-key"}


async def test_remote_profile_html_is_sanitised(moot: MootInstance, remote: FakeRemote) -> None:
    page, _, (alice,) = await page_with_followers(moot, remote, "alice")
    stored = await Actor.get(uri=alice.uri)
    assert stored.summary == "<p>I live on a fake server.</p>"
    evil = remote.add_actor("evil")
    original = evil.document

    def hostile_document() -> dict[str, Any]:
        doc = original()
        doc["summary"] = '<p onclick="x()">hi<script>alert(1)</script></p>'
        doc["attachment"] = [{"type": "PropertyValue", "name": "<b>Site</b>", "value": '<a href="javascript:x()">x</a>'}]
        return doc

    evil.document = hostile_document  # type: ignore[method-assign]
    await remote.send(evil, page.inbox, follow_activity(evil, page.uri))
    stored = await Actor.get(uri=evil.uri)
    assert "script" not in stored.summary and "onclick" not in stored.summary
    assert stored.profile_fields[0]["name"] == "Site"
    assert "javascript" not in stored.profile_fields[0]["value"]


async def test_delete_of_an_unknown_actor_is_acknowledged(moot: MootInstance, remote: FakeRemote) -> None:
    ghost = remote.add_actor("ghost")
    del remote.actors["ghost"]  # gone at its origin, and we never knew it
    delete = {"@context": AS, "id": f"{ghost.uri}#delete", "type": "Delete", "actor": ghost.uri, "object": ghost.uri}
    status, body = await remote.send(ghost, f"{moot.base_url}/inbox", delete)
    assert status == 202 and "never knew" in body["status"]
    assert await Actor.filter(uri=ghost.uri).count() == 0


async def test_page_admins_see_insights(moot: MootInstance, remote: FakeRemote) -> None:
    page, token, (alice, bob) = await page_with_followers(moot, remote, "alice", "bob")
    status, post = await moot.api("POST", "/api/v1/statuses", token, json={"status": "measure me"})
    like = {"@context": AS, "id": f"{alice.uri}#likes/7", "type": "Like", "actor": alice.uri, "object": post["uri"]}
    boost = {"@context": AS, "id": f"{bob.uri}/statuses/9/activity", "type": "Announce", "actor": bob.uri,
             "to": [PUBLIC], "object": post["uri"]}
    await remote.send(alice, f"{moot.base_url}/inbox", like)
    await remote.send(bob, f"{moot.base_url}/inbox", boost)
    await moot.drain()
    owner = await Actor.get(local_name="owner")
    owner_token = await create_token(owner)
    status, data = await moot.api("GET", "/api/moot/v1/pages/news/insights?days=7", owner_token)
    assert status == 200
    assert data["followers"] == 2 and data["follower_servers"] == 1
    assert sum(day["gained"] for day in data["growth"]) == 2 and len(data["growth"]) == 8
    (item,) = data["posts"]
    assert (item["likes"], item["boosts"], item["replies"], item["engagement"]) == (1, 1, 0, 2)
    _, stranger = await moot.user("stranger")
    status, body = await moot.api("GET", "/api/moot/v1/pages/news/insights", stranger)
    assert status == 403
