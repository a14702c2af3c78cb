"""A Mastodon user takes part in a local group the way Mastodon can: it follows the group, posts by
mentioning it, and replies without mentioning it. The group admits those posts by its rules
(members, non-members, mods-only threads) and relays what it admits to every other member server."""
from __future__ import annotations

from typing import Any, AsyncIterator

import pytest

from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.groups import HeldActivity
from models.posts import Post
from models.queues import InboxItem
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeActor, FakeRemote
from tests.groups.helpers import announces, join, lemmy_page, make_group, plain, wrapped


@pytest.fixture
async def lemmy() -> AsyncIterator[FakeRemote]:
    """A second member server: what the group relays must reach it."""
    fake = await FakeRemote().start()
    yield fake
    await fake.close()


def mastodon_note(
    actor: FakeActor, group: Actor | None, text: str, *, in_reply_to: str | None = None
) -> dict[str, Any]:
    """A Create{Note} shaped like Mastodon's: to Public, cc the author's followers (and the mentioned group),
    a Mention tag for the group when there is one, and no `audience` (Mastodon does not know it)."""
    note_id = actor.new_id("statuses")
    cc = [actor.followers] + ([group.uri] if group is not None else [])
    tags = [] if group is None else [{"type": "Mention", "href": group.uri, "name": f"@{group.username}@{group.domain}"}]
    mention = "" if group is None else (
        f'<span class="h-card"><a href="{group.uri}" class="u-url mention">@<span>{group.username}</span></a></span> '
    )
    return {
        "@context": AS, "id": f"{note_id}/activity", "type": "Create", "actor": actor.uri,
        "published": "2026-11-20T12:00:00Z", "to": [PUBLIC], "cc": cc,
        "object": {
            "id": note_id, "type": "Note", "attributedTo": actor.uri, "inReplyTo": in_reply_to,
            "published": "2026-11-20T12:00:00Z", "url": note_id, "to": [PUBLIC], "cc": cc,
            "sensitive": False, "content": f"<p>{mention}{text}</p>", "tag": tags,
        },
    }


async def send(moot: MootInstance, remote: FakeRemote, actor: FakeActor, group: Actor, activity: dict[str, Any]) -> None:
    status, body = await remote.send(actor, group.inbox, activity)
    assert status == 202, body
    await moot.drain()


async def members(
    moot: MootInstance, remote: FakeRemote, lemmy: FakeRemote, **group_options: Any
) -> tuple[Actor, str, FakeActor, FakeActor]:
    """A group with alice (Mastodon, on `remote`) and bea (Lemmy, on `lemmy`) as members."""
    group, _, token, _ = await make_group(moot, **group_options)
    alice, bea = remote.add_actor("alice"), lemmy.add_actor("bea")
    follow = await join(remote, alice, group)
    await join(lemmy, bea, group)
    await moot.drain()
    (accept,) = remote.activities("Accept")
    assert accept["object"]["id"] == follow["id"] and accept["object"]["type"] == "Follow"
    assert await Follow.filter(target=group, state=ACCEPTED, follower__uri__in=[alice.uri, bea.uri]).count() == 2
    return group, token, alice, bea


async def test_mention_post_from_a_member_is_stored_in_the_group_and_relayed(
    moot: MootInstance, remote: FakeRemote, lemmy: FakeRemote
) -> None:
    group, token, alice, _ = await members(moot, remote, lemmy)
    create = mastodon_note(alice, group, "First tomatoes of the year")
    assert "audience" not in create and "audience" not in create["object"]
    await send(moot, remote, alice, group, create)

    post = await Post.get(uri=create["object"]["id"])
    assert post.group_id == group.id and post.type == "Note" and "First tomatoes" in post.content
    # The other member's server gets the Create exactly as received, and the plain Announce Mastodon needs.
    (announce,) = [a for a in announces(lemmy, group) if isinstance(a["object"], dict)]
    assert announce["object"] == create
    assert announce["to"] == [PUBLIC] and announce["cc"] == [group.followers_url]
    assert plain(lemmy, group) == [create["object"]["id"]]
    assert all(r.verified and r.key_id == f"{group.uri}#main-key" for r in lemmy.received)
    status, listing = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/posts", token)
    assert status == 200 and [item["uri"] for item in listing["posts"]] == [create["object"]["id"]]


async def test_mention_post_delivered_to_the_shared_inbox_is_admitted_the_same(
    moot: MootInstance, remote: FakeRemote, lemmy: FakeRemote
) -> None:
    """Mastodon delivers to endpoints.sharedInbox when an actor has one, as the group does."""
    group, _, alice, _ = await members(moot, remote, lemmy)
    assert group.shared_inbox == f"{moot.base_url}/inbox"
    create = mastodon_note(alice, group, "Shared inbox tomatoes")
    status, body = await remote.send(alice, group.shared_inbox, create)
    assert status == 202, body
    await moot.drain()
    assert (await Post.get(uri=create["object"]["id"])).group_id == group.id
    assert wrapped(lemmy, group, "Create") == [create]


async def test_reply_without_mention_or_audience_joins_the_thread(
    moot: MootInstance, remote: FakeRemote, lemmy: FakeRemote
) -> None:
    group, token, alice, bea = await members(moot, remote, lemmy)
    create = mastodon_note(alice, group, "Which tomato variety?")
    await send(moot, remote, alice, group, create)
    # Nothing in the reply names the group: only inReplyTo ties it to the thread.
    reply = mastodon_note(bea, None, "San Marzano, always.", in_reply_to=create["object"]["id"])
    assert group.uri not in str(reply)
    await send(moot, lemmy, bea, group, reply)

    parent = await Post.get(uri=create["object"]["id"])
    stored = await Post.get(uri=reply["object"]["id"])
    assert stored.group_id == group.id and stored.in_reply_to_id == parent.id
    for fake in (remote, lemmy):
        assert wrapped(fake, group, "Create") == [create, reply]
        assert plain(fake, group) == [create["object"]["id"], reply["object"]["id"]]
    status, thread = await moot.api("GET", f"/api/moot/v1/posts/{parent.id}/thread", token)
    assert status == 200 and [item["uri"] for item in thread["replies"]] == [reply["object"]["id"]]
    # A reply is not a new thread in the group's listing.
    status, listing = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/posts", token)
    assert [item["uri"] for item in listing["posts"]] == [create["object"]["id"]]


