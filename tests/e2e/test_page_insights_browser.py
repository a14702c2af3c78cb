"""Page insights in a real browser: a page's admin follows the Insights link from the page's header, reads the
figures and charts, switches to 7 days, opens a chart's numbers and finds the CSV link; a stranger gets a 404.
Checked with axe-core, light and dark; photographed as `page-insights` (desktop and 360 px)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable

from federation import actions
from federation.actions import StatusInput, create_status
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.insights import FOLLOWED, UNFOLLOWED, FollowEvent
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor
from tests.e2e.people import give_passwords, sign_in


async def test_a_page_admin_reads_the_insights(moot: MootInstance, visitors: Callable[..., Awaitable[Visitor]]) -> None:
    olga, _ = await moot.user("olga", display_name="Olga", is_admin=True)
    rita, _ = await moot.user("rita", display_name="Rita")
    await give_passwords(olga, rita)
    page, _ = await moot.page("bakery", olga, display_name="Corner Bakery")
    readers = [await moot.user(f"reader{n}")for n in range(3)]
    for reader, _ in readers:
        await actions.follow(moot.fed, reader, page)
    # Followers on two other servers (known remote accounts), and one who left last week.
    for n in range(5):
        host = "social.example" if n < 3 else "town.example"
        remote = await Actor.create(uri=f"https://{host}/users/p{n}", type="Person", username=f"p{n}", domain=host,
                                    inbox=f"https://{host}/users/p{n}/inbox", is_local=False)
        await Follow.create(follower=remote, target=page, state=ACCEPTED)
        await FollowEvent.create(target=page, follower_uri=remote.uri, kind=FOLLOWED)
    gone = await FollowEvent.create(target=page, follower_uri="https://town.example/users/x", kind=UNFOLLOWED,
                                    reason="block")
    await FollowEvent.filter(id=gone.id).update(created_at=datetime.now(timezone.utc) - timedelta(days=5))
    bread = await create_status(moot.fed, page, StatusInput(text="Fresh sourdough every morning from 7", language="en"))
    await create_status(moot.fed, page, StatusInput(text="Vers brood vanaf zeven uur", language="nl"))
    for reader, _ in readers:
        await actions.like(moot.fed, reader, bread)
    await moot.drain()

    owner = await visitors(moot)
    await sign_in(owner, "olga")
    await owner.open(f"/threads/{bread.id}")  # a local view
    await owner.open("/@bakery")
    await owner.page.locator("main").get_by_role("link", name="Insights", exact=True).click()
    assert owner.path() == "/pages/bakery/insights"
    main = owner.page.locator("main")
    await main.get_by_role("heading", name="Insights of Corner Bakery").wait_for()
    assert (await main.locator('[data-figure="followers"] .insight-figure-value').inner_text()).strip() == "8"
    await main.get_by_role("heading", name="What can be counted, and what cannot").wait_for()
    await main.get_by_role("img", name="Followers by server", exact=True).wait_for()
    await owner.look("page-insights")

    await main.get_by_role("link", name="7 days").click()
    assert owner.path() == "/pages/bakery/insights?days=7"
    figure = main.locator("#chart-servers")
    await figure.get_by_text("Show the numbers").click()
    rows = figure.locator("tbody tr")
    assert await rows.count() == 3
    assert [await cell.inner_text() for cell in await rows.first.locator("th, td").all()] == ["This server", "3"]
    csv_link = figure.get_by_role("link", name="Download CSV (Followers by server)")
    assert await csv_link.get_attribute("href") == "/pages/bakery/insights?days=7&csv=servers"
    await main.get_by_text("Blocked the page").wait_for()
    await owner.look("page-insights-7-days", screenshots=False)

    stranger = await visitors(moot)
    await sign_in(stranger, "rita")
    response = await stranger.open("/pages/bakery/insights")
    assert response.status == 404
    for visitor in (owner, stranger):
        visitor.check()
