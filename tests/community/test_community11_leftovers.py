"""Issue 11's leftovers: a group's posts filtered by member tag (page and API), the "Start here" teaser for
newcomers, the moderation log of member tags, join settings and invitation links, and `moot group join-settings|
invite|tags` on the command line."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from federation.actions import StatusInput, create_status
from federation.community import essentials as essentials_actions
from models.actors import Actor
from models.follows import Follow
from models.joining import GroupInvite, JoinSettings
from models.member_tags import MemberTag, MemberTagging
from models.moderation import ModLogEntry
from models.posts import Post
from server.cli import main as cli_main
from tests.community.test_members_directory import NOW, World, build_world, sign_in
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.web.browser import FormClient
from tests.cli_helpers import cli, cli_env  # noqa: F401 (cli_env is a fixture)

SENTENCE = re.compile(r'<p class="modlog-sentence">(.*?)</p>', re.S)


def sentences(html: str) -> list[str]:
    return [" ".join(unescape(re.sub(r"<[^>]+>", "", found)).split()) for found in SENTENCE.findall(html)]


async def thread(w: World, author: Actor, title: str, days_ago: int = 0) -> Post:
    w.moot.use()
    made = await create_status(w.moot.fed, author, StatusInput(text=title, group=w.group, title=title))
    await Post.filter(id=made.id).update(published=NOW - timedelta(days=days_ago, minutes=1))
    return made


async def titles(w: World, token: str | None = None, **params: str) -> list[str]:
    status, body = await w.moot.api("GET", f"/api/moot/v1/groups/{w.group.id}/posts", token, params=params)
    assert status == 200, body
    return sorted(post["title"] for post in body["posts"])


# --- 1. the Posts tab by member tag -------------------------------------------------------------------------------


async def test_a_groups_posts_filter_by_member_tag_on_the_page_and_the_api(moot: MootInstance,
                                                                         remote: FakeRemote) -> None:
    w = await build_world(moot, remote)
    await Follow.filter(target=w.group).update(accepted_at=NOW - timedelta(days=40))
    await Follow.filter(target=w.group, follower=w.ben).update(accepted_at=NOW - timedelta(days=2))  # ben is New
    soil = await MemberTag.create(group=w.group, name="Soil expert")
    await MemberTagging.create(tag=soil, group=w.group, actor=w.ada)
    await thread(w, w.ada, "Compost layers", days_ago=40)
    await thread(w, w.ben, "Slug traps", days_ago=40)
    await thread(w, w.mia, "Open day", days_ago=40)

    assert await titles(w, member_tag=str(soil.id)) == ["Compost layers"]
    assert await titles(w, member_tag="new") == ["Slug traps"]
    assert await titles(w) == ["Compost layers", "Open day", "Slug traps"]
    status, body = await moot.api("GET", f"/api/moot/v1/groups/{w.group.id}/posts", None,
                                  params={"member_tag": "nonsense"})
    assert status == 422 and "member_tag" in str(body)

    visitor = FormClient(moot.base_url)
    try:
        page = await visitor.get(f"/groups/garden?tag={soil.id}")
        assert page.status == 200
        assert "Compost layers" in page.text and "Slug traps" not in page.text and "Open day" not in page.text
        assert "Posts by members with the tag Soil expert" in page.text
        assert 'href="/groups/garden">Show all posts</a>' in page.text
        # The sort links keep the tag; an unknown tag shows every post.
        assert f'href="/groups/garden?sort=top&amp;tag={soil.id}"' in page.text
        page = await visitor.get("/groups/garden?tag=999999")
        assert all(t in page.text for t in ("Compost layers", "Slug traps", "Open day"))
        page = await visitor.get("/groups/garden?tag=active")  # nobody posted in the last 30 days
        assert "No posts by members with this tag." in page.text and "Compost layers" not in page.text
    finally:
        await visitor.close()

    # The members directory's tag chips link to these posts.
    browser = await sign_in(moot, w.mia)
    try:
        page = await browser.get("/moderation/groups/garden/members")
        assert f'<a class="badge member-tag" href="/groups/garden?tag={soil.id}"' in page.text
    finally:
        await browser.close()


async def test_the_tag_filter_never_shows_a_private_groups_posts(moot: MootInstance, remote: FakeRemote) -> None:
    w = await build_world(moot, remote, private=True)
    soil = await MemberTag.create(group=w.group, name="Soil expert")
    await MemberTagging.create(tag=soil, group=w.group, actor=w.ada)
    await thread(w, w.ada, "Kanarie compost", days_ago=1)
    outsider, outsider_token = await moot.user("olga")
    assert await titles(w, w.ada_token, member_tag=str(soil.id)) == ["Kanarie compost"]
    status, _ = await moot.api("GET", f"/api/moot/v1/groups/{w.group.id}/posts", outsider_token,
                               params={"member_tag": str(soil.id)})
    assert status == 403
    visitor = FormClient(moot.base_url)
    try:
        for tag in (str(soil.id), "new", "active"):
            page = await visitor.get(f"/groups/garden?tag={tag}")
            assert "Kanarie" not in page.text and "Soil expert" not in page.text
    finally:
        await visitor.close()


# --- 3. the "Start here" teaser -----------------------------------------------------------------------------------


async def test_newcomers_see_a_start_here_card_linking_to_the_essentials(moot: MootInstance,
                                                                        remote: FakeRemote) -> None:
    w = await build_world(moot, remote)
    await Follow.filter(target=w.group).update(accepted_at=NOW - timedelta(days=40))
    await Follow.filter(target=w.group, follower=w.ben).update(accepted_at=NOW - timedelta(days=3))
    posts = [await thread(w, w.owner, title) for title in ("House rules", "Compost guide", "Slug FAQ", "Tools")]
    moot.use()
    guides = await essentials_actions.create_section(w.owner, w.group, "Guides")
    start = await essentials_actions.create_section(w.owner, w.group, "Start here", start_here=True)
    await essentials_actions.add_thread(w.owner, posts[3], guides)
    for post in posts[:3]:
        await essentials_actions.add_thread(w.owner, post, start)

    def teaser(html: str) -> str:
        if 'class="card start-here-teaser"' not in html:
            return ""
        return html.split('class="card start-here-teaser"', 1)[1].split("</section>", 1)[0]

    visitor = FormClient(moot.base_url)
    ben = await sign_in(moot, w.ben)
    ada = await sign_in(moot, w.ada)
    try:
        for client in (visitor, ben):  # not a member, and a member of three days
            card = teaser((await client.get("/groups/garden")).text)
            assert "New here? Start with these" in card
            # "Start here" first, three threads at most, each linked to its thread.
            assert re.findall(r'<a href="/threads/\d+">([^<]+)</a>', card) == ["House rules", "Compost guide",
                                                                              "Slug FAQ"]
            assert 'href="/groups/garden/essentials"' in card and "Tools" not in card
        assert teaser((await ada.get("/groups/garden")).text) == ""  # a member for 40 days
        assert teaser((await visitor.get("/groups/garden?page=2")).text) == ""
    finally:
        for client in (visitor, ben, ada):
            await client.close()


# --- 2. the moderation log ----------------------------------------------------------------------------------------


async def test_member_tags_join_settings_and_invitations_are_in_the_moderation_log(moot: MootInstance,
                                                                                   remote: FakeRemote) -> None:
    w = await build_world(moot, remote)
    status, tag = await w.api("POST", "/member_tags", w.mia_token, json={"name": "Volunteer"})
    assert status == 201
    status, _ = await w.api("POST", f"/members/{w.ada.id}/tags", w.mia_token, json={"tag": tag["id"]})
    assert status == 200
    status, _ = await w.api("DELETE", f"/members/{w.ada.id}/tags/{tag['id']}", w.mia_token)
    assert status == 200
    status, renamed = await w.api("PATCH", f"/member_tags/{tag['id']}", w.mia_token, json={"name": "Helper"})
    assert status == 200 and renamed == {"id": tag["id"], "name": "Helper"}
    status, _ = await w.api("PATCH", f"/member_tags/{tag['id']}", w.ada_token, json={"name": "Boss"})
    assert status == 403
    # The members directory renames too (the sidebar's Rename form).
    mia = await sign_in(moot, w.mia)
    try:
        page = await mia.submit("/moderation/groups/garden/members", "/moderation/groups/garden/member-tags",
                                {"rename": tag["id"], "name": "Helpers"})
        assert page.status == 200 and "The tag was renamed." in page.text
        page = await mia.submit("/moderation/groups/garden/members", "/moderation/groups/garden/member-tags",
                                {"rename": tag["id"], "name": ""})
        assert page.status == 422 and "give the tag a name" in page.text.lower()
    finally:
        await mia.close()
    status, _ = await w.api("DELETE", f"/member_tags/{tag['id']}", w.mia_token)
    assert status == 200
    status, body = await w.api("PATCH", "/joining", w.mia_token, json={"require_rules": True,
                                                                       "welcome_message": "Hello!"})
    assert status == 200, body
    status, invite = await w.api("POST", "/invites", w.mia_token, json={"max_uses": 5})
    assert status in (200, 201), invite
    status, _ = await w.api("DELETE", f"/invites/{invite['id']}", w.mia_token)
    assert status == 200

    expected = [
        "mia created the member tag “Volunteer” in garden",
        "mia gave ada the tag “Volunteer” in garden",
        "mia took the tag “Volunteer” away from ada in garden",
        "mia renamed the member tag “Volunteer” to “Helper” in garden",
        "mia renamed the member tag “Helper” to “Helpers” in garden",
        "mia deleted the member tag “Helpers” in garden",
        "mia changed whether people must agree to the rules and the welcome message for joining garden",
        "mia created an invitation link for garden",
        "mia withdrew an invitation link for garden",
    ]
    browser = await sign_in(moot, w.owner)
    try:
        said = sentences((await browser.get("/moderation/groups/garden?lang=en")).text)
    finally:
        await browser.close()
    for sentence in expected:
        assert sentence in said, (sentence, said)
    # Nothing names the invitation's code; a second identical save records nothing.
    moot.use()
    code = (await GroupInvite.get(id=int(invite["id"]))).code
    assert not await ModLogEntry.filter(target__contains=code).exists()
    before = await ModLogEntry.filter(action="joining.settings").count()
    status, _ = await w.api("PATCH", "/joining", w.mia_token, json={"require_rules": True})
    assert await ModLogEntry.filter(action="joining.settings").count() == before


# --- 5. the command line ------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("cli_env")
async def test_the_cli_sets_join_settings_invitations_and_tags(moot: MootInstance, remote: FakeRemote,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    w = await build_world(moot, remote, private=True)
    code, out, err = await cli(moot, capsys, "group", "join-settings", "garden", "--question", "Where is your plot?",
                               "--question", "What do you grow?", "--rules-required", "--welcome", "Welcome!")
    assert code == 0, err
    assert "rules must be agreed to: yes" in out and "2. What do you grow?" in out
    settings = await JoinSettings.get(group=w.group)
    assert settings.questions == ["Where is your plot?", "What do you grow?"] and settings.require_rules
    assert settings.welcome == "Welcome!"
    code, out, _ = await cli(moot, capsys, "group", "join-settings", "garden", "--no-questions", "--no-rules-required")
    assert code == 0 and "questions: none" in out and "rules must be agreed to: no" in out
    code, _, err = await cli(moot, capsys, "group", "join-settings", "garden", *["--question", "Why?"] * 4)
    assert code == 2 and "at most 3 questions" in err
    code, _, err = await cli(moot, capsys, "group", "join-settings", "nosuchgroup")
    assert code == 2 and "no local group named 'nosuchgroup'" in err

    code, out, err = await cli(moot, capsys, "group", "invite", "create", "garden", "--uses", "2", "--days", "7")
    assert code == 0, err
    invite = await GroupInvite.get(group=w.group)
    assert invite.max_uses == 2 and invite.expires_at is not None
    assert f"{moot.base_url}/groups/garden/join?invite={invite.code}" in out
    code, out, _ = await cli(moot, capsys, "group", "invite", "list", "garden")
    assert code == 0 and out.startswith(f"{invite.id}  active  used 0 of 2")
    code, out, _ = await cli(moot, capsys, "group", "invite", "revoke", "garden", str(invite.id))
    assert code == 0 and (await GroupInvite.get(id=invite.id)).revoked_at is not None
    code, out, _ = await cli(moot, capsys, "group", "invite", "list", "garden")
    assert "revoked" in out
    code, _, err = await cli(moot, capsys, "group", "invite", "revoke", "garden", "999999")
    assert code == 2 and "no such invitation" in err
    code, _, err = await cli(moot, capsys, "group", "invite", "create", "garden", "--uses", "0")
    assert code == 2 and "number of uses" in err

    code, out, _ = await cli(moot, capsys, "group", "tags", "list", "garden")
    assert code == 0 and "no member tags yet" in out
    code, out, _ = await cli(moot, capsys, "group", "tags", "define", "garden", "Volunteer")
    assert code == 0 and "Created the tag 'Volunteer'" in out
    code, _, err = await cli(moot, capsys, "group", "tags", "define", "garden", "volunteer")
    assert code == 2 and "already has a tag" in err
    code, out, _ = await cli(moot, capsys, "group", "tags", "rename", "garden", "Volunteer", "Helper")
    assert code == 0
    code, out, _ = await cli(moot, capsys, "group", "tags", "list", "garden")
    assert out.split() == [str((await MemberTag.get(group=w.group)).id), "Helper"]
    code, out, _ = await cli(moot, capsys, "group", "tags", "delete", "garden", "Helper")
    assert code == 0 and not await MemberTag.filter(group=w.group).exists()
    code, _, err = await cli(moot, capsys, "group", "tags", "delete", "garden", "Helper")
    assert code == 2 and "no such tag" in err
    # Each change is in the group's moderation log.
    actions = set(await ModLogEntry.filter(group=w.group).values_list("action", flat=True))
    assert {"joining.settings", "group_invite.created", "group_invite.revoked", "member_tag.defined",
            "member_tag.renamed", "member_tag.deleted"} <= actions


def test_each_cli_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["group", "join-settings"], ["group", "invite", "create"], ["group", "invite", "list"],
                 ["group", "invite", "revoke"], ["group", "tags", "list"], ["group", "tags", "define"],
                 ["group", "tags", "rename"], ["group", "tags", "delete"]):
        with pytest.raises(SystemExit) as exit_:
            cli_main([*argv, "--help"])
        assert exit_.value.code == 0
        assert "usage: moot group" in capsys.readouterr().out