async def test_non_member_post_to_a_public_group_is_accepted_by_default(
    moot: MootInstance, remote: FakeRemote, lemmy: FakeRemote
) -> None:
    group, _, _, _ = await members(moot, remote, lemmy)
    dora = remote.add_actor("dora")  # never followed the group
    create = mastodon_note(dora, group, "Passing by: anyone swapping seeds?")
    await send(moot, remote, dora, group, create)
    assert (await Post.get(uri=create["object"]["id"])).group_id == group.id
    assert wrapped(lemmy, group, "Create") == [create]
    assert not await Follow.filter(target=group, follower__uri=dora.uri).exists()  # posting does not make a member


async def test_non_member_post_is_held_then_relayed_when_approved(
    moot: MootInstance, remote: FakeRemote, lemmy: FakeRemote
) -> None:
    group, token, _, _ = await members(moot, remote, lemmy, non_member_posts="hold")
    dora = remote.add_actor("dora")
    create = mastodon_note(dora, group, "Can I advertise my nursery here?")
    await send(moot, remote, dora, group, create)
    assert not await Post.filter(uri=create["object"]["id"]).exists()
    assert announces(lemmy, group) == []

    status, held = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/held", token)
    assert status == 200 and len(held) == 1
    (item,) = held
    assert item["account"]["uri"] == dora.uri and item["activity"] == create and item["state"] == "held"
    _, member_token = await moot.user("gus")
    status, _ = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/held", member_token)
    assert status == 403  # only moderators review

    status, decided = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/held/{item['id']}/approve", token)
    assert status == 200 and decided["state"] == "approved"
    await moot.drain()
    assert (await Post.get(uri=create["object"]["id"])).group_id == group.id
    assert wrapped(lemmy, group, "Create") == [create]
    assert plain(lemmy, group) == [create["object"]["id"]]
    status, held = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/held", token)
    assert status == 200 and held == []
    status, _ = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/held/{item['id']}/approve", token)
    assert status == 409  # decided once


async def test_non_member_post_is_dropped_when_the_group_rejects_them(
    moot: MootInstance, remote: FakeRemote, lemmy: FakeRemote
) -> None:
    group, token, alice, _ = await members(moot, remote, lemmy, non_member_posts="reject")
    dora = remote.add_actor("dora")
    refused = mastodon_note(dora, group, "Buy my fertiliser")
    await send(moot, remote, dora, group, refused)
    assert not await Post.filter(uri=refused["object"]["id"]).exists()
    assert not await HeldActivity.filter(activity_uri=refused["id"]).exists()
    # A member's post in the same group still goes through: only the non-member was refused.
    admitted = mastodon_note(alice, group, "Compost question")
    await send(moot, remote, alice, group, admitted)
    assert wrapped(lemmy, group, "Create") == [admitted]
    status, held = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/held", token)
    assert status == 200 and held == []


async def test_restricted_group_refuses_new_threads_from_members(
    moot: MootInstance, remote: FakeRemote, lemmy: FakeRemote
) -> None:
    group, token, alice, bea = await members(moot, remote, lemmy, restricted_posting=True)
    refused = mastodon_note(alice, group, "A thread of my own")
    await send(moot, remote, alice, group, refused)
    assert not await Post.filter(uri=refused["object"]["id"]).exists()
    assert announces(lemmy, group) == []

    # A moderator starts a thread; members may still reply in it.
    status, opening = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/posts", token,
                                     json={"title": "Weekly questions", "body": "Ask here."})
    assert status == 201, opening
    await moot.drain()
    reply = mastodon_note(alice, None, "How deep for garlic?", in_reply_to=opening["uri"])
    await send(moot, remote, alice, group, reply)
    assert (await Post.get(uri=reply["object"]["id"])).group_id == group.id
    assert [a["object"]["id"] for a in wrapped(lemmy, group, "Create")][-1] == reply["object"]["id"]
    assert refused["object"]["id"] not in str(lemmy.activities())
    # A Lemmy-shaped top-level post from a member is refused the same way.
    page = lemmy_page(bea, group)
    await send(moot, lemmy, bea, group, page)
    assert not await Post.filter(uri=page["object"]["id"]).exists()


async def test_followers_only_post_mentioning_a_public_group_stays_out(moot: MootInstance, remote: FakeRemote) -> None:
    group, _, _, _ = await make_group(moot, name="openhouse")
    author = remote.add_actor("quiet")
    note_id = author.new_id("statuses")
    create = {"@context": AS, "id": f"{note_id}/activity", "type": "Create", "actor": author.uri,
              "to": [author.followers], "cc": [group.uri],
              "object": {"id": note_id, "type": "Note", "attributedTo": author.uri, "content": "<p>just us</p>",
                         "to": [author.followers], "cc": [group.uri],
                         "tag": [{"type": "Mention", "href": group.uri, "name": "@openhouse"}]}}
    status, _ = await remote.send(author, group.inbox, create)
    assert status == 202
    await moot.drain()
    item = await InboxItem.get(activity_id=create["id"])
    assert item.outcome == "rejected" and "only public posts" in item.last_error
    assert await Post.filter(uri=note_id).count() == 0
