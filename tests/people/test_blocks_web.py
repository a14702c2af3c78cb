"""Personal blocks and mutes on the web pages, without JavaScript: the menu on profiles and posts, the pages
that ask first, the forms, the settings tab, and a blocked author's posts folded away inside a group."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from federation.resolve import get_actor
from models.personal_blocks import PersonalBlock, PersonalMute
from tests.community.test_profile_reports import sign_in
from tests.community.test_search import post_in
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.groups.helpers import make_group, received_at


async def test_block_and_mute_from_the_pages_fold_posts_in_groups_and_list_in_settings(
    moot: MootInstance, remote: FakeRemote
) -> None:
    await moot.user("hal", is_admin=True)  # an instance with an admin is set up (no /setup redirect)
    group, _, owner_token, _ = await make_group(moot, "allotment")
    ada, ada_token = await moot.user("ada")
    bob, bob_token = await moot.user("bob")
    for token in (ada_token, bob_token):
        code, body = await moot.api("POST", f"/api/moot/v1/groups/{group.id}/join", token)
        assert code == 200, body
    root = await post_in(moot, group, ada_token, "Compost questions", "Hot or cold heap?")
    bob_root = await post_in(moot, group, bob_token, "Bob's marrow", "Biggest marrow ever")
    code, reply = await moot.api("POST", "/api/v1/statuses", bob_token,
                                 json={"status": "Hot, always hot", "in_reply_to_id": str(root)})
    assert code == 200, reply
    browser = await sign_in(moot, ada)
    try:
        # The menu on bob's profile and under his reply leads to pages that ask first.
        page = await browser.get("/@bob")
        assert f'href="/actors/{bob.id}/block?next=/%40bob"' in page.text or f"/actors/{bob.id}/block?next=" in page.text
        thread = await browser.get(f"/threads/{root}")
        assert f"/actors/{bob.id}/mute?next=" in thread.text and "Hot, always hot" in thread.text
        ask = await browser.get(f"/actors/{bob.id}/block?next=/@bob")
        assert ask.status == 200 and "Block bob?" in ask.text and "cannot follow you again" in ask.text
        moot.use()
        assert not await PersonalBlock.filter(actor_id=ada.id).exists()  # asking blocks nobody

        done = await browser.submit(f"/actors/{bob.id}/block?next=/@bob", f"/actors/{bob.id}/block", {"next": "/@bob"})
        assert done.status == 200 and done.url.endswith("/@bob?notice=blocked"), done.url
        assert "Blocked. You will no longer see their posts" in done.text
        assert f'/actors/{bob.id}/block?next=' in done.text and "Unblock bob…" in done.text  # the menu knows
        moot.use()
        assert await PersonalBlock.filter(actor_id=ada.id, target_id=bob.id).exists()

        # In the group: bob's thread is a folded row with a link; in ada's thread his reply is folded, still there.
        group_page = await browser.get("/groups/allotment")
        assert "Post by someone you blocked or muted" in group_page.text
        assert f'href="/threads/{bob_root}"' in group_page.text and "Bob&#39;s marrow" not in group_page.text
        thread = await browser.get(f"/threads/{root}")
        assert '<details class="folded-post">' in thread.text and "Hot, always hot" in thread.text
        # Opened on purpose, his own thread shows in full.
        assert "Biggest marrow ever" in (await browser.get(f"/threads/{bob_root}")).text

        # A remote account, muted from its profile page for an hour, notifications still shown.
        zed = remote.add_actor("zed")
        moot.use()
        zed_actor = await get_actor(moot.fed, zed.uri)
        profile = await browser.get(f"/@zed@{remote.host}")
        assert f"/actors/{zed_actor.id}/mute?next=" in profile.text
        form = await browser.get(f"/actors/{zed_actor.id}/mute")
        assert 'name="notifications"' in form.text and 'name="duration"' in form.text
        muted = await browser.submit(f"/actors/{zed_actor.id}/mute", f"/actors/{zed_actor.id}/mute",
                                     {"duration": "3600", "next": f"/@zed@{remote.host}"})
        assert muted.status == 200 and "notice=muted" in muted.url
        moot.use()
        mute = await PersonalMute.get(actor_id=ada.id, target_id=zed_actor.id)
        assert mute.notifications is False and mute.expires_at is not None
        assert timedelta(minutes=58) < mute.expires_at - datetime.now(timezone.utc) <= timedelta(hours=1)
        bad = await browser.submit(f"/actors/{zed_actor.id}/mute", f"/actors/{zed_actor.id}/mute", {"duration": "7"})
        assert bad.status == 422 and "Choose how long the mute lasts." in bad.text
        await moot.drain()
        assert remote.received == [] or all(r.body.get("type") != "Block" for r in remote.received)  # mutes are local

        # Blocking zed from the page sends Block to zed's inbox.
        await browser.submit(f"/actors/{zed_actor.id}/block", f"/actors/{zed_actor.id}/block", {"next": "/home"})
        await moot.drain()
        (block,) = received_at(remote, "/users/zed/inbox", "Block")
        assert block["actor"] == ada.uri and block["object"] == zed.uri

        # Settings: both lists, with Unblock / Unmute.
        settings = await browser.get("/settings/blocks")
        assert settings.status == 200 and 'aria-current="page">Blocked and muted' in settings.text
        assert f'action="/actors/{bob.id}/unblock"' in settings.text
        assert f'action="/actors/{zed_actor.id}/unmute"' in settings.text and "Posts only" in settings.text
        after = await browser.submit("/settings/blocks", f"/actors/{bob.id}/unblock", {"next": "/settings/blocks"})
        assert after.url.endswith("/settings/blocks?notice=unblocked") and "Unblocked." in after.text
        after = await browser.submit("/settings/blocks", f"/actors/{zed_actor.id}/unmute", {"next": "/settings/blocks"})
        assert "You have not muted anyone." in after.text
        moot.use()
        assert not await PersonalBlock.filter(actor_id=ada.id, target_id=bob.id).exists()
        assert "Post by someone you blocked or muted" not in (await browser.get("/groups/allotment")).text
        # No open redirect through `next`; a missing account is a 404; signed out, the settings ask to sign in.
        away = await browser.submit("/settings/blocks", f"/actors/{bob.id}/unblock", {"next": "//evil.example/"})
        assert away.url.startswith(moot.base_url)
        assert (await browser.get("/actors/999999/block")).status == 404
    finally:
        await browser.close()
