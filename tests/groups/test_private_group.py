"""A private group (`"private": true`): join requests wait for a moderator, and what is said in the
group reaches its members only: never Public, never a pending or refused person's server, and never
an unsigned or outsider's fetch."""
from __future__ import annotations

import json
from typing import Any, AsyncIterator

import pytest

from models.actors import Actor
from models.follows import ACCEPTED, PENDING, Follow
from models.posts import Post
from models.queues import InboxItem
from tests.conftest import MootInstance, settle
from tests.fakeremote import AS, PUBLIC, FakeActor, FakeRemote
from tests.groups.helpers import announces, join, make_group, plain, wrapped
from tests.cli_helpers import cli, cli_env  # noqa: F401 (cli_env is a fixture)


@pytest.fixture
async def outsider() -> AsyncIterator[FakeRemote]:
    """A second fake server, home of people who are not members: whatever reaches it leaked."""
    fake = await FakeRemote().start()
    yield fake
    await fake.close()


def private_page(actor: FakeActor, group: Actor, title: str = "Seed swap, members only") -> dict[str, Any]:
    """A Lemmy-shaped Create{Page} for a private group: addressed to the group only, never Public."""
    return {
        "@context": [AS, "https://w3id.org/security/v1"], "id": actor.new_id("activities"),
        "type": "Create", "actor": actor.uri, "to": [group.uri], "cc": [], "audience": group.uri,
        "object": {
            "id": actor.new_id("post"), "type": "Page", "attributedTo": actor.uri, "to": [group.uri], "cc": [],
            "name": title, "content": "<p>Bring your spare seeds.</p>", "mediaType": "text/html",
            "audience": group.uri, "published": "2026-11-20T12:00:00Z",
        },
    }


async def account_id(moot: MootInstance, uri: str) -> int:
    """The id an API path uses for the actor `uri` on this instance."""
    moot.use()
    return (await Actor.get(uri=uri)).id


async def decide(moot: MootInstance, group: Actor, token: str, uri: str, decision: str) -> dict[str, Any]:
    path = f"/api/moot/v1/groups/{group.id}/requests/{await account_id(moot, uri)}/{decision}"
    status, body = await moot.api("POST", path, token)
    assert status == 200, body
    return body


async def follow_state(moot: MootInstance, group: Actor, uri: str) -> str | None:
    moot.use()
    follow = await Follow.filter(target=group, follower__uri=uri).first()
    return follow.state if follow is not None else None


# --- the actor ------------------------------------------------------------------------------


async def test_private_group_actor_asks_for_approval_and_is_not_discoverable(moot: MootInstance) -> None:
    group, _, _, body = await make_group(moot, "club", private=True)
    assert body["private"] is True
    status, doc = await moot.get_ap(group.uri)
    assert status == 200
    assert doc["type"] == "Group"
    assert doc["manuallyApprovesFollowers"] is True
    assert doc["discoverable"] is False and doc["indexable"] is False
    # Lemmy reads the flag as "private community": a public group must not carry it.
    open_group, _, _, _ = await make_group(moot, "square")
    _, open_doc = await moot.get_ap(open_group.uri)
    assert open_doc["manuallyApprovesFollowers"] is False and open_doc["discoverable"] is True


# --- join requests through the API ----------------------------------------------------------


