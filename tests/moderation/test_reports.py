"""Reports: incoming Flags, local reports forwarded as anonymous Flags, resolution."""
from __future__ import annotations

from models.moderation import Report
from tests.conftest import MootInstance
from tests.fakeremote import AS, FakeRemote
from tests.groups.helpers import lemmy_page
from tests.moderation.helpers import admin, group_with_member


async def test_incoming_flag_becomes_a_report_that_is_resolved(moot: MootInstance, remote: FakeRemote) -> None:
    owner, _ = await moot.user("owner")
    page, token = await moot.page("news", owner)
    status, post = await moot.api("POST", "/api/v1/statuses", token, json={"status": "questionable"})
    instance = remote.add_actor("actor", actor_type="Application")
    flag = {"@context": AS, "id": instance.new_id(), "type": "Flag", "actor": instance.uri,
            "content": "Please look at this", "object": [page.uri, post["uri"]]}
    status, _ = await remote.send(instance, f"{moot.base_url}/inbox", flag)
    assert status == 202
    await moot.drain()
    admin_actor, root_token = await admin(moot)
    status, reports = await moot.api("GET", "/api/moot/v1/admin/reports", root_token)
    (report,) = reports
    assert report["comment"] == "Please look at this" and report["target"]["uri"] == page.uri
    assert report["post_uris"] == [post["uri"]] and report["reporter"]["uri"] == instance.uri
    status, closed = await moot.api("POST", f"/api/moot/v1/reports/{report['id']}/resolve", root_token,
                                    json={"action_taken": "post removed"})
    assert status == 200 and closed["state"] == "resolved" and closed["action_taken"] == "post removed"
    status, body = await moot.api("POST", f"/api/moot/v1/reports/{report['id']}/dismiss", root_token)
    assert status == 409
    status, log = await moot.api("GET", "/api/moot/v1/admin/modlog", root_token)
    assert any(e["action"] == "report.resolved" for e in log)


async def test_flag_about_remote_content_in_a_local_group_goes_to_its_moderators(
    moot: MootInstance, remote: FakeRemote
) -> None:
    group, owner_token, bea = await group_with_member(moot, remote)
    create = lemmy_page(bea, group)
    await remote.send(bea, group.inbox, create)
    cleo = remote.add_actor("cleo")
    flag = {"@context": AS, "id": cleo.new_id(), "type": "Flag", "actor": cleo.uri, "summary": "rude",
            "object": create["object"]["id"], "to": [group.uri]}
    await remote.send(cleo, group.inbox, flag)
    await moot.drain()
    status, reports = await moot.api("GET", f"/api/moot/v1/groups/{group.id}/reports", owner_token)
    assert [r["comment"] for r in reports] == ["rude"]
    status, closed = await moot.api("POST", f"/api/moot/v1/reports/{reports[0]['id']}/dismiss", owner_token)
    assert status == 200 and closed["state"] == "dismissed"


async def test_local_report_is_forwarded_signed_by_the_instance_actor(moot: MootInstance, remote: FakeRemote) -> None:
    troll = remote.add_actor("troll")
    user, token = await moot.user("reader")
    status, found = await moot.api("GET", f"/api/v2/search?q=@troll@{remote.host}&resolve=true", token)
    status, report = await moot.api("POST", "/api/moot/v1/reports", token,
                                    json={"account_id": found["accounts"][0]["id"], "comment": "harassment",
                                          "forward": True})
    assert status == 201 and report["forwarded"] is True
    await moot.drain()
    (received,) = [r for r in remote.received if r.body["type"] == "Flag"]
    assert received.verified and received.key_id == f"{moot.base_url}/actor#main-key"
    assert received.body["actor"] == f"{moot.base_url}/actor"  # anonymous: not the reporter
    assert received.body["object"] == [troll.uri] and received.body["content"] == "harassment"
    assert user.uri not in str(received.body)
    assert await Report.filter(forwarded=True).count() == 1


async def test_report_errors(moot: MootInstance) -> None:
    _, token = await moot.user("reader")
    status, body = await moot.api("POST", "/api/moot/v1/reports", token, json={"comment": "?"})
    assert status == 422 and "account" in body["error"]
    _, other = await moot.user("other")
    status, body = await moot.api("GET", "/api/moot/v1/admin/reports", other)
    assert status == 403


async def test_a_post_the_reporter_may_not_see_cannot_be_reported(moot: MootInstance) -> None:
    """Reporting by id must not confirm that a hidden post exists, nor name it back in the answer."""
    author, author_token = await moot.user("dora")
    _, outsider = await moot.user("nosy")
    status, secret = await moot.api("POST", "/api/v1/statuses", author_token,
                                    json={"status": "Only for my followers", "visibility": "private"})
    assert status == 200
    status, body = await moot.api("POST", "/api/moot/v1/reports", outsider,
                                  json={"account_id": str(author.id), "status_ids": [secret["id"]], "comment": "?"})
    assert status == 404 and secret["uri"] not in str(body)
    assert await Report.all().count() == 0
    # The same person's public post can be reported.
    status, public = await moot.api("POST", "/api/v1/statuses", author_token, json={"status": "Hello all"})
    status, report = await moot.api("POST", "/api/moot/v1/reports", outsider,
                                    json={"account_id": str(author.id), "status_ids": [public["id"]]})
    assert status == 201 and report["post_ids"] == [public["id"]]
