"""Notifications in a real browser: someone replies to Ann and likes her post; the navigation shows the unread
count on every page; the notifications page lists it in words and opens the reply; mark all as read; and the
preferences page saves a choice. Pages are checked with axe-core, light and dark, and photographed as
`notifications` and `settings-notifications`."""
from __future__ import annotations

import re
from typing import Awaitable, Callable

from federation.actions import StatusInput, create_status, like
from federation.notifications.core import preferences
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor
from tests.e2e.people import give_passwords, sign_in


async def test_a_reply_shows_in_the_nav_and_on_the_notifications_page(
    moot: MootInstance, visitors: Callable[..., Awaitable[Visitor]],
) -> None:
    ada, _ = await moot.user("ada", is_admin=True, display_name="Ada")
    ann, _ = await moot.user("ann", display_name="Ann")
    ben, _ = await moot.user("ben", display_name="Ben")
    await give_passwords(ada, ann, ben)
    question = await create_status(moot.fed, ann, StatusInput(text="Who knows a good sourdough starter?"))
    await create_status(moot.fed, ben, StatusInput(text="Mine is ten years old, I can share some!",
                                                   in_reply_to=question))
    await like(moot.fed, ben, question)

    visitor = await visitors(moot)
    await sign_in(visitor, "ann")
    await visitor.open("/explore")
    bell = visitor.header().get_by_role("link", name=re.compile(r"^Notifications\s+2 unread notifications$"))
    await bell.wait_for()
    await bell.click()
    assert visitor.path() == "/notifications"
    main = visitor.page.locator("main")
    await main.get_by_text("Ben replied to your post").wait_for()
    await main.get_by_text("Ben liked your post").wait_for()
    await visitor.look("notifications")

    await main.get_by_role("link", name="Mine is ten years old, I can share some!").click()
    assert visitor.path() == f"/threads/{question.id}" or visitor.path().startswith("/threads/")
    await visitor.header().get_by_role("link", name=re.compile(r"^Notifications\s+1 unread notification$")).wait_for()

    await visitor.open("/notifications")
    response = await visitor.submit(visitor.button("Mark all as read"))
    assert response.status == 303
    await main.get_by_text("All notifications are marked as read.").wait_for()
    assert await visitor.page.locator("header .nav-count").count() == 0

    await visitor.open("/settings/notifications")
    await visitor.look("settings-notifications")
    await visitor.page.get_by_label("Likes", exact=True).uncheck()
    await visitor.page.locator("#f-email_reply").select_option("digest")
    response = await visitor.submit(visitor.button("Save"))
    assert response.status == 303
    await main.get_by_text("Your notification settings are saved.").wait_for()
    moot.use()
    chosen = await preferences(ann.id)
    assert chosen["favourite"].web is False and chosen["reply"].email == "digest"
    visitor.check()
