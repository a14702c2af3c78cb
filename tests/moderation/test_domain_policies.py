"""Domain policies: suspend, limit, reject-media and allowlist mode, checked at intake, with subdomains."""
from __future__ import annotations

from models.actors import Actor
from models.follows import Follow
from models.moderation import ModLogEntry
from models.posts import Post
from models.queues import InboxItem
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeRemote
from tests.groups.helpers import announces, join, lemmy_page, wrapped
from tests.moderation.helpers import admin, group_with_member, set_domain


async def test_suspended_domain_is_dropped_with_a_2xx(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner_token, bea = await group_with_member(moot, remote)
    _, root_token = await admin(moot)
    # Every test server is on 127.0.0.1, so the policy names the fake's port (a plain domain covers all ports).
    await set_domain(moot, root_token, remote.host, "suspend", public_reason="spam", private_reason="ticket 42")
    # Suspension cut the domain's memberships and its pending deliveries.
    assert await Follow.filter(follower__uri=bea.uri).count() == 0
    remote.received.clear()
    fetches_before = len(remote.fetched)
    create = lemmy_page(bea, group)
    status, body = await remote.send(bea, group.inbox, create)
    assert status == 202 and body == {"status": "ignored"}  # 2xx: the sender does not retry
    await moot.drain()
    assert await InboxItem.filter(activity_id=create["id"]).count() == 0
    assert await Post.filter(uri=create["object"]["id"]).count() == 0
    assert announces(remote, group) == []
    assert len(remote.fetched) == fetches_before  # no key fetched from a suspended domain
    # The public modlog shows the public reason, never the private one.
    status, log = await moot.api("GET", "/api/moot/v1/modlog")
    (entry,) = [e for e in log if e["action"] == "domain.suspend"]
    assert entry["reason"] == "spam" and "ticket 42" not in str(entry)
    status, full = await moot.api("GET", "/api/moot/v1/admin/modlog", root_token)
    assert any(e["details"].get("private_reason") == "ticket 42" for e in full)


async def test_suspension_covers_subdomains_and_stops_delivery(moot: MootInstance, remote: FakeRemote) -> None:
    _, root_token = await admin(moot)
    await set_domain(moot, root_token, "example.com", "suspend")
    fed = moot.fed
    await fed.policies.refresh()
    assert fed.policies.domain("social.example.com").suspended
    assert fed.policies.domain("example.com:8443").suspended
    assert not fed.policies.domain("example.community").suspended
    status, body = await moot.api("POST", "/api/moot/v1/admin/domain_policies", root_token,
                                  json={"domain": moot.host.split(":")[0], "policy": "suspend"})
    assert status == 422 and "own domain" in body["error"]
    status, body = await moot.api("POST", "/api/moot/v1/admin/domain_policies", root_token,
                                  json={"domain": "not a domain", "policy": "suspend"})
    assert status == 422 and "domain" in body["error"]
    status, body = await moot.api("POST", "/api/moot/v1/admin/domain_policies", root_token,
                                  json={"domain": "ok.example", "policy": "obliterate"})
    assert status == 422 and "policy" in body["error"]


async def test_limited_domain_post_is_held_approved_then_relayed(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner_token, bea = await group_with_member(moot, remote)
    _, root_token = await admin(moot)
    await set_domain(moot, root_token, remote.host, "limit", public_reason="low quality")
    create = lemmy_page(bea, group)
    status, _ = await remote.send(bea, group.inbox, create)
    assert status == 202
    await moot.drain()
    assert (await InboxItem.get(activity_id=create["id"])).outcome == "held"
    assert await Post.filter(uri=create["object"]["id"]).count() == 0
    assert wrapped(remote, group, "Create") == []
    # Both the group's moderators and the instance admins see it in their queues.
    status, group_queue = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/held", owner_token)
    status, instance_queue = await moot.api("GET", "/api/moot/v1/admin/held", root_token)
    assert [i["reason"] for i in group_queue] == ["limited"] and len(instance_queue) == 1
    status, decided = await moot.api("POST", f"/api/moot/v1/admin/held/{instance_queue[0]['id']}/approve", root_token)
    assert status == 200 and decided["state"] == "approved"
    await moot.drain()
    post = await Post.get(uri=create["object"]["id"])
    assert post.group_id == group.id and post.limited is True
    assert wrapped(remote, group, "Create") == [create]
    assert await ModLogEntry.filter(action="held.approved").count() == 1


async def test_limited_domain_replies_in_existing_threads_go_through(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner_token, bea = await group_with_member(moot, remote)
    status, post = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/posts", owner_token,
                                  json={"title": "Welcome", "body": "Say hi"})
    _, root_token = await admin(moot)
    await set_domain(moot, root_token, remote.host, "limit")
    reply = {"@context": AS, "id": bea.new_id("activities/create"), "type": "Create", "actor": bea.uri,
             "to": [PUBLIC], "cc": [group.uri],
             "object": {"id": bea.new_id("comment"), "type": "Note", "attributedTo": bea.uri,
                        "inReplyTo": post["uri"], "content": "<p>hi!</p>", "to": [PUBLIC], "cc": [group.uri]}}
    await remote.send(bea, group.inbox, reply)
    await moot.drain()
    stored = await Post.get(uri=reply["object"]["id"])
    assert stored.limited and stored.in_reply_to_id is not None
    assert reply in wrapped(remote, group, "Create")


async def test_reject_media_drops_attachments(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner_token, bea = await group_with_member(moot, remote)
    _, root_token = await admin(moot)
    await set_domain(moot, root_token, remote.host, "reject-media")
    create = lemmy_page(bea, group)
    create["object"]["attachment"] = [{"type": "Document", "mediaType": "image/png",
                                       "url": "https://media.example/cat.png", "name": "a cat"}]
    await remote.send(bea, group.inbox, create)
    await moot.drain()
    post = await Post.get(uri=create["object"]["id"])
    assert post.attachments == [] and post.group_id == group.id


async def test_allowlist_mode_federates_only_with_listed_domains(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner_token, bea = await group_with_member(moot, remote)
    _, root_token = await admin(moot)
    status, _ = await moot.api("POST", "/api/moot/v1/admin/federation_mode", root_token, json={"mode": "allowlist"})
    assert status == 200
    create = lemmy_page(bea, group)
    status, body = await remote.send(bea, group.inbox, create)
    assert (status, body) == (202, {"status": "ignored"})
    await set_domain(moot, root_token, remote.host, "allow")
    status, body = await remote.send(bea, group.inbox, create)
    assert (status, body) == (202, {"status": "accepted"})


async def test_csv_import_and_export_in_mastodon_format(moot: MootInstance) -> None:
    _, root_token = await admin(moot)
    csv_text = ("#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
                "spam.example,suspend,false,false,Spam,false\n"
                "noisy.example,silence,true,false,Noisy,false\n"
                "pics.example,noop,true,false,,false\n"
                "bad domain!,suspend,false,false,,false\n")
    status, result = await moot.api("POST", "/api/moot/v1/admin/domain_policies/import", root_token,
                                     data=csv_text, headers={"Content-Type": "text/csv"})
    assert status == 200
    assert sorted(result["imported"]) == ["noisy.example", "pics.example", "spam.example"]
    assert len(result["errors"]) == 1 and "line 5" in result["errors"][0]
    status, rows = await moot.api("GET", "/api/moot/v1/admin/domain_policies", root_token)
    assert {(r["domain"], r["policy"], r["reject_media"]) for r in rows} == {
        ("noisy.example", "limit", True), ("pics.example", "reject-media", True), ("spam.example", "suspend", False)}
    async with moot.session.get(f"{moot.base_url}/api/moot/v1/admin/domain_policies.csv",
                                headers={"Authorization": f"Bearer {root_token}"}) as response:
        exported = await response.text()
    assert exported.splitlines()[0] == "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate"
    assert "noisy.example,silence,true,false,Noisy,false" in exported.splitlines()


async def test_admin_endpoints_need_an_admin(moot: MootInstance) -> None:
    _, token = await moot.user("someone")
    status, body = await moot.api("GET", "/api/moot/v1/admin/domain_policies", token)
    assert status == 403 and "admin" in body["error"]


async def test_a_single_actor_can_be_suspended(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner_token, bea = await group_with_member(moot, remote)
    _, root_token = await admin(moot)
    bea_id = (await Actor.get(uri=bea.uri)).id
    status, body = await moot.api("POST", "/api/moot/v1/admin/actor_policies", root_token,
                                  json={"account_id": bea_id, "policy": "suspend", "reason": "abuse"})
    assert status == 201, body
    create = lemmy_page(bea, group)
    status, body = await remote.send(bea, group.inbox, create)
    assert (status, body) == (202, {"status": "ignored"})
    other = remote.add_actor("cleo")
    await join(remote, other, group)
    await moot.drain()
    assert await Follow.filter(follower__uri=other.uri).exists()  # the rest of the domain still federates