async def test_follow_waits_until_a_moderator_approves_or_rejects(
    moot: MootInstance, remote: FakeRemote, outsider: FakeRemote
) -> None:
    group, _, token, _ = await make_group(moot, "club", private=True)
    bea, carl = remote.add_actor("bea"), outsider.add_actor("carl")
    bea_follow = await join(remote, bea, group)
    carl_follow = await join(outsider, carl, group)
    await moot.drain()
    # Pending: nobody is told anything yet, and nobody is a member.
    assert remote.received == [] and outsider.received == []
    assert await follow_state(moot, group, bea.uri) == PENDING
    assert await follow_state(moot, group, carl.uri) == PENDING

    status, pending = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/requests", token)
    assert status == 200 and [account["uri"] for account in pending] == [bea.uri, carl.uri]
    _, nosy_token = await moot.user("nosy")
    status, _ = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/requests", nosy_token)
    assert status == 403

    assert await decide(moot, group, token, bea.uri, "approve") == {"group_id": str(group.id), "state": "member"}
    await moot.drain()
    (accept,) = remote.received
    assert accept.verified and accept.key_id == f"{group.uri}#main-key"
    assert accept.body["type"] == "Accept" and accept.body["actor"] == group.uri
    assert accept.body["object"] == {"id": bea_follow["id"], "type": "Follow", "actor": bea.uri, "object": group.uri}
    assert await follow_state(moot, group, bea.uri) == ACCEPTED

    assert await decide(moot, group, token, carl.uri, "reject") == {"group_id": str(group.id), "state": "none"}
    await moot.drain()
    (reject,) = outsider.received
    assert reject.verified and reject.body["type"] == "Reject" and reject.body["actor"] == group.uri
    assert reject.body["object"] == {"id": carl_follow["id"], "type": "Follow", "actor": carl.uri, "object": group.uri}
    assert await follow_state(moot, group, carl.uri) is None
    # The request is gone: deciding it again finds nothing.
    status, _ = await moot.api(
        "POST", f"/api/moot/v1/groups/{group.id}/requests/{await account_id(moot, carl.uri)}/approve", token
    )
    assert status == 404
    status, members = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/members", token)
    assert sorted(account["uri"] for account in members) == sorted([bea.uri, (await Actor.get(local_name="club_owner")).uri])


# --- join requests through the CLI ----------------------------------------------------------


@pytest.mark.usefixtures("cli_env")
async def test_cli_lists_approves_and_rejects_join_requests(
    moot: MootInstance, remote: FakeRemote, outsider: FakeRemote, capsys: pytest.CaptureFixture[str]
) -> None:
    await moot.user("ada")
    code, out, _ = await cli(moot, capsys, "group", "create", "club", "--owner", "ada", "--private")
    assert code == 0 and f"Created private group @club@{moot.host}" in out
    group = await Actor.get(group_name="club")
    assert group.manually_approves and not group.discoverable

    bea, carl = remote.add_actor("bea"), outsider.add_actor("carl")
    bea_follow = await join(remote, bea, group)
    carl_follow = await join(outsider, carl, group)
    await moot.drain()
    code, out, _ = await cli(moot, capsys, "group", "requests", "club")
    assert code == 0
    assert out.splitlines() == [f"bea@{remote.host}  {bea.uri}", f"carl@{outsider.host}  {carl.uri}"]

    # Approve by handle, reject by actor URI: both forms name the same kind of request.
    code, out, _ = await cli(moot, capsys, "group", "approve", "club", f"bea@{remote.host}")
    assert code == 0 and f"Approved {bea.uri}" in out
    code, out, _ = await cli(moot, capsys, "group", "reject", "club", carl.uri)
    assert code == 0 and f"Rejected {carl.uri}" in out

    # The CLI only queued the answers; the instance's workers deliver them, signed by the group.
    await moot.drain()
    (accept,) = remote.received
    assert accept.verified and accept.body["type"] == "Accept" and accept.body["actor"] == group.uri
    assert accept.body["object"]["id"] == bea_follow["id"]
    (reject,) = outsider.received
    assert reject.verified and reject.body["type"] == "Reject" and reject.body["object"]["id"] == carl_follow["id"]
    assert await follow_state(moot, group, bea.uri) == ACCEPTED
    assert await follow_state(moot, group, carl.uri) is None

    code, out, _ = await cli(moot, capsys, "group", "requests", "club")
    assert code == 0 and out.strip() == "No pending join requests."
    code, _, err = await cli(moot, capsys, "group", "approve", "club", f"carl@{outsider.host}")
    assert code == 2 and "no pending join request" in err
    code, _, err = await cli(moot, capsys, "group", "requests", "nosuchgroup")
    assert code == 2 and "no local group named 'nosuchgroup'" in err


# --- relaying -------------------------------------------------------------------------------


