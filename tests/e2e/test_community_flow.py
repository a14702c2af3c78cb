"""The whole story of issue 5 in a real browser, by two people on one fresh server:

the first admin signs up, makes a private group and a page, and invites Bob; Bob registers with the
invitation, asks to join the group, is approved in the moderation queue, and posts with an image and
its alt text; the admin replies, then removes that reply with a reason, and the moderation log shows it.

Every page the flow visits is checked with axe-core, light and dark (issue 9: no serious or critical
violation), and the main ones are photographed at 1280 and 360 px, light and dark, into screenshots/:
home, explore, group, thread, profile, page-profile, members, moderation-queue, modlog, admin-settings,
settings and login (`<page>-<desktop|360px>-<light|dark>.png`).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Awaitable, Callable

from PIL import Image

from models.actors import Actor, LocalUser
from models.moderation import ModLogEntry
from models.posts import Post
from tests.conftest import MootInstance
from playwright.async_api import Locator

from tests.e2e.conftest import DESKTOP, NARROW, Visitor, reveal

PASSWORD = "correct horse battery"
BOB_PASSWORD = "bobs own passphrase"
ALT = "Three tomato seedlings in yoghurt pots on a sunny windowsill"
TITLE = "First seedlings of the year"
REPLY = "Lovely! Pot them on when they get their true leaves."
REMOVAL_REASON = "Off topic for this thread"
RESTORE_REASON = "Back on topic after all"
EDITED_TITLE = "First seedlings of the year (week 2)"


def seedlings_png(directory: Path) -> Path:
    """A small real PNG (with a little metadata that the upload must strip)."""
    image = Image.new("RGB", (96, 64), (60, 140, 70))
    for x in range(10, 86, 30):
        for y in range(20, 60):
            image.putpixel((x + y % 7, y), (200, 60, 40))
    path = directory / "seedlings.png"
    image.save(path, format="PNG")
    return path


async def sign_up_first_admin(ada: Visitor) -> None:
    # A new server sends its first visitor to the setup page.
    await ada.open("/")
    assert ada.path() == "/setup"
    await ada.look("setup", screenshots=False)
    await ada.field("User name").fill("ada")
    await ada.field("Password").fill(PASSWORD)
    await ada.field("Password again").fill(PASSWORD)
    response = await ada.submit(ada.button("Create the admin account"))
    assert response.status == 303


async def create_group_and_page(ada: Visitor) -> None:
    """Through the forms any signed-in person has: New group, New page."""
    await ada.open("/groups/new")
    await ada.look("new-group", screenshots=False)
    await ada.field("Group name").fill("growers")
    await ada.field("Display name").fill("Tomato Growers")
    await ada.field("What is the group about?").fill("Seeds, seedlings and sauce. Members only.")
    await ada.field("Rules, one per line").fill("Be kind.\nNo selling.")
    await ada.page.get_by_label("Private: join requests wait for a moderator").check()
    response = await ada.submit(ada.button("Create the group"))
    assert response.status == 303 and ada.path() == "/groups/growers"
    await ada.open("/pages/new")
    await ada.look("new-page", screenshots=False)
    await ada.field("Page name").fill("bakery")
    await ada.field("Display name").fill("The Bakery")
    await ada.field("Category").fill("Bakery")
    await ada.field("About").fill("Bread and pastries, baked every morning.")
    response = await ada.submit(ada.button("Create the page"))
    assert response.status == 303 and ada.path() == "/@bakery"


async def invite_link(ada: Visitor) -> str:
    await ada.open("/admin")
    await ada.page.locator("main").get_by_role("link", name="Invitations").first.click()
    await ada.page.wait_for_load_state()
    assert ada.path() == "/admin/invites"
    await ada.field("How many people can use it").fill("1")
    response = await ada.submit(ada.button("Create the invitation"))
    assert response.status == 303
    link = await ada.page.get_by_label("Invitation link").first.input_value()
    assert link.startswith(ada.base_url + "/register?invite=")
    await ada.look("admin-invites", screenshots=False)
    return link


async def open_composer(visitor: Visitor, field: str = "Text") -> None:
    """The composer may be folded away (a <details>, or a button that shows it) until asked for."""
    target = await reveal(visitor.field(field))
    if not await target.first.is_visible():
        main = visitor.page.locator("main")
        opener = main.get_by_role("button", name=re.compile("write a post|new post", re.I)).or_(
            main.get_by_role("link", name=re.compile("write a post|new post", re.I)))
        await opener.first.click()
    await target.first.wait_for()


RAW_CODE = re.compile(r"\b(?:post|group|instance|actor|domain|rule|report|member|page|user|registration)\.[a-z_]+\b")


def log_entries(visitor: Visitor) -> Locator:
    """The entries of a moderation log on the page (a list or a table)."""
    main = visitor.page.locator("main")
    return main.get_by_role("listitem").or_(main.get_by_role("row"))


async def edit_group_page_and_post(ada: Visitor, bob: Visitor, thread_path: str) -> None:
    """Nothing is fixed after creation (issue 9): the owner edits the group and the page, Bob his post."""
    # The group, from its page's Edit link.
    await ada.open("/groups/growers")
    await ada.page.locator("main").get_by_role("link", name=re.compile(r"^\s*Edit")).first.click()
    await ada.page.wait_for_load_state()
    assert ada.path() == "/groups/growers/edit"
    await ada.look("edit-group", screenshots=False)
    await ada.field("What is the group about?").fill("Seeds, seedlings and sauce. Members only. Swap day in April.")
    await ada.field("Rules, one per line").fill("Be kind.\nNo selling.\nLabel your seeds.")
    response = await ada.submit(ada.button("Save changes"))
    assert response.status == 303 and ada.path().startswith("/groups/growers")
    await ada.open("/groups/growers")
    main = ada.page.locator("main")
    await main.get_by_text("Swap day in April.").first.wait_for()
    assert await main.get_by_role("listitem").filter(has_text="Label your seeds.").count() >= 1

    # The page, from its profile's Edit page link (its owner sees Edit, not Follow).
    await ada.open("/@bakery")
    edit_page = main.get_by_role("link", name=re.compile(r"^\s*Edit"))
    assert await main.get_by_role("button", name="Follow", exact=True).count() == 0
    await edit_page.first.click()
    await ada.page.wait_for_load_state()
    assert ada.path() == "/@bakery/edit"
    await ada.look("edit-page", screenshots=False)
    await ada.field("Category").fill("Bakery and café")
    await ada.field("About").fill("Bread and pastries, baked every morning. Coffee from eight.")
    response = await ada.submit(ada.button("Save changes"))
    assert response.status == 303
    await ada.open("/@bakery")
    await main.get_by_text("Coffee from eight.").first.wait_for()
    await main.get_by_text("Bakery and café").first.wait_for()

    # Bob's post, from its Edit link on the thread; the thread then says it was edited.
    await bob.open(thread_path)
    await bob.page.locator("main").get_by_role("link", name=re.compile(r"^\s*Edit")).first.click()
    await bob.page.wait_for_load_state()
    assert bob.path().split("?")[0] == f"{thread_path}/edit"
    await bob.look("edit-post", screenshots=False)
    await bob.field("Title").fill(EDITED_TITLE)
    response = await bob.submit(bob.button("Save changes"))
    assert response.status == 303
    await bob.open(thread_path)
    bob_main = bob.page.locator("main")
    await bob_main.get_by_text(EDITED_TITLE).first.wait_for()
    await bob_main.get_by_text("edited", exact=True).first.wait_for()
    post = await Post.get(name=EDITED_TITLE)
    assert post.edited_at is not None


async def restore_reply(ada: Visitor, bob: Visitor, thread_path: str, reply: Post) -> None:
    """The removed reply stays visible to moderators, with Restore in its moderation menu."""
    await ada.open(thread_path)
    reply_item = ada.page.locator("li").filter(has=ada.page.locator(f"#post-{reply.id}")).last
    await reply_item.get_by_text("Pot them on").first.wait_for()
    restore = await reveal(reply_item.get_by_role("button", name="Restore", exact=True, include_hidden=True))
    await reply_item.get_by_label(re.compile("^Reason")).first.fill(RESTORE_REASON)
    response = await ada.submit(restore)
    assert response.status == 303
    await reply.refresh_from_db()
    assert reply.removed_at is None
    await bob.open(thread_path)
    await bob.page.locator("main").get_by_text("Pot them on").first.wait_for()


async def first_post_top_at_360(visitor: Visitor, title: str) -> float:
    """Where the first post's title starts on a fresh 360 px screen (from the top of the viewport, in px)."""
    await visitor.page.set_viewport_size(NARROW)
    try:
        await visitor.page.evaluate("() => window.scrollTo(0, 0)")
        box = await visitor.page.locator("main").get_by_text(title, exact=True).first.bounding_box()
        assert box is not None, f"the post {title!r} is not shown"
        return box["y"]
    finally:
        await visitor.page.set_viewport_size(DESKTOP)


