"""Group invitation links: a person with one gets into a private group without approval; a link expires, runs out
of uses and can be withdrawn; a visitor signs up on the way (also on a server that takes people by invitation)
and lands on the welcome page, which suggests the server's popular public groups."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from models.accounts import INVITE
from models.actors import Actor, LocalUser
from models.follows import ACCEPTED, Follow
from models.joining import GroupInvite
from tests.community.test_joining import private_group, signed_in
from tests.conftest import MootInstance
from tests.groups.helpers import make_group
from tests.web.browser import FormClient
from web.accounts import set_registration_mode


async def test_an_invite_lets_people_in_until_it_expires_runs_out_or_is_withdrawn(moot: MootInstance) -> None:
    group, owner, token = await private_group(moot)
    base = f"/api/moot/v1/groups/{group.id}"
    status, invite = await moot.api("POST", base + "/invites", token, json={"max_uses": 1, "expires_in": 86400})
    assert status == 201, invite
    assert invite["url"] == f"{moot.base_url}/groups/growers/join?invite={invite['code']}" and invite["state"] == "active"
    _, kim_token = await moot.user("kim")
    _, lou_token = await moot.user("lou")
    outsider, outsider_token = await moot.user("outsider")
    assert (await moot.api("GET", base + "/invites", outsider_token))[0] == 403
    assert (await moot.api("POST", base + "/invites", outsider_token, json={}))[0] == 403

    # With the link, no approval and no questions: only the rules are agreed to.
    status, body = await moot.api("POST", base + "/join", kim_token, json={"invite": invite["code"]})
    assert status == 422
    status, body = await moot.api("POST", base + "/join", kim_token, json={"invite": invite["code"], "agree_rules": True})
    assert status == 200 and body["state"] == "member", body
    # Used up after one use.
    status, body = await moot.api("POST", base + "/join", lou_token, json={"invite": invite["code"], "agree_rules": True})
    assert status == 410 and "used up" in body["error"]
    assert not await Follow.filter(follower__local_name="lou", target=group).exists()

    # Expired.
    status, second = await moot.api("POST", base + "/invites", token, json={})
    assert status == 201 and second["max_uses"] is None and second["expires_at"] is None
    await GroupInvite.filter(id=int(second["id"])).update(expires_at=datetime.now(timezone.utc) - timedelta(minutes=1))
    status, body = await moot.api("POST", base + "/join", lou_token, json={"invite": second["code"], "agree_rules": True})
    assert status == 410 and "expired" in body["error"]

    # Withdrawn, and a made-up code.
    status, third = await moot.api("POST", base + "/invites", token, json={"max_uses": 5})
    status, body = await moot.api("DELETE", f"{base}/invites/{third['id']}", token)
    assert status == 200 and body["state"] == "revoked"
    status, body = await moot.api("POST", base + "/join", lou_token, json={"invite": third["code"], "agree_rules": True})
    assert status == 410
    status, body = await moot.api("POST", base + "/join", lou_token, json={"invite": "nope", "agree_rules": True})
    assert status == 404
    status, body = await moot.api("GET", base + "/invites", token)
    assert [i["state"] for i in body] == ["revoked", "expired", "used_up"]
    assert (await moot.api("POST", base + "/invites", token, json={"max_uses": 0}))[0] == 422

    # The moderator's page: create a link, see it listed, withdraw it.
    browser = await signed_in(moot, owner)
    try:
        page = await browser.submit("/groups/growers/joining", "/groups/growers/invites", {"days": "7", "max_uses": "3"})
        assert page.status == 200 and "/groups/growers/join?invite=" in page.text and "Used 0 of 3 times" in page.text
        newest = await GroupInvite.filter(group=group).order_by("-id").first()
        assert newest is not None and newest.max_uses == 3 and newest.expires_at is not None
        page = await browser.submit("/groups/growers/joining", f"/groups/growers/invites/{newest.id}/revoke", {})
        assert page.status == 200 and (await GroupInvite.get(id=newest.id)).revoked_at is not None
        page = await browser.submit("/groups/growers/joining", "/groups/growers/joining",
                                    {"question1": "Only one now", "welcome": "Hi", "require_rules": "1"})
        assert page.status == 200
        page = await browser.get("/groups/growers/joining")
        assert 'value="Only one now"' in page.text
    finally:
        await browser.close()


async def test_sign_up_through_an_invite_lands_on_the_welcome_page(moot: MootInstance) -> None:
    group, owner, token = await private_group(moot)
    admin = await Actor.get(local_name="siteadmin")
    await set_registration_mode(admin, INVITE)
    public, _, _, _ = await make_group(moot, "commons")
    # A moderator who is no admin cannot open an invitation-only server: their link lets members in, not sign-ups.
    status, moderators_link = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/invites", token, json={})
    assert status == 201
    visitor = FormClient(moot.base_url)
    try:
        page = await visitor.get(f"/groups/growers/join?invite={moderators_link['code']}")
        assert page.status == 200 and "Sign up and join" not in page.text
        page = await visitor.submit("/login", "/groups/growers/join/signup",
                                    {"invite": moderators_link["code"], "username": "sneaky", "password": "password9",
                                     "confirm": "password9", "agree": "1"})
        assert page.status == 403 and not await Actor.filter(local_name="sneaky").exists()
    finally:
        await visitor.close()
    # An admin's link counts as the server's invitation.
    await LocalUser.filter(actor=owner).update(is_admin=True)
    status, invite = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/invites", token, json={"max_uses": 2})
    visitor = FormClient(moot.base_url)
    try:
        # Without a link, this server offers no sign-up on the join page.
        page = await visitor.get("/groups/growers/join")
        assert page.status == 200 and "Sign up and join" not in page.text and "Where do you garden?" in page.text
        path = f"/groups/growers/join?invite={invite['code']}"
        page = await visitor.get(path)
        assert "Sign up and join" in page.text and "You have an invitation" in page.text
        assert "Where do you garden?" not in page.text  # invited: no questions
        fields = {"invite": invite["code"], "username": "newbie", "password": "password9", "confirm": "password9"}
        page = await visitor.submit(path, "/groups/growers/join/signup", fields)
        assert page.status == 422 and "agree to the group" in page.text
        page = await visitor.submit(path, "/groups/growers/join/signup", {**fields, "agree": "1"})
        assert page.status == 200 and page.url.endswith("/welcome?group=growers"), page.url
        assert "You joined" in page.text and "Introduce yourself" in page.text and "/groups/growers/essentials" in page.text
        assert "/groups/commons" in page.text and f'action="/actors/{public.id}/follow"' in page.text
        newbie = await Actor.get(local_name="newbie")
        assert await Follow.filter(follower=newbie, target=group, state=ACCEPTED).exists()
        assert (await GroupInvite.get(code=invite["code"])).uses == 1
        # The public group's Join button works from the welcome page.
        page = await visitor.submit("/welcome", f"/actors/{public.id}/follow", {"next": "/welcome"})
        assert await Follow.filter(follower=newbie, target=public, state=ACCEPTED).exists()
    finally:
        await visitor.close()
    # A made-up code gives no sign-up on an invitation-only server.
    other = FormClient(moot.base_url)
    try:
        page = await other.get("/groups/growers/join?invite=made-up")
        assert "not valid" in page.text and "Sign up and join" not in page.text
        page = await other.submit("/login", "/groups/growers/join/signup",
                                  {"invite": "made-up", "username": "sneaky", "password": "password9",
                                   "confirm": "password9", "agree": "1"})
        assert page.status == 403 and not await Actor.filter(local_name="sneaky").exists()
    finally:
        await other.close()
