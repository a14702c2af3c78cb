"""The group API (/api/moot/v1): creating, reading and editing groups, joining, posting, paging, threads
and votes, and the `moot group` commands."""
from __future__ import annotations

import io
import sqlite3
import sys
from pathlib import Path

import pytest

from models.follows import ACCEPTED, Follow
from models.posts import Post
from server.cli import main
from tests.conftest import MootInstance
from tests.fakeremote import PUBLIC, FakeRemote
from tests.groups.helpers import (
    deliver,
    lemmy_page,
    make_group,
    received_at,
    remote_member,
    wrapped,
)

GROUPS = "/api/moot/v1/groups"


# --- creating and reading -------------------------------------------------------------------


async def test_create_group_answers_201_with_its_settings(moot: MootInstance) -> None:
    owner, token = await moot.user("ada")
    status, body = await moot.api("POST", GROUPS, token, json={
        "name": "gardening", "display_name": "Gardening", "description": "All things green.",
        "rules": "Be kind\nNo spam", "restricted_posting": True,
    })
    assert status == 201, body
    assert body["uri"] == f"{moot.base_url}/groups/gardening"
    assert body["name"] == "gardening" and body["handle"] == f"gardening@{moot.host}"
    assert body["display_name"] == "Gardening" and body["description"] == "All things green."
    assert body["rules"] == "Be kind\nNo spam" and "<li>Be kind</li>" in body["summary"]
    assert body["private"] is False and body["restricted_posting"] is True
    assert body["non_member_posts"] == "accept"  # the default of a public group
    assert body["local"] is True and body["members_count"] == 1  # the owner is the first member
    assert body["moderators"] == [str(owner.id)]


async def test_private_group_rejects_non_members_by_default(moot: MootInstance) -> None:
    _, token = await moot.user("ada")
    status, body = await moot.api("POST", GROUPS, token, json={"name": "secret", "private": True})
    assert status == 201, body
    assert body["private"] is True and body["non_member_posts"] == "reject"


@pytest.mark.parametrize("payload, message", [
    ({}, "name is required"),
    ({"name": "Bad Name"}, "not a valid name"),
    ({"name": "admin"}, "reserved"),
    ({"name": "gardening", "non_member_posts": "maybe"}, "non-member posts must be one of"),
])
async def test_create_group_errors_are_422(moot: MootInstance, payload: dict, message: str) -> None:
    _, token = await moot.user("ada")
    status, body = await moot.api("POST", GROUPS, token, json=payload)
    assert status == 422 and message in body["error"], body


async def test_group_name_can_be_taken_only_once(moot: MootInstance) -> None:
    await make_group(moot)
    _, token = await moot.user("bob")
    status, body = await moot.api("POST", GROUPS, token, json={"name": "gardening"})
    assert status == 422 and "already exists" in body["error"], body


async def test_create_group_needs_a_token(moot: MootInstance) -> None:
    status, body = await moot.api("POST", GROUPS, None, json={"name": "gardening"})
    assert status == 401 and "error" in body


async def test_get_group_by_id_and_by_name(moot: MootInstance) -> None:
    group, _, _, created = await make_group(moot)
    status, by_id = await moot.api("GET", f"{GROUPS}/{group.id}")
    assert status == 200 and by_id == created
    status, by_name = await moot.api("GET", f"{GROUPS}/gardening")
    assert status == 200 and by_name == created
    status, body = await moot.api("GET", f"{GROUPS}/nothing_here")
    assert status == 404 and "error" in body


# --- editing --------------------------------------------------------------------------------


async def test_moderator_edit_federates_update_group_from_the_group_itself(
    moot: MootInstance, remote: FakeRemote
) -> None:
    group, _, token, _ = await make_group(moot)
    await remote_member(moot, remote, group, "bea")
    remote.received.clear()

    status, body = await moot.api("PATCH", f"{GROUPS}/{group.id}", token, json={
        "display_name": "Gardeners United", "description": "Grow things.", "rules": "Share seeds",
        "restricted_posting": True,
    })
    assert status == 200, body
    assert body["display_name"] == "Gardeners United" and body["restricted_posting"] is True
    await moot.drain()

    (update,) = remote.activities("Update")
    # Mastodon ignores an Update whose actor is not the object: both are the group.
    assert update["actor"] == group.uri and update["object"]["id"] == group.uri
    assert update["object"]["type"] == "Group" and update["object"]["name"] == "Gardeners United"
    assert "Grow things." in update["object"]["summary"] and "<li>Share seeds</li>" in update["object"]["summary"]
    assert update["object"]["postingRestrictedToMods"] is True
    assert update["to"] == [PUBLIC] and update["cc"] == [group.followers_url]
    assert all(r.verified for r in remote.received)
    status, doc = await moot.get_ap(group.uri)
    assert doc["name"] == "Gardeners United"


