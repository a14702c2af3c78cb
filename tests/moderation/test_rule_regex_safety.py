"""Content rules cannot stall the server: regex rules run on RE2 (linear time), patterns RE2 cannot run are
refused wherever rules are made (API, web form, CLI), and rules look at a bounded amount of text."""
from __future__ import annotations

import asyncio
import io
import sys
import time

import pytest

from models.actors import LocalUser
from models.groups import HeldActivity
from models.moderation import ContentRule
from models.posts import Post
from models.queues import InboxItem
from server import keys
from server.cli import main
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.groups.helpers import lemmy_page, make_group
from tests.moderation.helpers import admin, group_with_member
from tests.web.browser import FormClient
from web.passwords import hash_password

REFUSED = ["(a)\\1", "(?=spam)offer", "(?<!no )spam", "(?!x)y"]


async def test_a_catastrophic_regex_cannot_stall_intake(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner_token, bea = await group_with_member(moot, remote)
    # Any group owner may add a regex rule: (a+)+$ backtracks exponentially in Python's re.
    status, rule = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/rules", owner_token,
                                  json={"pattern": "(a+)+$", "is_regex": True, "action": "reject"})
    assert status == 201, rule
    hostile = lemmy_page(bea, group, title="Look", content="<p>" + "a" * 26 + "!</p>")
    matching = lemmy_page(bea, group, title="Ends in", content="<p>aaaa</p>")
    for activity in (hostile, matching):
        status, body = await remote.send(bea, group.inbox, activity)
        assert status == 202, body
    started = time.monotonic()
    await moot.drain()
    assert time.monotonic() - started < 2.0
    # The rule still works: it did not match the first post and rejected the second.
    assert await Post.filter(uri=hostile["object"]["id"], group=group).exists()
    assert (await InboxItem.get(activity_id=matching["id"])).outcome == "rejected"


@pytest.mark.parametrize("pattern", REFUSED)
async def test_the_api_refuses_patterns_re2_cannot_run(moot: MootInstance, pattern: str) -> None:
    _, root_token = await admin(moot)
    status, body = await moot.api("POST", "/api/moot/v1/admin/content_rules", root_token,
                                  json={"pattern": pattern, "is_regex": True, "action": "reject"})
    assert status == 422
    assert "RE2 syntax: no backreferences or lookarounds" in body["error"]
    # As a keyword the same text is fine: it is matched literally.
    status, body = await moot.api("POST", "/api/moot/v1/admin/content_rules", root_token,
                                  json={"pattern": pattern, "action": "reject"})
    assert status == 201, body
    assert await ContentRule.filter(is_regex=True).count() == 0


async def test_the_rule_form_says_which_syntax_and_refuses_others(moot: MootInstance) -> None:
    await admin(moot)  # without one, every page leads to /setup
    group, owner, _, _ = await make_group(moot)
    await LocalUser.filter(actor=owner).update(password_hash=hash_password("correct horse battery"))
    browser = FormClient(moot.base_url)
    try:
        await browser.submit("/login", "/login", {"username": owner.local_name, "password": "correct horse battery"})
        queue = f"/moderation/groups/{group.group_name}"
        page = await browser.get(queue)
        assert page.status == 200 and "RE2 syntax: no backreferences or lookarounds" in page.text
        page = await browser.submit(queue, queue + "/rules", {"pattern": "(a)\\1", "is_regex": "1", "action": "hold"})
        assert page.status == 422 and "RE2 syntax" in page.text and "invalid escape sequence" in page.text
        assert not await ContentRule.exists()
    finally:
        await browser.close()


async def test_the_cli_refuses_patterns_re2_cannot_run(
    moot: MootInstance, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    await admin(moot)
    monkeypatch.setenv("MOOT_DATABASE_URL", moot.app[keys.SETTINGS].database_url)
    monkeypatch.setenv("MOOT_BASE_URL", moot.base_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code = await asyncio.to_thread(main, ["admin", "rule", "add", "(?=x)y", "--regex", "--action", "reject"])
    assert code == 2
    assert "RE2 syntax: no backreferences or lookarounds" in capsys.readouterr().err
    code = await asyncio.to_thread(main, ["admin", "rule", "add", r"buy\s+now", "--regex", "--action", "reject"])
    assert code == 0
    moot.use()
    assert await ContentRule.filter(is_regex=True).values_list("pattern", flat=True) == [r"buy\s+now"]


async def test_a_stored_pattern_re2_cannot_run_is_skipped_not_fatal(moot: MootInstance, remote: FakeRemote) -> None:
    group, _, bea = await group_with_member(moot, remote)
    # A rule stored before regex rules ran on RE2 (or written to the database by hand).
    await ContentRule.create(group=None, pattern="(spam)\\1", is_regex=True, action="reject", targets=["text"])
    await ContentRule.create(group=None, pattern="tomatoes", is_regex=False, action="hold", targets=["text"])
    create = lemmy_page(bea, group, title="Tomatoes for sale")
    await remote.send(bea, group.inbox, create)
    await moot.drain()
    (held,) = await HeldActivity.filter(state="held")
    assert held.activity_uri == create["id"]


async def test_rules_look_at_the_first_100000_characters(moot: MootInstance, remote: FakeRemote) -> None:
    group, _, bea = await group_with_member(moot, remote)
    _, root_token = await admin(moot)
    status, body = await moot.api("POST", "/api/moot/v1/admin/content_rules", root_token,
                                  json={"pattern": "needle", "action": "reject"})
    assert status == 201, body
    early = lemmy_page(bea, group, title="Post", content="<p>needle " + "x" * 100_000 + "</p>")
    late = lemmy_page(bea, group, title="Post", content="<p>" + "x" * 100_000 + " needle</p>")
    for activity in (early, late):
        status, body = await remote.send(bea, group.inbox, activity)
        assert status == 202, body
    await moot.drain()
    assert (await InboxItem.get(activity_id=early["id"])).outcome == "rejected"
    assert await Post.filter(uri=late["object"]["id"], group=group).exists()
