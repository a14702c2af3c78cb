"""Conversations, reports and account search through the client API, as Mastodon apps call them."""
from __future__ import annotations

from models.moderation import Report
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote


async def test_conversations_list_direct_messages_only_to_their_people(moot: MootInstance) -> None:
    ann, ann_token = await moot.user("ann")
    bob, bob_token = await moot.user("bob")
    cy, cy_token = await moot.user("cy")
    code, dm = await moot.api("POST", "/api/v1/statuses", ann_token,
                              json={"status": "@bob the spare key is under the pot", "visibility": "direct"})
    assert code == 200, dm
    code, convs = await moot.api("GET", "/api/v1/conversations", bob_token)
    assert code == 200 and len(convs) == 1
    assert convs[0]["last_status"]["id"] == dm["id"] and [a["id"] for a in convs[0]["accounts"]] == [str(ann.id)]
    assert convs[0]["unread"] is True
    code, convs = await moot.api("GET", "/api/v1/conversations", cy_token)
    assert convs == []
    code, _ = await moot.api("GET", "/api/v1/conversations")
    assert code == 401


async def test_reporting_an_account_and_its_statuses(moot: MootInstance, remote: FakeRemote) -> None:
    ann, ann_token = await moot.user("ann")
    bob, bob_token = await moot.user("bob")
    code, post = await moot.api("POST", "/api/v1/statuses", bob_token, json={"status": "Buy cheap seeds!!!"})
    code, hidden = await moot.api("POST", "/api/v1/statuses", bob_token,
                                  json={"status": "followers only", "visibility": "private"})
    code, body = await moot.api("POST", "/api/v1/reports", ann_token, data=[
        ("account_id", str(bob.id)), ("status_ids[]", post["id"]), ("comment", "spam")])
    assert code == 200, body
    assert body["target_account"]["id"] == str(bob.id) and body["status_ids"] == [post["id"]]
    assert body["comment"] == "spam" and body["forwarded"] is False
    report = await Report.get(id=int(body["id"]))
    assert report.target_actor_id == bob.id
    # A status the reporter may not see is a 404, as if it did not exist.
    code, body = await moot.api("POST", "/api/v1/reports", ann_token,
                                json={"account_id": str(bob.id), "status_ids": [hidden["id"]]})
    assert code == 404
    code, body = await moot.api("POST", "/api/v1/reports", ann_token, json={"account_id": str(ann.id)})
    assert code == 422 and "yourself" in body["error"]


async def test_searching_accounts(moot: MootInstance) -> None:
    ann, ann_token = await moot.user("ann")
    await moot.user("bob", display_name="Bob the Builder")
    code, found = await moot.api("GET", "/api/v1/accounts/search?q=bob", ann_token)
    assert code == 200 and [a["username"] for a in found] == ["bob"]
    code, found = await moot.api("GET", "/api/v1/accounts/search?q=builder", ann_token)
    assert [a["username"] for a in found] == ["bob"]