async def test_non_moderator_cannot_edit(moot: MootInstance, remote: FakeRemote) -> None:
    group, _, _, _ = await make_group(moot)
    await remote_member(moot, remote, group, "bea")
    remote.received.clear()
    _, token = await moot.user("nora")
    status, body = await moot.api("PATCH", f"{GROUPS}/{group.id}", token, json={"display_name": "Mine"})
    assert status == 403 and "moderators" in body["error"], body
    await moot.drain()
    assert remote.received == []
    status, body = await moot.api("GET", f"{GROUPS}/{group.id}")
    assert body["display_name"] == "gardening"


async def test_edit_with_a_bad_setting_is_422(moot: MootInstance) -> None:
    group, _, token, _ = await make_group(moot)
    status, body = await moot.api("PATCH", f"{GROUPS}/{group.id}", token, json={"non_member_posts": "maybe"})
    assert status == 422 and "non-member posts" in body["error"], body


# --- membership and posting -----------------------------------------------------------------


async def test_local_user_joins_and_leaves_a_public_group(moot: MootInstance) -> None:
    group, _, _, _ = await make_group(moot)
    nora, token = await moot.user("nora")
    status, body = await moot.api("POST", f"{GROUPS}/{group.id}/join", token)
    assert status == 200 and body == {"group_id": str(group.id), "state": "member"}
    status, members = await moot.api("GET", f"{GROUPS}/{group.id}/members", token)
    assert status == 200 and str(nora.id) in [m["id"] for m in members]

    status, body = await moot.api("POST", f"{GROUPS}/{group.id}/leave", token)
    assert status == 200 and body["state"] == "none"
    moot.use()
    assert not await Follow.filter(target=group, follower=nora, state=ACCEPTED).exists()


async def test_member_posts_a_page_with_a_title(moot: MootInstance, remote: FakeRemote) -> None:
    group, _, _, _ = await make_group(moot)
    await remote_member(moot, remote, group, "bea")
    remote.received.clear()
    nora, token = await moot.user("nora")
    await moot.api("POST", f"{GROUPS}/{group.id}/join", token)

    status, body = await moot.api("POST", f"{GROUPS}/{group.id}/posts", token,
                                  json={"title": "First tomatoes", "body": "Look at them"})
    assert status == 201, body
    assert body["type"] == "Page" and body["title"] == "First tomatoes" and body["group_id"] == str(group.id)
    moot.use()
    post = await Post.get(id=int(body["id"]))
    assert post.type == "Page" and post.name == "First tomatoes" and post.group_id == group.id
    await moot.drain()
    # Relayed by the group to remote members, as a Page whose name is the title.
    (create,) = wrapped(remote, group, "Create")
    assert create["actor"] == nora.uri and create["object"]["type"] == "Page"
    assert create["object"]["name"] == "First tomatoes" and create["object"]["audience"] == group.uri


async def test_post_without_a_title_is_422(moot: MootInstance) -> None:
    group, _, token, _ = await make_group(moot)
    status, body = await moot.api("POST", f"{GROUPS}/{group.id}/posts", token, json={"body": "no title"})
    assert status == 422 and "title" in body["error"], body


async def test_posts_are_paged_with_pinned_first(moot: MootInstance) -> None:
    group, _, token, _ = await make_group(moot)
    ids = []
    for number in range(21):
        status, body = await moot.api("POST", f"{GROUPS}/{group.id}/posts", token, json={"title": f"Post {number}"})
        assert status == 201, body
        ids.append(body["id"])
    status, body = await moot.api("POST", f"/api/moot/v1/posts/{ids[0]}/pin", token)
    assert status == 200 and body["pinned"] is True

    status, first = await moot.api("GET", f"{GROUPS}/{group.id}/posts")
    assert status == 200 and first["page"] == 1 and first["total"] == 21 and first["next_page"] == 2
    titles = [post["title"] for post in first["posts"]]
    # The pinned (oldest) post leads, then the newest first.
    assert titles == ["Post 0"] + [f"Post {n}" for n in range(20, 1, -1)]
    status, second = await moot.api("GET", f"{GROUPS}/{group.id}/posts?page=2")
    assert status == 200 and second["next_page"] is None
    assert [post["title"] for post in second["posts"]] == ["Post 1"]
    status, body = await moot.api("GET", f"{GROUPS}/{group.id}/posts?page=0")
    assert status == 400 and "page" in body["error"]