async def test_a_community_from_the_browser(moot_factory: Callable[..., Awaitable[MootInstance]], tmp_path: Path,
                                           visitors: Callable[..., Awaitable[Visitor]]) -> None:
    moot = await moot_factory(data_dir=tmp_path / "data", instance_name="Allotment")
    ada = await visitors(moot)
    await sign_up_first_admin(ada)

    # The admin closes sign-ups to invitations only.
    await ada.open("/admin")
    await ada.look("admin-settings")
    await ada.page.get_by_label("Who can sign up").select_option("invite")
    await ada.field("Reason (for the moderation log)").fill("invitations only while we start")
    response = await ada.submit(ada.button("Save"))
    assert response.status == 303

    await create_group_and_page(ada)
    link = await invite_link(ada)

    # Bob, in another browser with JavaScript turned off, registers with the invitation.
    bob = await visitors(moot, javascript=False)
    await bob.open("/register")
    assert await bob.field("User name").count() == 0  # no invitation, no form
    await bob.page.goto(link)
    await bob.look("register", screenshots=False)
    await bob.field("User name").fill("bob")
    await bob.field("Password").fill(BOB_PASSWORD)
    await bob.field("Password again").fill(BOB_PASSWORD)
    response = await bob.submit(bob.button("Sign up"))
    assert response.status == 303 and bob.path() == "/welcome"
    assert await LocalUser.filter(actor__local_name="bob").exists()

    # Bob finds the private group and asks to join.
    await bob.open("/groups/growers")
    main = bob.page.locator("main")
    assert "Members only." in await main.inner_text()
    assert await bob.field("Title").count() == 0  # no composer for someone who is not a member
    await bob.look("group-not-a-member", screenshots=False)
    response = await bob.submit(bob.button("Request to join"))
    assert response.status == 303
    await main.get_by_text("Join requested").wait_for()

    # The admin sees the request in the group's moderation queue and approves it.
    await ada.open("/moderation")
    await ada.look("moderation", screenshots=False)
    await ada.page.locator("main").get_by_role("link", name="Tomato Growers").first.click()
    await ada.page.wait_for_load_state()
    assert ada.path() == "/moderation/groups/growers"
    request = ada.page.locator("main").get_by_role("listitem").filter(has_text="@bob@")
    await request.first.wait_for()
    await ada.look("moderation-queue")
    approve = await reveal(request.get_by_role("button", name="Approve", exact=True, include_hidden=True))
    await request.get_by_label("Reason (for the moderation log)").fill("grows tomatoes")
    response = await ada.submit(approve)
    assert response.status == 303
    await ada.page.get_by_text("Nobody is waiting to join.").wait_for()

    # Bob, now a member, posts with an image and its alt text.
    await bob.open("/groups/growers")
    await main.get_by_text("Member", exact=True).first.wait_for()
    await open_composer(bob, "Title")
    await bob.field("Title").fill(TITLE)
    await bob.field("Text").fill("They came up after five days on the windowsill. #tomatoes")
    await main.get_by_label("Image 1", exact=True).set_input_files(seedlings_png(tmp_path))
    await main.get_by_label(re.compile("^Describe the image")).first.fill(ALT)
    response = await bob.submit(bob.button("Post"))
    assert response.status == 303
    assert bob.path().startswith("/threads/")
    post = await Post.get(name=TITLE)
    assert post.attachments and post.attachments[0]["name"] == ALT
    image = main.get_by_role("img", name=ALT)
    await image.wait_for()
    assert await image.evaluate("img => img.complete && img.naturalWidth") == 96
    thread_path = f"/threads/{post.id}"
    assert bob.path().split("#")[0].split("?")[0] == thread_path

    # The admin replies in the thread.
    await ada.open(thread_path)
    await reveal(ada.page.get_by_label(re.compile("^Your reply to")))
    await ada.page.get_by_label(re.compile("^Your reply to")).first.fill(REPLY)
    response = await ada.submit(ada.button("Reply"))
    assert response.status == 303
    reply = await Post.get(in_reply_to_id=post.id)
    reply_card = ada.page.locator(f"#post-{reply.id}")
    await reply_card.get_by_text("Pot them on").wait_for()

    # The group and the thread as the member sees them, and the page as its owner does.
    await bob.open("/groups/growers")
    await bob.look("group")
    first_post_top = await first_post_top_at_360(bob, TITLE)
    await bob.open(thread_path)
    await bob.page.get_by_text("Pot them on").wait_for()
    await bob.look("thread")
    # The admin of the page posts as the page from its profile.
    await ada.open("/@bakery")
    await ada.page.get_by_role("heading", level=1, name="The Bakery").wait_for()
    await open_composer(ada)
    await ada.field("Text").fill("Fresh sourdough at 8 tomorrow! #bread")
    response = await ada.submit(ada.button("Post"))
    assert response.status == 303
    bakery = await Actor.get(local_name="bakery", is_local=True)
    assert await Post.filter(author=bakery, source__contains="Fresh sourdough").exists()
    await ada.open("/@bakery")
    await ada.page.locator("main").get_by_text("Fresh sourdough at 8 tomorrow!").first.wait_for()
    await ada.look("page-profile")

    # A moderator removes the reply, with a reason, from the thread's moderation menu.
    await ada.open(thread_path)
    reply_item = ada.page.locator("li").filter(has=ada.page.locator(f"#post-{reply.id}")).last
    remove = await reveal(reply_item.get_by_role("button", name="Remove", exact=True, include_hidden=True))
    await reply_item.get_by_label(re.compile("^Reason")).first.fill(REMOVAL_REASON)
    response = await ada.submit(remove)
    assert response.status == 303
    await reply.refresh_from_db()
    assert reply.removed_at is not None
    await bob.open(thread_path)
    assert "Pot them on" not in await bob.page.locator("main").inner_text()

    # ... and restores it from the thread, where moderators still see it.
    await restore_reply(ada, bob, thread_path, reply)

    # The group, the page and the post are edited after creation.
    await edit_group_page_and_post(ada, bob, thread_path)

    # The group's moderation log says what happened in sentences, with the reasons: no raw codes or URIs.
    await ada.open("/moderation/groups/growers")
    removed = log_entries(ada).filter(has_text=REMOVAL_REASON)
    restored = log_entries(ada).filter(has_text=RESTORE_REASON)
    await removed.first.wait_for()
    await restored.first.wait_for()
    for entry, verb in ((removed, "removed"), (restored, "restored")):
        sentence = (await entry.first.inner_text()).strip()
        assert verb in sentence.lower() and "ada" in sentence, sentence
        assert not RAW_CODE.search(sentence), f"a raw code in the modlog: {sentence!r}"
        assert "://" not in sentence, f"a raw URI in the modlog: {sentence!r}"
    assert await ModLogEntry.filter(reason=REMOVAL_REASON).exists()
    assert await ModLogEntry.filter(reason=RESTORE_REASON).exists()
    everything = await ada.page.locator("main").inner_text()
    assert not RAW_CODE.search(everything), f"a raw code on the moderation page: {RAW_CODE.search(everything)}"

    # The server's own log: the change of sign-ups, also in words.
    assert (await ada.open("/moderation/instance/log")).status == 200
    settings_entry = log_entries(ada).filter(has_text="invitations only while we start")
    await settings_entry.first.wait_for()
    assert not RAW_CODE.search(await ada.page.locator("main").inner_text())
    await ada.look("modlog")

    # The other main pages, each looked at once.
    assert (await ada.open("/explore")).status == 200
    await ada.page.locator("main").get_by_role("link", name="The Bakery").first.wait_for()
    await ada.look("explore")
    assert (await ada.open("/@bob")).status == 200
    await ada.look("profile")
    assert (await ada.open("/groups/growers/members")).status == 200
    await ada.page.locator("main").get_by_text("bob").first.wait_for()
    await ada.look("members")
    assert (await ada.open("/settings")).status == 200
    await ada.look("settings")
    assert (await bob.open("/home")).status == 200
    await bob.page.locator("main").get_by_text(TITLE).first.wait_for()
    await bob.look("home")
    newcomer = await visitors(moot)
    assert (await newcomer.open("/login")).status == 200
    await newcomer.look("login")

    for visitor in (ada, bob, newcomer):
        visitor.check()  # no request beyond loopback, no CSP violation, no serious or critical axe violation
    # Issue 9: at 360 px the group's first post is on the first screen. Until the group page redesign lands this
    # FAILS (about 1.3 screens down in the old layout); keep it.
    assert first_post_top < NARROW["height"], (
        f"at 360 px the first post of the group starts {first_post_top:.0f} px down, below the first screen "
        f"({NARROW['height']} px)")
