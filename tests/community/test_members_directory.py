"""The members directory for moderators: filters (UI and API), the actions at hand and their federation, the CLI."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest


from models.actors import Actor, LocalUser
from models.follows import ACCEPTED, PENDING, Follow
from models.groups import GroupBan, GroupMute, GroupRole
from models.member_tags import MemberTag, MemberTagging
from tests.conftest import MootInstance
from tests.fakeremote import FakeActor, FakeRemote
from tests.groups.helpers import join, make_group
from tests.web.browser import FormClient
from tests.cli_helpers import cli, cli_env  # noqa: F401 (cli_env is a fixture)
from web.passwords import hash_password

PASSWORD = "correct horse battery"
NOW = datetime.now(timezone.utc)


@dataclass
class World:
    """garden: owner, mia (moderator), ada and ben (local members), bea (a remote member), dan (asking to join)."""

    moot: MootInstance
    remote: FakeRemote
    group: Actor
    owner: Actor
    owner_token: str
    mia: Actor
    mia_token: str
    ada: Actor
    ada_token: str
    ben: Actor
    bea: Actor
    bea_fake: FakeActor
    dan: Actor

    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        return self.moot.api(method, f"/api/moot/v1/groups/{self.group.id}{path}", token or self.owner_token, **kwargs)

    async def directory(self, token: str | None = None, **filters: str) -> list[str]:
        status, body = await self.api("GET", "/directory", token, params=filters)
        assert status == 200, body
        return sorted(row["account"]["acct"] for row in body["members"])


async def build_world(moot: MootInstance, remote: FakeRemote, private: bool = False) -> World:
    await moot.user("siteadmin", is_admin=True)  # so the site is set up and people can sign in
    group, owner, owner_token, _ = await make_group(moot, "garden", private=private)
    people = {}
    for name in ("mia", "ada", "ben"):
        actor, token = await moot.user(name)
        people[name] = (actor, token)
        if private:
            await Follow.create(follower=actor, target=group, state=ACCEPTED, accepted_at=NOW)
        else:
            status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", token)
            assert status == 200, body
    status, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/moderators", owner_token,
                                  json={"account_id": str(people["mia"][0].id)})
    assert status == 200, body
    bea_fake = remote.add_actor("bea")
    await join(remote, bea_fake, group)
    await moot.drain()
    bea = await Actor.get(uri=bea_fake.uri)
    if private:
        await Follow.filter(follower=bea, target=group).update(state=ACCEPTED, accepted_at=NOW)
    dan, _ = await moot.user("dan")
    await Follow.create(follower=dan, target=group, state=PENDING)
    remote.received.clear()
    return World(moot, remote, group, owner, owner_token, people["mia"][0], people["mia"][1], people["ada"][0],
                 people["ada"][1], people["ben"][0], bea, bea_fake, dan)


async def sign_in(moot: MootInstance, actor: Actor) -> FormClient:
    await LocalUser.filter(actor=actor).update(password_hash=hash_password(PASSWORD))
    browser = FormClient(moot.base_url)
    page = await browser.submit("/login", "/login", {"username": actor.local_name, "password": PASSWORD,
                                                     "next": "/home"})
    assert page.url.endswith("/home"), page.text[-500:]
    return browser


# --- filters ----------------------------------------------------------------------------------------


async def test_directory_filters_by_role_tag_standing_join_date_and_name(moot: MootInstance, remote: FakeRemote) -> None:
    w = await build_world(moot, remote)
    bea = f"bea@{remote.host}"
    await Follow.filter(follower=w.ada, target=w.group).update(accepted_at=NOW - timedelta(days=40))
    status, tag = await w.api("POST", "/member_tags", json={"name": "  Soil   expert "})
    assert status == 201 and tag["name"] == "Soil expert"
    status, body = await w.api("POST", f"/members/{w.ada.id}/tags", w.mia_token, json={"tag": tag["id"]})
    assert status == 200, body
    until = (NOW + timedelta(days=10)).replace(microsecond=0)
    status, _ = await moot.api("POST", f"/api/moot/v1/groups/{w.group.id}/bans", w.mia_token,
                               json={"account_id": str(w.bea.id), "reason": "spam", "expires_at": until.isoformat()})
    assert status == 200
    status, _ = await moot.api("POST", f"/api/moot/v1/groups/{w.group.id}/mutes", w.mia_token,
                               json={"account_id": str(w.ben.id), "reason": "cool off", "expires_at": until.isoformat()})
    assert status == 200

    everyone = sorted(["ada", "ben", bea, "garden_owner", "mia"])
    assert await w.directory() == everyone
    assert await w.directory(role="moderator") == ["mia"]
    assert await w.directory(role="owner") == ["garden_owner"]
    assert await w.directory(role="member") == sorted(["ada", "ben", bea])
    assert await w.directory(tag=tag["id"]) == ["ada"]
    assert await w.directory(standing="pending") == ["dan"]
    assert await w.directory(standing="muted") == ["ben"]
    assert await w.directory(standing="banned") == [bea]
    assert await w.directory(joined_before=(NOW - timedelta(days=30)).date().isoformat()) == ["ada"]
    assert "ada" not in await w.directory(joined_after=(NOW - timedelta(days=10)).date().isoformat())
    assert await w.directory(q="ad") == ["ada"]
    assert await w.directory(q=f"@bea@{remote.host}") == [bea]
    assert await w.directory(role="member", standing="muted", q="be") == ["ben"]

    status, body = await w.api("GET", "/directory", params={"standing": "banned"})
    (row,) = body["members"]
    assert row["ban"] == {"reason": "spam", "expires_at": until.isoformat().replace("+00:00", "Z")}
    status, body = await w.api("GET", "/directory", params={"standing": "muted"})
    assert body["members"][0]["mute"]["reason"] == "cool off" and body["members"][0]["mute"]["read_only_until"]

    # The page shows the same filters, the tag beside the name, and the standing with its end date and reason.
    browser = await sign_in(moot, w.mia)
    try:
        page = await browser.get(f"/moderation/groups/garden/members?tag={tag['id']}")
        assert page.status == 200
        # The tag beside the name links to the group's posts by members with it (community leftovers).
        assert f'<a class="badge member-tag" href="/groups/garden?tag={tag["id"]}"' in page.text
        assert '>Soil expert</a>' in page.text
        assert "@ada" in page.text and "@ben" not in page.text
        page = await browser.get("/moderation/groups/garden/members?standing=muted")
        until_text = f"Read only until {until.strftime('%-d %b')}"
        assert until_text in page.text and "Reason: cool off" in page.text and "@ada" not in page.text
        page = await browser.get("/moderation/groups/garden/members?standing=banned")
        assert f"Banned until {until.strftime('%-d %b')}" in page.text and "Reason: spam" in page.text
        page = await browser.get("/moderation/groups/garden/members?q=nobody")
        assert "Nobody matches these filters." in page.text
        # The members page links moderators to it.
        page = await browser.get("/groups/garden/members")
        assert 'href="/moderation/groups/garden/members"' in page.text
    finally:
        await browser.close()


async def test_non_moderators_get_no_directory(moot: MootInstance, remote: FakeRemote) -> None:
    w = await build_world(moot, remote, private=True)
    status, _ = await w.api("GET", "/directory", w.ada_token)
    assert status == 403
    status, _ = await w.api("POST", "/member_tags", w.ada_token, json={"name": "Boss"})
    assert status == 403
    status, _ = await w.api("POST", f"/members/{w.ada.id}/tags", w.ada_token, json={"tag": "x"})
    assert status == 403
    outsider, outsider_token = await moot.user("olga")
    status, _ = await w.api("GET", "/member_tags", outsider_token)
    assert status == 403
    status, tags = await w.api("GET", "/member_tags", w.ada_token)
    assert status == 200 and tags == []
    browser = await sign_in(moot, w.ada)
    try:
        page = await browser.get("/moderation/groups/garden/members")
        assert page.status == 403
        page = await browser.submit("/groups/garden", f"/moderation/groups/garden/members/{w.ben.id}",
                                    {"action": "ban"})
        assert page.status == 403
        assert not await GroupBan.filter(actor=w.ben).exists()
        page = await browser.get("/groups/garden/members")
        assert "/moderation/groups/garden/members" not in page.text
    finally:
        await browser.close()
    anonymous = FormClient(moot.base_url)
    try:
        page = await anonymous.get("/moderation/groups/garden/members")
        assert "/login" in page.url
    finally:
        await anonymous.close()


# --- actions -----------------------------------------------------------------------------------------


async def test_actions_from_the_directory(moot: MootInstance, remote: FakeRemote) -> None:
    w = await build_world(moot, remote)
    base = "/moderation/groups/garden/members"
    owner = await sign_in(moot, w.owner)
    mia = await sign_in(moot, w.mia)
    try:
        # Promote and demote: the owner's, federated as Add/Remove on the moderators collection.
        page = await owner.submit(base, f"{base}/{w.ada.id}", {"action": "promote", "back": "role=member"})
        assert page.status == 200 and "role=member" in page.url and "They are a moderator now." in page.text
        assert await GroupRole.filter(group=w.group, actor=w.ada).exists()
        await moot.drain()
        adds = [a["object"] for a in remote.activities("Announce") if isinstance(a["object"], dict)
                and a["object"].get("type") == "Add"]
        assert adds and adds[-1]["object"] == w.ada.uri and adds[-1]["target"].endswith("/moderators")
        page = await owner.submit(base, f"{base}/{w.ada.id}", {"action": "demote"})
        assert not await GroupRole.filter(group=w.group, actor=w.ada).exists()
        page = await mia.submit(base, f"{base}/{w.ben.id}", {"action": "promote"})
        assert page.status == 403 and not await GroupRole.filter(group=w.group, actor=w.ben).exists()

        # Ban with an end date: a Block with endTime reaches the banned person's server.
        remote.received.clear()
        until = (NOW + timedelta(days=5)).date()
        page = await mia.submit(base, f"{base}/{w.bea.id}", {"action": "ban", "until": until.isoformat(),
                                                              "reason": "spam"})
        assert page.status == 200 and "They are banned." in page.text
        ban = await GroupBan.get(group=w.group, actor=w.bea)
        assert ban.reason == "spam" and ban.expires_at.date() == until
        await moot.drain()
        (block,) = [r.body for r in remote.received if r.body.get("type") == "Block"]
        assert block["object"] == w.bea.uri and block["target"] == w.group.uri
        assert block["endTime"].startswith(until.isoformat()) and block["summary"] == "spam"
        page = await mia.submit(base, f"{base}/{w.bea.id}", {"action": "unban"})
        assert not await GroupBan.filter(group=w.group, actor=w.bea).exists()
        await moot.drain()
        assert any(r.body.get("type") == "Undo" and r.body["object"].get("type") == "Block" for r in remote.received)

        # Read only until a date (a mute with an end), and a date in the past or missing is refused, form kept.
        page = await mia.submit(base, f"{base}/{w.ben.id}", {"action": "mute", "until": "2001-01-01"})
        assert page.status == 422 and "The expiry must be in the future." in page.text
        page = await mia.submit(base, f"{base}/{w.ben.id}", {"action": "mute", "until": ""})
        assert page.status == 422
        page = await mia.submit(base, f"{base}/{w.ben.id}", {"action": "mute", "until": until.isoformat(),
                                                              "reason": "cool off"})
        assert page.status == 200 and f"Read only until {until.strftime('%-d %b')}" in page.text
        assert (await GroupMute.get(group=w.group, actor=w.ben)).expires_at.date() == until
        page = await mia.submit(base, f"{base}/{w.ben.id}", {"action": "unmute"})
        assert not await GroupMute.filter(group=w.group, actor=w.ben).exists()

        # Tags: define, give, take away, delete.
        page = await mia.submit(base, "/moderation/groups/garden/member-tags", {"name": "Volunteer"})
        assert "The tag was created." in page.text
        tag = await MemberTag.get(group=w.group, name="Volunteer")
        page = await mia.submit(base, "/moderation/groups/garden/member-tags", {"name": "volunteer "[:9]})
        assert page.status == 409
        page = await mia.submit(base, f"{base}/{w.ada.id}", {"action": "tag", "tag": str(tag.id)})
        assert await MemberTagging.filter(tag=tag, actor=w.ada).exists()
        page = await mia.submit(base, f"{base}/{w.dan.id}", {"action": "tag", "tag": str(tag.id)})
        assert page.status == 422  # dan only asked to join
        page = await mia.submit(base, f"{base}/{w.ada.id}", {"action": "untag", "tag": str(tag.id)})
        assert not await MemberTagging.filter(tag=tag, actor=w.ada).exists()
        await mia.submit(base, f"{base}/{w.ada.id}", {"action": "tag", "tag": str(tag.id)})
        page = await mia.submit(base, "/moderation/groups/garden/member-tags", {"delete": str(tag.id)})
        assert "The tag was deleted." in page.text
        assert not await MemberTag.filter(id=tag.id).exists() and not await MemberTagging.filter(actor=w.ada).exists()

        # Remove a member: a Reject ends the membership.
        page = await mia.submit(base, f"{base}/{w.ben.id}", {"action": "remove"})
        assert page.status == 200 and not await Follow.filter(follower=w.ben, target=w.group).exists()
    finally:
        await owner.close()
        await mia.close()


# --- the command line ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("cli_env")
async def test_cli_tags_lists_and_moderates(moot: MootInstance, remote: FakeRemote,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    w = await build_world(moot, remote)
    code, out, _ = await cli(moot, capsys, "members", "define-tag", "garden", "Soil expert")
    assert code == 0 and "Created the tag 'Soil expert'" in out
    code, out, _ = await cli(moot, capsys, "members", "tag", "garden", "ada", "Soil expert")
    assert code == 0 and "Gave 'Soil expert' to ada@" in out
    code, out, _ = await cli(moot, capsys, "members", "list", "garden", "--tag", "Soil expert")
    assert code == 0 and out.splitlines()[0].startswith(f"ada@{moot.host}  member  joined")
    assert "tags: Soil expert" in out and len(out.splitlines()) == 1
    code, out, _ = await cli(moot, capsys, "members", "tags", "garden")
    assert "Soil expert" in out
    until = (NOW + timedelta(days=3)).date().isoformat()
    code, out, _ = await cli(moot, capsys, "members", "mute", "garden", "ben", "--until", until, "--reason", "calm")
    assert code == 0
    code, out, _ = await cli(moot, capsys, "members", "list", "garden", "--standing", "muted")
    assert f"read only until {until} (calm)" in out and out.startswith("ben@") and len(out.splitlines()) == 1
    code, out, _ = await cli(moot, capsys, "members", "ban", "garden", f"bea@{remote.host}", "--reason", "spam")
    assert code == 0
    await moot.drain()
    assert [r.body["object"] for r in remote.received if r.body.get("type") == "Block"] == [w.bea.uri]
    code, out, _ = await cli(moot, capsys, "members", "untag", "garden", "ada", "Soil expert")
    assert code == 0 and not await MemberTagging.filter(actor=w.ada).exists()
    code, _, err = await cli(moot, capsys, "members", "tag", "garden", "dan", "Soil expert")
    assert code == 2 and "only members" in err
    code, _, err = await cli(moot, capsys, "members", "promote", "garden", "ben", "--as", "mia")
    assert code == 2 and "only the group's owner" in err
    code, _, err = await cli(moot, capsys, "members", "list", "nosuch")
    assert code == 2 and "no local group named 'nosuch'" in err
