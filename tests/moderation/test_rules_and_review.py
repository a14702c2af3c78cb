"""Content rules, new-account heuristics and the review queue (approve, reject with a Reject, expiry)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from federation.review import expire_held
from models.actors import Actor
from models.groups import HeldActivity
from models.moderation import ModLogEntry
from models.posts import Post
from models.queues import InboxItem
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.groups.helpers import lemmy_page, wrapped
from tests.moderation.helpers import admin, group_with_member


async def add_rule(moot: MootInstance, token: str, **rule: object) -> dict:
    status, body = await moot.api("POST", "/api/moot/v1/admin/content_rules", token, json=rule)
    assert status == 201, body
    return body


async def test_keyword_rule_holds_a_post_that_a_moderator_rejects(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner_token, bea = await group_with_member(moot, remote)
    _, root_token = await admin(moot)
    rule = await add_rule(moot, root_token, pattern="crypto giveaway", action="hold", targets=["text"])
    create = lemmy_page(bea, group, title="Huge CRYPTO GIVEAWAY today")
    await remote.send(bea, group.inbox, create)
    await moot.drain()
    (held,) = await HeldActivity.filter(state="held")
    assert held.reason == "content rule" and f"rule {rule['id']}" in held.detail
    status, _ = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/held/{held.id}/reject", owner_token,
                               json={"reason": "no spam please"})
    assert status == 200
    await moot.drain()
    (reject,) = remote.activities("Reject")
    assert reject["actor"] == group.uri and reject["object"] == create["id"] and reject["summary"] == "no spam please"
    assert [r for r in remote.received if r.body["type"] == "Reject"][0].verified
    assert await Post.filter(uri=create["object"]["id"]).count() == 0
    assert wrapped(remote, group, "Create") == []
    assert await ModLogEntry.filter(action="held.rejected", reason="no spam please").exists()


async def test_reject_and_sensitive_rules(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner_token, bea = await group_with_member(moot, remote)
    _, root_token = await admin(moot)
    await add_rule(moot, root_token, pattern=r"buy\s+now", is_regex=True, action="reject")
    await add_rule(moot, root_token, pattern="spoilers", action="mark-sensitive", targets=["hashtags"])
    status, body = await moot.api("POST", "/api/moot/v1/admin/content_rules", root_token,
                                  json={"pattern": "(", "is_regex": True, "action": "reject"})
    assert status == 422 and "regular expression" in body["error"]
    rejected = lemmy_page(bea, group, content="<p>BUY   NOW!</p>")
    tagged = lemmy_page(bea, group, title="Finale")
    tagged["object"]["tag"] = [{"type": "Hashtag", "name": "#Spoilers", "href": "https://x.example/tags/spoilers"}]
    for activity in (rejected, tagged):
        await remote.send(bea, group.inbox, activity)
    await moot.drain()
    item = await InboxItem.get(activity_id=rejected["id"])
    assert item.outcome == "rejected" and "rule" in item.last_error
    assert await Post.filter(uri=rejected["object"]["id"]).count() == 0
    assert (await Post.get(uri=tagged["object"]["id"])).sensitive is True


async def test_group_rules_apply_only_in_their_group(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner_token, bea = await group_with_member(moot, remote)
    status, rule = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/rules", owner_token,
                                  json={"pattern": "tomatoes", "action": "reject"})
    assert status == 201 and rule["group_id"] == str(group.id)
    create = lemmy_page(bea, group, title="Tomatoes!")
    await remote.send(bea, group.inbox, create)
    await moot.drain()
    assert (await InboxItem.get(activity_id=create["id"])).outcome == "rejected"
    _, other_token = await moot.user("stranger")
    status, _ = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/rules", other_token,
                               json={"pattern": "x", "action": "reject"})
    assert status == 403


async def test_new_accounts_posting_links_are_held_until_trusted(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner_token, bea = await group_with_member(moot, remote)
    _, root_token = await admin(moot)
    create = lemmy_page(bea, group, content='<p>See <a href="https://shop.example/deal">this</a></p>')
    await remote.send(bea, group.inbox, create)
    await moot.drain()
    (held,) = await HeldActivity.filter(state="held")
    assert held.reason == "new account" and "first seen" in held.detail
    status, _ = await moot.api("POST", f"/api/moot/v1/admin/held/{held.id}/approve", root_token, json={"trust": True})
    assert status == 200
    await moot.drain()
    assert wrapped(remote, group, "Create") == [create]
    # Trusted now: the next link post skips the heuristic.
    second = lemmy_page(bea, group, content='<p><a href="https://shop.example/more">more</a></p>')
    await remote.send(bea, group.inbox, second)
    await moot.drain()
    assert await Post.filter(uri=second["object"]["id"], group=group).exists()
    # Posts without links from new accounts are never held.
    cleo = remote.add_actor("cleo")
    plain = lemmy_page(cleo, group)
    await remote.send(cleo, group.inbox, plain)
    await moot.drain()
    assert await Post.filter(uri=plain["object"]["id"]).exists()


async def test_heuristic_can_be_switched_off(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner_token, bea = await group_with_member(moot, remote)
    _, root_token = await admin(moot)
    status, settings = await moot.api("PATCH", "/api/moot/v1/admin/settings", root_token, json={"new_account_hours": 0})
    assert status == 200 and settings["new_account_hours"] == 0
    create = lemmy_page(bea, group, content='<p><a href="https://shop.example/x">x</a></p>')
    await remote.send(bea, group.inbox, create)
    await moot.drain()
    assert await Post.filter(uri=create["object"]["id"]).exists()


async def test_held_items_survive_a_restart_and_expire(moot_factory, remote: FakeRemote) -> None:
    first = await moot_factory()
    group, owner_token, bea = await group_with_member(first, remote)
    _, root_token = await admin(first)
    await add_rule(first, root_token, pattern="later", action="hold")
    create = lemmy_page(bea, group, title="Read this later")
    await remote.send(bea, group.inbox, create)
    await first.drain()
    from server import keys

    settings = first.app[keys.SETTINGS]
    await first.close()
    again = await moot_factory(port=settings.listen_port, database_url=settings.database_url)
    (held,) = await HeldActivity.filter(state="held")
    status, _ = await again.api("POST", f"/api/moot/v1/admin/held/{held.id}/approve", root_token)
    assert status == 200
    await again.drain()
    assert wrapped(remote, group, "Create") == [create]

    old = lemmy_page(bea, group, title="Later again")
    await remote.send(bea, group.inbox, old)
    await again.drain()
    await HeldActivity.filter(activity_uri=old["id"]).update(created_at=datetime.now(timezone.utc) - timedelta(days=15))
    assert await expire_held() == 1
    assert (await HeldActivity.get(activity_uri=old["id"])).state == "expired"
    assert await ModLogEntry.filter(action="held.expired").exists()
    assert (await Actor.get(uri=bea.uri)) is not None
