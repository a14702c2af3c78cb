"""Events in a real browser: the group's owner opens the Events tab and creates an event with its form (two seats,
open registration); a member, browsing without JavaScript, registers with one button and adds it to her calendar;
the organiser sees her on the attendee list. Every page is checked with axe-core, light and dark; the event thread
with its panel is photographed as `event`, the organiser's list as `event-attendees`."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable

from icalendar import Calendar

from federation import actions
from federation.groups.admin import GroupSettings, create_group
from models.events import Event, EventParticipant
from models.posts import Post
from tests.conftest import MootInstance
from tests.e2e.conftest import TIME_ZONE, Visitor
from tests.e2e.people import give_passwords, sign_in




async def test_create_an_event_register_and_see_the_attendees(
    moot: MootInstance, visitors: Callable[..., Awaitable[Visitor]],
) -> None:
    ada, _ = await moot.user("ada", is_admin=True, display_name="Ada")
    bea, _ = await moot.user("bea", display_name="Bea")
    cas, _ = await moot.user("cas", display_name="Cas")
    await give_passwords(ada, bea, cas)
    group = await create_group(moot.fed, "walkers", ada, GroupSettings(
        display_name="City Walkers", description="Walks around town, every other weekend.", rules="Be on time."))
    for person in (bea, cas):
        await actions.follow(moot.fed, person, group)

    # Ada creates the event from the group's Events tab.
    organiser = await visitors(moot)
    await sign_in(organiser, "ada")
    await organiser.open("/groups/walkers")
    await organiser.page.locator("nav.tabs").get_by_role("link", name="Events").click()
    await organiser.page.wait_for_load_state()
    assert organiser.path() == "/groups/walkers/events"
    await organiser.look("event-list-empty", screenshots=False)
    await organiser.page.locator("main").get_by_role("link", name="New event").click()
    await organiser.page.wait_for_load_state()
    assert organiser.path() == "/groups/walkers/events/new"
    await organiser.look("event-form", screenshots=False)
    day = (datetime.now(timezone.utc) + timedelta(days=12)).strftime("%Y-%m-%d")
    await organiser.field("Title").fill("Harbour walk")
    await organiser.field("Description").fill("Two hours along the old harbour, coffee afterwards.")
    await organiser.field("Starts").fill(f"{day}T10:00")
    await organiser.field("Ends").fill(f"{day}T12:00")
    await organiser.page.get_by_label("Time zone").select_option(TIME_ZONE)
    await organiser.field("Place").fill("Harbour gate")
    await organiser.field("Address").fill("Havenstraat 1, Amsterdam")
    await organiser.field("Seats").fill("2")
    await organiser.page.get_by_label("Anyone who can see the event").check()
    response = await organiser.submit(organiser.button("Create the event"))
    assert response.status == 303 and organiser.path().startswith("/threads/")
    thread = organiser.path().split("?")[0]
    moot.use()
    post = await Post.get(name="Harbour walk")
    event = await Event.get(post_id=post.id)
    assert event.capacity == 2 and event.time_zone == TIME_ZONE and event.place_name == "Harbour gate"

    # Bea registers with one button, without JavaScript.
    member = await visitors(moot, javascript=False)
    await sign_in(member, "bea")
    await member.open(thread)
    main = member.page.locator("main")
    await main.get_by_text("2 seats left").first.wait_for()
    response = await member.submit(member.button("Register"))
    assert response.status == 303
    await main.get_by_text("You are going").wait_for()
    await main.get_by_text("1 seat left").first.wait_for()
    assert await member.page.locator('link[rel=alternate][type="text/calendar"]').count() == 1
    await member.open(thread)  # from the top of the page, for the pictures
    await member.look("event")
    # Her calendar gets the event.
    ics = await member.page.request.get(member.base_url + f"{thread}/event.ics")
    assert ics.ok and ics.headers["content-type"].startswith("text/calendar")
    (entry,) = Calendar.from_ical(await ics.body()).walk("VEVENT")
    assert str(entry["SUMMARY"]) == "Harbour walk" and str(entry["LOCATION"]).startswith("Harbour gate")
    moot.use()
    assert await EventParticipant.filter(event=event, actor=bea, state="participant").exists()

    # The group's Events tab shows it, with her registration.
    await member.open("/groups/walkers/events")
    await main.get_by_role("link", name="Harbour walk").wait_for()
    await main.get_by_text("Going", exact=True).first.wait_for()
    await member.look("event-list", screenshots=False)

    # Ada sees Bea on the attendee list.
    await organiser.open(thread)
    await organiser.page.locator("main").get_by_role("link", name="Attendees").click()
    await organiser.page.wait_for_load_state()
    assert organiser.path() == f"{thread}/attendees"
    going = organiser.page.locator("#going")
    await going.get_by_text("Bea").first.wait_for()
    await organiser.look("event-attendees")
    organiser.check()
    member.check()