async def private_group_with_people(
    moot: MootInstance, remote: FakeRemote, outsider: FakeRemote
) -> tuple[Actor, str, FakeActor, FakeActor, FakeActor]:
    """A private group with bea (on `remote`) approved, carl (on `outsider`) rejected and dan (on `outsider`) pending."""
    group, _, token, _ = await make_group(moot, "club", private=True)
    bea, carl, dan = remote.add_actor("bea"), outsider.add_actor("carl"), outsider.add_actor("dan")
    for fake, actor in ((remote, bea), (outsider, carl), (outsider, dan)):
        await join(fake, actor, group)
    await moot.drain()
    await decide(moot, group, token, bea.uri, "approve")
    await decide(moot, group, token, carl.uri, "reject")
    await moot.drain()
    moot.use()
    return group, token, bea, carl, dan


async def test_member_post_is_announced_to_members_only_and_never_public(
    moot: MootInstance, remote: FakeRemote, outsider: FakeRemote
) -> None:
    group, _, bea, _, _ = await private_group_with_people(moot, remote, outsider)
    before = len(outsider.received)  # carl's Reject
    create = private_page(bea, group)
    status, body = await remote.send(bea, group.inbox, create)
    assert status == 202, body
    await moot.drain()
    post = await Post.get(uri=create["object"]["id"])
    assert post.group_id == group.id

    assert wrapped(remote, group, "Create") == [create]  # exactly as received
    assert plain(remote, group) == [create["object"]["id"]]
    for announce in announces(remote, group):
        assert announce["to"] == [group.uri, group.followers_url]
        assert PUBLIC not in announce.get("cc", [])
        assert PUBLIC not in json.dumps(announce)  # not in the wrapper, not in what it wraps
    assert all(r.verified for r in remote.received)
    # carl (rejected) and dan (pending) live on `outsider`: nothing of the group reached it.
    assert outsider.received[before:] == []
    assert announces(outsider, group) == []

    # Relayed activities of a private group are not served at their ids either.
    for announce in announces(remote, group):
        status, _ = await moot.get_ap(announce["id"])
        assert status == 404


# --- fetching -------------------------------------------------------------------------------


async def local_member_post(moot: MootInstance, group: Actor, owner_token: str) -> tuple[str, dict[str, Any]]:
    """A local user asks to join, is approved, and posts through the API; returns (token, post JSON)."""
    lu, lu_token = await moot.user("lu")
    status, membership = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", lu_token)
    assert status == 200 and membership["state"] == "pending"
    assert await decide(moot, group, owner_token, lu.uri, "approve") == {"group_id": str(group.id), "state": "member"}
    status, post = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/posts", lu_token,
                                  json={"title": "Allotment keys", "body": "The new code is 4711."})
    assert status == 201, post
    await moot.drain()
    moot.use()
    return lu_token, post


async def test_private_post_is_served_only_to_members_and_their_servers(
    moot: MootInstance, remote: FakeRemote, outsider: FakeRemote
) -> None:
    group, token, bea, carl, _ = await private_group_with_people(moot, remote, outsider)
    # The instance actors (Application) that each server signs its fetches with.
    member_server = remote.add_actor("instance", "Application")
    other_server = outsider.add_actor("instance", "Application")
    _, post = await local_member_post(moot, group, token)
    url = post["uri"]

    assert (await remote.get_signed(None, url))[0] == 404
    assert (await outsider.get_signed(carl, url))[0] == 404  # refused
    assert (await outsider.get_signed(other_server, url))[0] == 404  # no member lives there

    status, doc = await remote.get_signed(bea, url)
    assert status == 200, doc
    assert doc["id"] == url and doc["type"] == "Page" and doc["name"] == "Allotment keys"
    assert doc["audience"] == group.uri and doc["to"] == [group.uri] and PUBLIC not in json.dumps(doc)
    # Servers fetch with their instance actor; bea's server already receives the group's posts.
    status, doc = await remote.get_signed(member_server, url)
    assert status == 200 and doc["id"] == url


