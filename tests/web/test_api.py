"""The Mastodon-shaped client API: auth, statuses with their addressing, errors as JSON."""
from __future__ import annotations

from models.queues import OutboundActivity
from tests.conftest import MootInstance
from tests.fakeremote import PUBLIC, FakeRemote


async def test_requests_without_a_valid_token_are_401(moot: MootInstance) -> None:
    status, body = await moot.api("GET", "/api/v1/accounts/verify_credentials")
    assert status == 401 and "Bearer" in body["error"]
    status, body = await moot.api("GET", "/api/v1/accounts/verify_credentials", "wrong")
    assert status == 401 and "invalid" in body["error"]


async def test_verify_credentials_for_a_page(moot: MootInstance) -> None:
    owner, _ = await moot.user("owner")
    page, token = await moot.page("bakery", owner, display_name="The Bakery")
    status, me = await moot.api("GET", "/api/v1/accounts/verify_credentials", token)
    assert status == 200
    assert me["username"] == "bakery" and me["bot"] is True and me["display_name"] == "The Bakery"


async def test_status_errors(moot: MootInstance) -> None:
    user, token = await moot.user("writer")
    status, body = await moot.api("POST", "/api/v1/statuses", token, json={"status": "   "})
    assert status == 422 and "empty" in body["error"]
    status, body = await moot.api("POST", "/api/v1/statuses", token, json={"status": "x", "visibility": "secret"})
    assert status == 422 and "visibility" in body["error"]
    status, body = await moot.api("GET", "/api/v1/statuses/999999")
    assert status == 404 and body["error"]
    status, body = await moot.api("GET", "/api/v1/statuses/abc")
    assert status == 404
    other, other_token = await moot.user("other")
    status, post = await moot.api("POST", "/api/v1/statuses", token, json={"status": "mine"})
    status, body = await moot.api("DELETE", f"/api/v1/statuses/{post['id']}", other_token)
    assert status == 403 and "someone else" in body["error"]


async def test_visibility_sets_the_addressing(moot: MootInstance) -> None:
    user, token = await moot.user("writer")
    expected = {
        "public": ([PUBLIC], [user.followers_url]),
        "unlisted": ([user.followers_url], [PUBLIC]),
        "private": ([user.followers_url], []),
    }
    for visibility, (to, cc) in expected.items():
        status, post = await moot.api("POST", "/api/v1/statuses", token,
                                      json={"status": visibility, "visibility": visibility})
        assert status == 200 and post["visibility"] == visibility
        creates = await OutboundActivity.filter(type="Create")
        (create,) = [a for a in creates if a.payload["object"]["id"] == post["uri"]]
        assert create.payload["to"] == to and create.payload.get("cc", []) == cc, visibility
        assert create.public == (visibility != "private")
    # Followers-only posts are not served to anonymous fetches.
    status, _ = await moot.get_ap(post["uri"])
    assert status == 404


async def test_mentions_are_linked_and_delivered(moot: MootInstance, remote: FakeRemote) -> None:
    alice = remote.add_actor("alice")
    user, token = await moot.user("writer")
    status, post = await moot.api("POST", "/api/v1/statuses", token,
                                  json={"status": f"hi @alice@{remote.host} and @nobody@{remote.host}",
                                        "visibility": "direct"})
    assert status == 200, post
    assert f'href="{alice.uri}"' in post["content"] or f'href="{alice.document()["url"]}"' in post["content"]
    assert "@nobody" in post["content"]
    assert [m["url"] for m in post["mentions"]] == [alice.uri]
    await moot.drain()
    (create,) = remote.activities("Create")
    assert create["to"] == [alice.uri] and PUBLIC not in create.get("cc", [])
    assert remote.received[0].path == "/users/alice/inbox" and remote.received[0].verified


async def test_search_resolves_a_remote_handle_and_url(moot: MootInstance, remote: FakeRemote) -> None:
    alice = remote.add_actor("alice")
    note = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{remote.base_url}/statuses/1",
            "type": "Note", "attributedTo": alice.uri, "content": "<p>remote words</p>", "to": [PUBLIC]}
    remote.publish(note)
    user, token = await moot.user("reader")
    status, found = await moot.api("GET", f"/api/v2/search?q=@alice@{remote.host}&resolve=true", token)
    assert [a["uri"] for a in found["accounts"]] == [alice.uri]
    status, found = await moot.api("GET", f"/api/v2/search?q={note['id']}&resolve=true", token)
    assert [s["uri"] for s in found["statuses"]] == [note["id"]]
    status, found = await moot.api("GET", f"/api/v2/search?q=@ghost@{remote.host}&resolve=true", token)
    assert status == 200 and found["accounts"] == []


async def test_following_a_remote_actor_waits_for_accept(moot: MootInstance, remote: FakeRemote) -> None:
    alice = remote.add_actor("alice")
    user, token = await moot.user("reader")
    status, found = await moot.api("GET", f"/api/v2/search?q=@alice@{remote.host}&resolve=true", token)
    account_id = found["accounts"][0]["id"]
    status, rel = await moot.api("POST", f"/api/v1/accounts/{account_id}/follow", token)
    assert rel["requested"] is True and rel["following"] is False
    await moot.drain()
    (follow,) = remote.activities("Follow")
    assert follow["actor"] == user.uri and follow["object"] == alice.uri
    accept = {"@context": "https://www.w3.org/ns/activitystreams", "id": alice.new_id(), "type": "Accept",
              "actor": alice.uri, "object": follow}
    status, _ = await remote.send(alice, user.inbox, accept)
    assert status == 202
    await moot.drain()
    status, rel = await moot.api("POST", f"/api/v1/accounts/{account_id}/follow", token)
    assert rel["following"] is True