async def test_thread_nests_replies(moot: MootInstance) -> None:
    group, _, token, _ = await make_group(moot)
    _, nora_token = await moot.user("nora")
    await moot.api("POST", f"{GROUPS}/{group.id}/join", nora_token)
    status, root = await moot.api("POST", f"{GROUPS}/{group.id}/posts", token, json={"title": "Seeds", "body": "Swap?"})
    assert status == 201

    async def reply(to: str, text: str, as_token: str) -> str:
        status, body = await moot.api("POST", "/api/v1/statuses", as_token, json={"status": text, "in_reply_to_id": to})
        assert status == 200, body
        return body["id"]

    first = await reply(root["id"], "I have beans", nora_token)
    nested = await reply(first, "Trade for squash?", token)
    deeper = await reply(nested, "Deal", nora_token)
    second = await reply(root["id"], "Me too", token)

    status, thread = await moot.api("GET", f"/api/moot/v1/posts/{root['id']}/thread")
    assert status == 200 and thread["id"] == root["id"]

    def shape(node: dict) -> list:
        return [(child["id"], shape(child)) for child in node["replies"]]

    assert shape(thread) == [(first, [(nested, [(deeper, [])])]), (second, [])]
    # Replies joined the group of their thread, and the thread is not a top-level post.
    assert all(child["group_id"] == str(group.id) for child in thread["replies"])
    status, listing = await moot.api("GET", f"{GROUPS}/{group.id}/posts")
    assert [post["id"] for post in listing["posts"]] == [root["id"]]


async def test_member_like_is_relayed_as_announce_of_like(moot: MootInstance, remote: FakeRemote) -> None:
    group, _, _, _ = await make_group(moot)
    bea, _ = await remote_member(moot, remote, group, "bea")
    create = lemmy_page(bea, group)
    await deliver(moot, remote, bea, group, create)
    post = await Post.get(uri=create["object"]["id"])
    remote.received.clear()
    nora, token = await moot.user("nora")
    await moot.api("POST", f"{GROUPS}/{group.id}/join", token)

    status, body = await moot.api("POST", f"/api/v1/statuses/{post.id}/favourite", token)
    assert status == 200, body
    await moot.drain()
    (like,) = wrapped(remote, group, "Like")
    assert like["actor"] == nora.uri and like["object"] == post.uri and like["audience"] == group.uri
    # The author's own inbox hears the very same Like, which Lemmy counts.
    assert received_at(remote, "/users/bea/inbox", "Like") == [like]
    status, listing = await moot.api("GET", f"{GROUPS}/{group.id}/posts")
    assert listing["posts"][0]["upvotes"] == 1


# --- the command line -----------------------------------------------------------------------


GROUP_COMMANDS = [["group"], ["group", "create"], ["group", "requests"], ["group", "approve"], ["group", "reject"]]


@pytest.mark.parametrize("command", GROUP_COMMANDS, ids=" ".join)
def test_group_commands_have_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: moot {' '.join(command)}" in capsys.readouterr().out


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    database = tmp_path / "cli.sqlite3"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MOOT_DATABASE_URL", f"sqlite://{database}")
    monkeypatch.setenv("MOOT_BASE_URL", "https://moot.example")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    return database


def test_cli_creates_a_private_group_with_rules(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    assert main(["user", "create", "ada", "--password-stdin"]) == 0
    capsys.readouterr()
    assert main(["group", "create", "gardening", "--owner", "ada", "--display-name", "Gardening",
                 "--summary", "All things green", "--rules", "Be kind\nNo spam",
                 "--private", "--restricted-posting"]) == 0
    out = capsys.readouterr().out
    assert "Created private group @gardening@moot.example (https://moot.example/groups/gardening)" in out

    with sqlite3.connect(cli_env) as db:
        row = db.execute(
            "SELECT a.uri, a.display_name, a.summary, a.manually_approves, a.posting_restricted_to_mods,"
            " p.is_private, p.non_member_posts, p.rules FROM actor a JOIN group_profile p ON p.group_id = a.id"
            " WHERE a.group_name = 'gardening'"
        ).fetchone()
        owner = db.execute(
            "SELECT o.local_name, r.role FROM group_role r JOIN actor o ON o.id = r.actor_id"
            " JOIN actor g ON g.id = r.group_id WHERE g.group_name = 'gardening'"
        ).fetchall()
    uri, display_name, summary, private, restricted, profile_private, non_member_posts, rules = row
    assert uri == "https://moot.example/groups/gardening" and display_name == "Gardening"
    assert "All things green" in summary and "<li>Be kind</li><li>No spam</li>" in summary
    assert private and restricted and profile_private and rules == "Be kind\nNo spam"
    assert non_member_posts == "reject"
    assert owner == [("ada", "owner")]


def test_cli_group_create_errors(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    assert main(["user", "create", "ada", "--password-stdin"]) == 0
    capsys.readouterr()
    assert main(["group", "create", "gardening", "--owner", "ghost"]) == 2
    assert "no local user named 'ghost'" in capsys.readouterr().err
    assert main(["group", "create", "gardening", "--owner", "ada"]) == 0
    assert main(["group", "create", "gardening", "--owner", "ada"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["group", "create", "Not OK", "--owner", "ada"]) == 2
    assert "not a valid name" in capsys.readouterr().err
