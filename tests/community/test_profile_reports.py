"""Reporting a profile from the UI: the report menu on /@name sends the report to this server's admins; for an
account on another server it may also go there, as an anonymous Flag from the instance actor (a fake remote
server receives and verifies it)."""
from __future__ import annotations

import re

from federation.resolve import get_actor
from models.actors import Actor, LocalUser
from models.moderation import Report
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.web.browser import FormClient
from web.passwords import hash_password

PASSWORD = "correct horse battery"


async def sign_in(moot: MootInstance, actor: Actor) -> FormClient:
    client = FormClient(moot.base_url)
    moot.use()
    await LocalUser.filter(actor=actor).update(password_hash=hash_password(PASSWORD))
    page = await client.submit("/login", "/login", {"username": actor.local_name, "password": PASSWORD})
    assert "Sign out" in page.text
    return client


async def test_a_profile_report_goes_to_the_admins_and_is_forwarded_on_request(
    moot: MootInstance, remote: FakeRemote,
) -> None:
    hal, admin_token = await moot.user("hal", is_admin=True)
    ada, _ = await moot.user("ada")
    bob, _ = await moot.user("bob")
    zed = remote.add_actor("zed")
    moot.use()
    zed_actor = await get_actor(moot.fed, zed.uri)
    browser = await sign_in(moot, ada)

    # The report menu is on someone else's profile, not on your own; a local account has no server to tell.
    page = await browser.get("/@bob")
    assert f'action="/actors/{bob.id}/report"' in page.text and "What is wrong with this account?" in page.text
    assert "Also tell their server" not in page.text
    assert "/report" not in (await browser.get("/@ada")).text
    page = await browser.submit("/@bob", f"/actors/{bob.id}/report", {"comment": "spams every group", "next": "/@bob"})
    assert page.status == 200 and page.url.endswith("/@bob?notice=reported")
    assert "Thank you. The moderators will look at your report." in page.text
    moot.use()
    report = await Report.get(target_actor=bob)
    assert report.reporter_id == ada.id and report.group_id is None and report.comment == "spams every group"
    assert not report.forwarded

    # A remote account, reported with "also tell their server": the Flag goes to its inbox, without Ada's name.
    page = await browser.submit("/@bob", f"/actors/{zed_actor.id}/report",
                                {"comment": "impersonates our admin", "forward": "1", "next": "/home"})
    assert page.status == 200 and "notice=reported" in page.url
    moot.use()
    report = await Report.get(target_actor=zed_actor)
    assert report.forwarded and report.group_id is None
    await moot.drain()
    flags = [r for r in remote.received if r.body.get("type") == "Flag"]
    assert len(flags) == 1 and flags[0].verified
    flag = flags[0].body
    assert flag["actor"] == moot.fed.instance_actor.uri and flag["object"] == [zed.uri]
    assert flag["content"] == "impersonates our admin" and "ada" not in str(flag)

    # Without the box ticked, nothing leaves the server.
    await browser.submit("/@bob", f"/actors/{zed_actor.id}/report", {"comment": "again", "next": "/home"})
    await moot.drain()
    assert len([r for r in remote.received if r.body.get("type") == "Flag"]) == 1

    # The admins have them; nobody can report themselves; a missing account is a 404; a visitor signs in first.
    status, reports = await moot.api("GET", "/api/moot/v1/admin/reports", admin_token)
    assert status == 200 and len(reports) == 3
    page = await browser.submit("/@bob", f"/actors/{ada.id}/report", {"comment": "me"})
    assert page.status == 422 and "You cannot report yourself." in page.text
    assert (await browser.submit("/@bob", "/actors/999999/report", {"comment": "x"})).status == 404
    anonymous = FormClient(moot.base_url)
    page = await anonymous.get("/@bob")
    assert "/report" not in page.text
    moot.use()
    assert await Report.all().count() == 3
    # The admins' queue shows the account reports.
    admin = await sign_in(moot, hal)
    queue = await admin.get("/moderation/instance")
    assert queue.status == 200 and re.search(r"spams every group", queue.text)
    for client in (browser, anonymous, admin):
        await client.close()