async def test_private_collections_show_no_items_to_outsiders(
    moot: MootInstance, remote: FakeRemote, outsider: FakeRemote
) -> None:
    group, token, bea, carl, _ = await private_group_with_people(moot, remote, outsider)
    _, post = await local_member_post(moot, group, token)
    status, _ = await moot.api("POST", f"/api/moot/v1/posts/{post['id']}/pin", token)
    assert status == 200

    collections = {"outbox": group.outbox, "followers": group.followers_url, "featured": group.featured_url}
    for name, url in collections.items():
        for fetcher, signer in ((remote, None), (outsider, carl)):
            for target in (url, url + "?page=1"):
                status, doc = await fetcher.get_signed(signer, target)
                assert status == 200, (name, target, doc)
                assert doc["type"] == "OrderedCollection" and doc["id"] == url
                # No first page and no items: Mastodon shows such a collection as hidden.
                assert "first" not in doc and "orderedItems" not in doc and "items" not in doc, (name, doc)
    _, featured = await remote.get_signed(None, group.featured_url)
    assert featured["totalItems"] == 1  # how many, never what

    # A member's signed fetch sees them.
    status, followers = await remote.get_signed(bea, group.followers_url + "?page=1")
    assert status == 200 and bea.uri in followers["orderedItems"]
    status, featured = await remote.get_signed(bea, group.featured_url)
    assert [item["id"] for item in featured["orderedItems"]] == [post["uri"]]


async def test_group_api_reads_are_for_members_only(
    moot: MootInstance, remote: FakeRemote, outsider: FakeRemote
) -> None:
    group, token, _, _, _ = await private_group_with_people(moot, remote, outsider)
    lu_token, post = await local_member_post(moot, group, token)
    _, stranger_token = await moot.user("stranger")
    _, waiting_token = await moot.user("waiting")
    status, membership = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", waiting_token)
    assert membership["state"] == "pending"

    listing, thread = f"/api/moot/v1/groups/{group.id}/posts", f"/api/moot/v1/posts/{post['id']}/thread"
    for who in (None, stranger_token, waiting_token):
        assert (await moot.api("GET", listing, who))[0] == 403
        assert (await moot.api("GET", thread, who))[0] == 404  # the same as a post that does not exist
    for who in (lu_token, token):
        status, body = await moot.api("GET", listing, who)
        assert status == 200 and [item["uri"] for item in body["posts"]] == [post["uri"]]
        status, body = await moot.api("GET", thread, who)
        assert status == 200 and body["uri"] == post["uri"]


# --- a pending member on another Moot instance ----------------------------------------------


async def test_pending_member_on_another_instance_receives_nothing(moot_factory: Any) -> None:
    home = await moot_factory()
    away = await moot_factory()
    group, _, token, _ = await make_group(home, "club", private=True)
    ann, ann_token = await away.user("ann")
    status, found = await away.api("GET", f"/api/v2/search?q=@club@{home.host}&resolve=true", ann_token)
    assert status == 200 and [account["uri"] for account in found["accounts"]] == [group.uri]
    mirror_id = found["accounts"][0]["id"]
    status, membership = await away.api("POST", f"/api/moot/v1/groups/{mirror_id}/join", ann_token)
    assert status == 200 and membership["state"] == "pending"
    await settle(home, away)
    assert await follow_state(home, group, ann.uri) == PENDING

    status, first = await home.api("POST", f"/api/moot/v1/groups/{group.id}/posts", token,
                                   json={"title": "Before you were in", "body": "Members only."})
    assert status == 201, first
    await settle(home, away)
    away.use()
    assert await InboxItem.filter(actor_uri=group.uri).count() == 0
    assert not await Post.filter(uri=first["uri"]).exists()
    status, _ = await away.api("GET", f"/api/moot/v1/groups/{mirror_id}/posts", ann_token)
    assert status == 403
    status, _ = await away.api("GET", f"/api/moot/v1/groups/{mirror_id}", ann_token)
    assert status == 200  # the group itself is known, only its content is not

    # Once approved, the next post does arrive: the silence above was the pending state, not a broken link.
    await decide(home, group, token, ann.uri, "approve")
    await settle(home, away)
    status, membership = await away.api("POST", f"/api/moot/v1/groups/{mirror_id}/join", ann_token)
    assert membership["state"] == "member"
    status, second = await home.api("POST", f"/api/moot/v1/groups/{group.id}/posts", token,
                                    json={"title": "Welcome, ann", "body": "Glad you are here."})
    await settle(home, away)
    status, listing = await away.api("GET", f"/api/moot/v1/groups/{mirror_id}/posts", ann_token)
    assert status == 200 and [item["uri"] for item in listing["posts"]] == [second["uri"]]
    away.use()
    # Every relayed activity was processed cleanly, including the plain Announce{post id}, whose post
    # away fetched from home with its instance actor's signature.
    items = await InboxItem.filter(actor_uri=group.uri).values_list("activity", "state", "last_error")
    assert sorted(activity["type"] for activity, _, _ in items) == ["Accept", "Announce", "Announce"]
    assert all(state == "done" and error is None for _, state, error in items), items


