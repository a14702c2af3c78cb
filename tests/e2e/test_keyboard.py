"""Keyboard only (issue 9): a member signs in, then with Tab, Shift+Tab and Enter alone opens a group from
Explore, opens a thread, likes it and writes a reply. On every page the first Tab stop is the skip link, and
after every key press the focused element shows a visible focus indicator (`tab_to` checks each one).
"""
from __future__ import annotations

import re
from typing import Awaitable, Callable

from federation import actions
from federation.actions.statuses import StatusInput, create_status
from federation.groups.admin import GroupSettings, create_group
from models.actors import LocalUser
from models.posts import Interaction, Post
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor, focus_indicator, press_enter, tab_to
from web.passwords import hash_password

PASSWORD = "correct horse battery"
REPLY = "I can bring two spades."


async def skip_link_first(visitor: Visitor) -> None:
    """The first Tab on a freshly opened page reaches "Skip to content"; Enter on it moves to the content."""
    page = visitor.page
    await tab_to(page, page.get_by_role("link", name="Skip to content"), max_presses=1)
    await page.keyboard.press("Enter")
    assert await page.evaluate("location.hash") == "#main"


async def test_keyboard_only_from_explore_to_a_reply(moot: MootInstance,
                                                    visitors: Callable[..., Awaitable[Visitor]]) -> None:
    ada, _ = await moot.user("ada", is_admin=True, display_name="Ada")
    bob, _ = await moot.user("bob", display_name="Bob")
    await LocalUser.filter(actor=bob).update(password_hash=hash_password(PASSWORD))
    group = await create_group(moot.fed, "gardeners", ada, GroupSettings(
        display_name="Community Gardeners", description="Growing food together.", rules="Be kind."))
    await actions.follow(moot.fed, bob, group)
    thread = await create_status(moot.fed, ada, StatusInput(text="Bring gloves on Saturday.", group=group,
                                                            title="Work day on Saturday"))

    visitor = await visitors(moot)
    page = visitor.page
    main = page.locator("main")
    await visitor.open("/login?next=/explore")
    await visitor.field("User name").fill("bob")
    await visitor.field("Password").fill(PASSWORD)
    response = await visitor.submit(visitor.button("Sign in"))
    assert response.status == 303 and visitor.path() == "/explore"

    # From here on, the keyboard only. Explore: skip to the content, then on to the group.
    await skip_link_first(visitor)
    await tab_to(page, main.get_by_role("link", name="Community Gardeners"))
    await press_enter(page)
    assert visitor.path() == "/groups/gardeners"

    # The group: skip the header, Tab to the thread.
    await skip_link_first(visitor)
    await tab_to(page, main.get_by_role("link", name="Work day on Saturday"))
    await press_enter(page)
    assert visitor.path() == f"/threads/{thread.id}"

    # The thread: like it.
    await skip_link_first(visitor)
    like = main.get_by_role("button", name=re.compile(r"^\s*Like\b"))
    await tab_to(page, like)
    await press_enter(page)
    assert await Interaction.filter(kind="like", actor=bob, post_id=thread.id).exists()
    await main.get_by_role("button", name=re.compile(r"^\s*Like\b"), pressed=True).first.wait_for()

    # And reply: Tab into the reply box (opening it with Enter when it is folded), type, Tab to the button;
    # Shift+Tab back to add a word, as one does, and send it with Enter.
    reply_box = main.get_by_label(re.compile("^Your reply to"))
    if not await reply_box.first.is_visible():
        await tab_to(page, main.locator("summary").filter(has_text=re.compile(r"^\s*Reply\s*$")))
        await page.keyboard.press("Enter")
    await tab_to(page, reply_box)
    await page.keyboard.type("I can bring two")
    send = main.get_by_role("button", name="Reply", exact=True)
    await tab_to(page, send)
    await tab_to(page, reply_box, backwards=True)
    await page.keyboard.press("End")
    await page.keyboard.type(" spades.")
    await tab_to(page, send)
    response = await press_enter(page)
    assert response is not None and response.status < 400
    reply = await Post.get(in_reply_to_id=thread.id)
    assert reply.source == REPLY or REPLY in (reply.content or "")
    await main.get_by_text(REPLY).first.wait_for()
    focus = await focus_indicator(page)
    assert focus["element"] is None or focus["visible"], focus
