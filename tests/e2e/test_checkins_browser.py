"""Daily check-ins in a real browser: a moderator opens the group's Check-ins tab and sets up a check-in with its
form; the day starts (the test runs the day job); a member checks in with a note and a photo, sees her streak and
her calendar, and the leaderboard shows her; the day's thread shows who checked in. Every page is checked with
axe-core, light and dark; the leaderboard page is photographed as `checkin-leaderboard`."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Awaitable, Callable

from PIL import Image

from federation import actions
from federation.groups.admin import GroupSettings, create_group
from federation.jobs import run_due_jobs
from models.checkins import Checkin, CheckinSeries
from models.posts import Post
from tests.conftest import MootInstance
from tests.e2e.conftest import TIME_ZONE, Visitor
from tests.e2e.people import give_passwords, sign_in

NOTE = "Long tones, then the first page of the Bach"
ALT = "A cello leaning on a chair next to a music stand"



def photo(directory: Path) -> Path:
    path = directory / "cello.png"
    Image.new("RGB", (64, 48), (150, 90, 40)).save(path, format="PNG")
    return path


async def test_a_moderator_sets_up_a_check_in_and_a_member_checks_in(
    moot: MootInstance, visitors: Callable[..., Awaitable[Visitor]], tmp_path: Path,
) -> None:
    ada, _ = await moot.user("ada", is_admin=True, display_name="Ada")
    bob, _ = await moot.user("bob", display_name="Bob")
    await give_passwords(ada, bob)
    group = await create_group(moot.fed, "cellists", ada, GroupSettings(
        display_name="Cellists", description="Practising together, a little every day.", rules="Be kind."))
    await actions.follow(moot.fed, bob, group)

    # Ada sets up the check-in from the Check-ins tab.
    ada_browser = await visitors(moot)
    await sign_in(ada_browser, "ada")
    await ada_browser.open("/groups/cellists")
    await ada_browser.page.locator("nav.tabs").get_by_role("link", name="Check-ins").click()
    await ada_browser.page.wait_for_load_state()
    assert ada_browser.path() == "/groups/cellists/checkins"
    await ada_browser.look("checkin-setup", screenshots=False)
    await ada_browser.field("Prompt").fill("Today's practice")
    await ada_browser.page.get_by_label("Time zone").select_option(TIME_ZONE)
    for day in ("Saturday", "Sunday"):  # weekdays only... then every day after all
        await ada_browser.page.get_by_label(day, exact=True).uncheck()
        await ada_browser.page.get_by_label(day, exact=True).check()
    response = await ada_browser.submit(ada_browser.button("Start the check-in"))
    assert response.status == 303 and ada_browser.path().startswith("/groups/cellists/checkins")
    await ada_browser.page.get_by_text("The check-in is set up.").wait_for()
    moot.use()
    series = await CheckinSeries.get(group=group)
    assert series.prompt == "Today's practice" and series.time_zone == TIME_ZONE and series.weekdays == "0123456"

    # The day starts: the group posts the day's thread.
    await run_due_jobs(moot.fed, now=datetime.now(timezone.utc))
    await moot.drain()

    # Bob checks in with a note and a photo.
    bob_browser = await visitors(moot)
    await sign_in(bob_browser, "bob")
    await bob_browser.open("/groups/cellists/checkins")
    await bob_browser.look("checkin-today", screenshots=False)
    await bob_browser.field("Note (optional)").fill(NOTE)
    await bob_browser.page.locator("main summary", has_text="Add a photo").click()
    await bob_browser.page.locator("main").get_by_label("Image 1").set_input_files(str(photo(tmp_path)))
    await bob_browser.page.locator("main").get_by_label(
        "Describe the image for people who cannot see it (required)").first.fill(ALT)
    response = await bob_browser.submit(bob_browser.button("Check in"))
    assert response.status == 303
    main = bob_browser.page.locator("main")
    await main.get_by_text("You checked in today").first.wait_for()
    moot.use()
    checkin = await Checkin.get(actor=bob)
    reply = await Post.get(id=checkin.post_id)
    assert checkin.note == NOTE and reply.source == NOTE and reply.attachments[0]["name"] == ALT
    # The leaderboard shows him, and his calendar marks today in words.
    board = main.locator("table.leaderboard")
    row = board.get_by_role("row", name="Bob")
    assert [await cell.inner_text() for cell in await row.get_by_role("cell").all()] == ["1", "1", "1"]
    await main.locator("table.checkin-calendar").get_by_text("checked in").first.wait_for(state="attached")
    await main.get_by_text(NOTE).wait_for()
    await bob_browser.look("checkin-leaderboard")

    # The day's thread shows the panel with Bob, and his check-in as a reply with its photo.
    await main.get_by_role("link", name="Open the day's thread").click()
    await bob_browser.page.wait_for_load_state()
    panel = bob_browser.page.locator("main .checkin-panel")
    await panel.get_by_text("1 member checked in").wait_for()
    await bob_browser.page.locator("main").get_by_role("img", name=ALT).wait_for()
    await bob_browser.look("checkin-thread", screenshots=False)
    ada_browser.check()
    bob_browser.check()
