"""/api/v1/notifications in Mastodon's shapes: the JSON, types filters, Link-header pagination, one, dismiss,
clear, unread_count; and only the token's own notifications."""
from __future__ import annotations

from models.notifications import Notification
from tests.conftest import MootInstance
from tests.fakeremote import AS, FakeRemote
from tests.notifications.helpers import deliver, note, post


async def test_the_list_is_mastodon_shaped_paginated_and_filtered(moot: MootInstance, remote: FakeRemote) -> None:
    ann, ann_token = await moot.user("ann")
    cat, cat_token = await moot.user("cat")
    mine = await post(moot, ann_token, "Hello")
    bob = remote.add_actor("bob")
    await deliver(moot, remote, bob, ann.inbox, note(bob, "@ann hi", mention=ann))
    await deliver(moot, remote, bob, ann.inbox,
                  {"@context": AS, "id": bob.new_id(), "type": "Like", "actor": bob.uri, "object": mine["uri"]})
    await moot.api("POST", f"/api/v1/accounts/{ann.id}/follow", cat_token)
    await post(moot, cat_token, "@ann lunch?")

    status, rows = await moot.api("GET", "/api/v1/notifications", ann_token)
    assert status == 200
    assert [r["type"] for r in rows] == ["mention", "follow", "favourite", "mention"]  # newest first
    mention = rows[0]
    assert set(mention) >= {"id", "type", "created_at", "account", "status"}
    assert mention["account"]["acct"] == "cat" and "lunch" in mention["status"]["content"]
    assert rows[1]["status"] is None and rows[1]["account"]["acct"] == "cat"
    assert rows[3]["account"]["acct"] == f"bob@{remote.host}"

    status, rows = await moot.api("GET", "/api/v1/notifications?types[]=mention", ann_token)
    assert [r["type"] for r in rows] == ["mention", "mention"]
    status, rows = await moot.api("GET", "/api/v1/notifications?exclude_types[]=mention&exclude_types[]=follow",
                                  ann_token)
    assert [r["type"] for r in rows] == ["favourite"]

    async with moot.session.get(moot.base_url + "/api/v1/notifications?limit=2",
                                headers={"Authorization": f"Bearer {ann_token}"}) as response:
        first = await response.json()
        links = response.links
    assert [r["type"] for r in first] == ["mention", "follow"]
    status, second = await moot.api("GET", str(links["next"]["url"]).removeprefix(moot.base_url), ann_token)
    assert [r["type"] for r in second] == ["favourite", "mention"]
    status, newer = await moot.api("GET", f"/api/v1/notifications?min_id={second[0]['id']}&limit=1", ann_token)
    assert [r["id"] for r in newer] == [first[1]["id"]]
    status, since = await moot.api("GET", f"/api/v1/notifications?since_id={second[0]['id']}", ann_token)
    assert [r["id"] for r in since] == [r["id"] for r in first]

    status, one = await moot.api("GET", f"/api/v1/notifications/{first[0]['id']}", ann_token)
    assert status == 200 and one["id"] == first[0]["id"]
    status, _ = await moot.api("GET", f"/api/v1/notifications/{first[0]['id']}", cat_token)
    assert status == 404  # someone else's: missing alike
    status, count = await moot.api("GET", "/api/v1/notifications/unread_count", ann_token)
    assert status == 200 and count == {"count": 4}

    status, body = await moot.api("POST", f"/api/v1/notifications/{first[0]['id']}/dismiss", ann_token)
    assert status == 200 and body == {}
    status, count = await moot.api("GET", "/api/v1/notifications/unread_count", ann_token)
    assert count == {"count": 3}
    status, body = await moot.api("POST", "/api/v1/notifications/clear", ann_token)
    assert status == 200
    status, rows = await moot.api("GET", "/api/v1/notifications", ann_token)
    assert rows == []
    moot.use()
    assert await Notification.filter(recipient=ann).count() == 4  # kept, dismissed: a cause never notifies again


async def test_moot_kinds_come_only_when_asked_for(moot: MootInstance) -> None:
    from tests.groups.helpers import make_group

    group, olga, olga_token, _ = await make_group(moot, "vault", private=True)
    mia, mia_token = await moot.user("mia")
    await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", mia_token)
    status, rows = await moot.api("GET", "/api/v1/notifications", olga_token)
    assert status == 200 and rows == []
    status, rows = await moot.api("GET", "/api/v1/notifications?types[]=moot.join_request", olga_token)
    assert [r["type"] for r in rows] == ["moot.join_request"]
    assert rows[0]["account"]["acct"] == "mia" and rows[0]["moot"]["group"]["acct"] == "vault"
    status, count = await moot.api("GET", "/api/v1/notifications/unread_count?types[]=moot.join_request", olga_token)
    assert count == {"count": 1}
    status, body = await moot.api("GET", "/api/v1/notifications", None)
    assert status == 401
