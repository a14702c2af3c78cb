"""A draw in a real browser: a moderator opens the group's Draws tab, starts a draw with the New draw form, a
member takes part by liking it from the thread, the deadline passes (the test runs the reveal job), and the
finished draw shows its seed, its winner and the way to check it. Every page is checked with axe-core, light
and dark; the finished draw is photographed as `draw-finished`."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from typing import Awaitable, Callable
from zoneinfo import ZoneInfo

from federation import actions
from federation.groups.admin import GroupSettings, create_group
from federation.jobs import run_due_jobs
from models.draws import Draw
from models.posts import Interaction
from tests.conftest import MootInstance
from tests.e2e.conftest import TIME_ZONE, Visitor
from tests.e2e.people import give_passwords, sign_in




async def test_a_moderator_runs_a_draw_and_everyone_sees_the_result(
    moot: MootInstance, visitors: Callable[..., Awaitable[Visitor]],
) -> None:
    ada, _ = await moot.user("ada", is_admin=True, display_name="Ada")
    bob, _ = await moot.user("bob", display_name="Bob")
    await give_passwords(ada, bob)
    group = await create_group(moot.fed, "gardeners", ada, GroupSettings(
        display_name="Community Gardeners", description="Growing food together.", rules="Be kind."))
    await actions.follow(moot.fed, bob, group)

    ada_browser = await visitors(moot)
    await sign_in(ada_browser, "ada")
    await ada_browser.open("/groups/gardeners/draws")
    main = ada_browser.page.locator("main")
    await main.get_by_text("New draw", exact=True).click()
    await ada_browser.look("draws-tab", screenshots=False)
    deadline = (datetime.now(ZoneInfo(TIME_ZONE)) + timedelta(days=1)).replace(second=0, microsecond=0)
    await ada_browser.field("Prize").fill("A crate of seed potatoes")
    await ada_browser.field("Number of winners").fill("1")
    await ada_browser.field("Deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    await ada_browser.page.get_by_label("Members who reply to or like the draw's post").check()
    response = await ada_browser.submit(ada_browser.button("Start the draw"))
    assert response.status == 303 and ada_browser.path().startswith("/threads/")
    moot.use()
    draw = await Draw.get(prize="A crate of seed potatoes")
    assert draw.deadline == deadline  # the form's time was read in the browser's zone
    panel = main.locator("#draw")
    await panel.get_by_text(draw.commitment).wait_for()
    await ada_browser.look("draw-open", screenshots=False)

    # Bob likes the draw's post from its thread.
    bob_browser = await visitors(moot)
    await sign_in(bob_browser, "bob")
    await bob_browser.open(f"/threads/{draw.post_id}")
    like = bob_browser.page.locator("main").get_by_role("button", name=re.compile(r"^\s*Like\b")).first
    await bob_browser.submit(like)
    assert await Interaction.filter(kind="like", actor=bob, post_id=draw.post_id).exists()

    # The deadline passes.
    moot.use()
    assert await run_due_jobs(moot.fed, now=draw.deadline + timedelta(minutes=1)) >= 1
    await moot.drain()
    draw = await Draw.get(id=draw.id)
    assert draw.state == "drawn" and draw.winners == [bob.uri]
    assert hashlib.sha256(bytes.fromhex(draw.seed_hex)).hexdigest() == draw.commitment

    await bob_browser.open(f"/threads/{draw.post_id}")
    finished = bob_browser.page.locator("main #draw")
    await finished.get_by_text(draw.seed_hex).wait_for()
    await finished.get_by_role("heading", name="Winner").wait_for()
    assert await finished.get_by_role("link", name="Bob").count() >= 1
    assert await finished.get_by_role("link", name="the sorted list (JSON)").get_attribute("href") == \
        f"/draws/{draw.id}/audit.json"
    await bob_browser.look("draw-finished")
    # The result reply, in the thread, mentions Bob.
    await bob_browser.page.locator("main .replies").get_by_text(draw.seed_hex).first.wait_for()

    await bob_browser.open("/groups/gardeners/draws")
    await bob_browser.page.locator("main").get_by_role("heading", name="Finished draws").wait_for()
    await bob_browser.look("draws-finished-list", screenshots=False)
    await bob_browser.page.locator("main").get_by_role("link", name="How anyone can check a draw").click()
    await bob_browser.page.wait_for_load_state()
    assert bob_browser.path() == "/draws/how-to-verify"
    await bob_browser.look("draw-how-to-verify", screenshots=False)
    ada_browser.check()
    bob_browser.check()
