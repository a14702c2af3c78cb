"""The whole story of issue 5 in a real browser, by two people on one fresh server:

the first admin signs up, makes a private group and a page, and invites Bob; Bob registers with the
invitation, asks to join the group, is approved in the moderation queue, and posts with an image and
its alt text; the admin replies, then removes that reply with a reason, and the moderation log shows it.
Screenshots of the group, the thread, the page profile and the moderation queue land in screenshots/.
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
from tests.e2e.conftest import Visitor

PASSWORD = "correct horse battery"
BOB_PASSWORD = "bobs own passphrase"
ALT = "Three tomato seedlings in yoghurt pots on a sunny windowsill"


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
    await ada.field("User name").fill("ada")
    await ada.field("Password").fill(PASSWORD)
    await ada.field("Password again").fill(PASSWORD)
    response = await ada.submit(ada.button("Create the admin account"))
    assert response.status == 303


async def create_group_and_page(ada: Visitor) -> None:
    """Through the forms any signed-in person has: New group, New page."""
    await ada.open("/groups/new")
    await ada.field("Group name").fill("growers")
    await ada.field("Display name").fill("Tomato Growers")
    await ada.field("What is the group about?").fill("Seeds, seedlings and sauce. Members only.")
    await ada.field("Rules, one per line").fill("Be kind.\nNo selling.")
    await ada.page.get_by_label("Private: join requests wait for a moderator").check()
    response = await ada.submit(ada.button("Create the group"))
    assert response.status == 303 and ada.path() == "/groups/growers"
    await ada.open("/pages/new")
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
    return link


async def open_composer(visitor: Visitor) -> None:
    """The composer may be folded away (a <details>) until asked for."""
    folded = visitor.page.locator("main details:has(form.composer):not([open]) > summary")
    if await folded.count():
        await folded.first.click()


async def test_a_community_from_the_browser(moot_factory: Callable[..., Awaitable[MootInstance]], tmp_path: Path,
                                           visitors: Callable[..., Awaitable[Visitor]]) -> None:
    moot = await moot_factory(data_dir=tmp_path / "data", instance_name="Allotment")
    ada = await visitors(moot)
    await sign_up_first_admin(ada)

    # The admin closes sign-ups to invitations only.
    await ada.open("/admin")
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
    await bob.field("User name").fill("bob")
    await bob.field("Password").fill(BOB_PASSWORD)
    await bob.field("Password again").fill(BOB_PASSWORD)
    response = await bob.submit(bob.button("Sign up"))
    assert response.status == 303 and bob.path() == "/home"
    assert await LocalUser.filter(actor__local_name="bob").exists()

    # Bob finds the private group and asks to join.
    await bob.open("/groups/growers")
    main = bob.page.locator("main")
    assert "Members only." in await main.inner_text()
    assert await main.locator("form.composer").count() == 0
    response = await bob.submit(bob.button("Request to join"))
    assert response.status == 303
    await main.get_by_text("Join requested").wait_for()

    # The admin sees the request in the group's moderation queue and approves it.
    await ada.open("/moderation")
    await ada.page.locator("main").get_by_role("link", name="Tomato Growers").click()
    await ada.page.wait_for_load_state()
    assert ada.path() == "/moderation/groups/growers"
    request = ada.page.locator("article.queue-item").filter(has_text="@bob@")
    await request.wait_for()
    await ada.screenshots("moderation-queue")
    await request.get_by_label("Reason (for the moderation log)").fill("grows tomatoes")
    response = await ada.submit(request.get_by_role("button", name="Approve", exact=True))
    assert response.status == 303
    await ada.page.get_by_text("Nobody is waiting to join.").wait_for()

    # Bob, now a member, posts with an image and its alt text.
    await bob.open("/groups/growers")
    await main.get_by_text("Member", exact=True).wait_for()
    await open_composer(bob)
    await bob.field("Title").fill("First seedlings of the year")
    await bob.field("Text").fill("They came up after five days on the windowsill. #tomatoes")
    await main.get_by_label("Image 1", exact=True).set_input_files(seedlings_png(tmp_path))
    await main.get_by_label(re.compile("^Describe the image")).first.fill(ALT)
    response = await bob.submit(bob.button("Post"))
    assert response.status == 303
    assert bob.path().startswith("/threads/")
    post = await Post.get(name="First seedlings of the year")
    assert post.attachments and post.attachments[0]["name"] == ALT
    image = main.get_by_role("img", name=ALT)
    await image.wait_for()
    assert await image.evaluate("img => img.complete && img.naturalWidth") == 96
    thread_path = bob.path().split("#")[0]

    # The admin replies in the thread.
    await ada.open(thread_path)
    await ada.page.get_by_label(re.compile("^Your reply to")).first.fill("Lovely! Pot them on when they get their true leaves.")
    response = await ada.submit(ada.button("Reply"))
    assert response.status == 303
    reply = await Post.get(in_reply_to_id=post.id)
    reply_card = ada.page.locator(f"#post-{reply.id}")
    await reply_card.get_by_text("Pot them on").wait_for()

    # Screenshots of the group and the thread as the member sees them, and of the page as its owner does.
    await bob.open("/groups/growers")
    await bob.screenshots("group")
    await bob.open(thread_path)
    await bob.page.get_by_text("Pot them on").wait_for()
    await bob.screenshots("thread")
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
    await ada.page.locator("main article.post").filter(has_text="Fresh sourdough at 8 tomorrow!").wait_for()
    await ada.screenshots("page-profile")

    # A moderator removes the reply, with a reason.
    await ada.open(thread_path)
    reply_item = ada.page.locator("li").filter(has=ada.page.locator(f"#post-{reply.id}"))
    await reply_item.locator("summary").filter(has_text="Moderate").first.click()
    await reply_item.get_by_label("Reason for: Remove").fill("Off topic for this thread")
    response = await ada.submit(reply_item.get_by_role("button", name="Remove", exact=True))
    assert response.status == 303
    await reply.refresh_from_db()
    assert reply.removed_at is not None
    await bob.open(thread_path)
    assert "Pot them on" not in await bob.page.locator("main").inner_text()

    # The moderation log shows it, with the reason.
    await ada.open("/moderation/groups/growers")
    log = ada.page.locator("#log table.modlog")
    row = log.locator("tr").filter(has_text="Off topic for this thread")
    await row.wait_for()
    assert "remove" in (await row.inner_text()).lower() and "@ada" in await row.inner_text()
    entry = await ModLogEntry.filter(reason="Off topic for this thread").first()
    assert entry is not None
    await ada.screenshots("moderation-log")