# --- other ways out ---------------------------------------------------------------------------


async def test_outsiders_cannot_post_into_a_private_group(
    moot: MootInstance, remote: FakeRemote, outsider: FakeRemote
) -> None:
    group, _, _, carl, dan = await private_group_with_people(moot, remote, outsider)
    before = len(remote.received)
    # Private groups refuse non-members by default: neither the refused nor the pending person gets in.
    for actor in (carl, dan):
        create = private_page(actor, group, title=f"{actor.name} was here")
        status, _ = await outsider.send(actor, group.inbox, create)
        assert status == 202
        await moot.drain()
        assert not await Post.filter(uri=create["object"]["id"]).exists()
    assert remote.received[before:] == []  # nothing was relayed to the members


async def test_local_post_mentioning_an_outsider_does_not_reach_them(
    moot: MootInstance, remote: FakeRemote, outsider: FakeRemote
) -> None:
    """A mention does not widen a private group's audience: the post goes to members, through the group."""
    group, token, _, carl, _ = await private_group_with_people(moot, remote, outsider)
    before = len(outsider.received)
    status, post = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/posts", token,
                                  json={"title": "Gate code", "body": f"@carl@{outsider.host} never got in. Code is 4711."})
    assert status == 201, post
    await moot.drain()
    assert outsider.received[before:] == []
    # The members did get it, through the group, and the mention itself was resolved (so carl was named).
    (create,) = wrapped(remote, group, "Create")
    assert create["object"]["id"] == post["uri"]
    assert {"type": "Mention", "href": carl.uri, "name": f"@carl@{outsider.host}"} in create["object"]["tag"]


async def test_non_member_cannot_find_a_private_post_through_search(
    moot: MootInstance, remote: FakeRemote, outsider: FakeRemote
) -> None:
    group, token, _, _, _ = await private_group_with_people(moot, remote, outsider)
    lu_token, post = await local_member_post(moot, group, token)
    _, stranger_token = await moot.user("stranger")
    query = {"q": post["uri"], "resolve": "true"}
    status, found = await moot.api("GET", "/api/v2/search", stranger_token, params=query)
    assert status == 200 and found["statuses"] == []
    # Members find it: its author, and the owner, who is a member but not the author.
    for member_token in (lu_token, token):
        status, found = await moot.api("GET", "/api/v2/search", member_token, params=query)
        assert status == 200 and [item["uri"] for item in found["statuses"]] == [post["uri"]]


async def test_private_content_stays_out_of_pages_and_the_authors_outbox(
    moot: MootInstance, remote: FakeRemote, outsider: FakeRemote
) -> None:
    group, token, _, _, _ = await private_group_with_people(moot, remote, outsider)
    _, post = await local_member_post(moot, group, token)
    async with moot.session.get(group.uri, headers={"Accept": "text/html"}) as response:
        assert response.status == 200 and "Allotment keys" not in await response.text()
    async with moot.session.get(post["uri"], headers={"Accept": "text/html"}) as response:
        assert response.status == 404
    status, outbox = await moot.get_ap(post["author"]["uri"] + "/outbox?page=1")
    assert status == 200 and post["uri"] not in json.dumps(outbox)
    _, stranger_token = await moot.user("stranger")
    status, _ = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/members", stranger_token)
    assert status == 403
