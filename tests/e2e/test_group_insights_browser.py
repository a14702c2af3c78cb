"""Group and instance insights in a real browser: the owner of a group with a few weeks of history opens the
Insights tab from the group's header, switches to 90 days, opens a chart's numbers and downloads its CSV;
the admin opens the Insights tab of the admin pages. Photographed as `group-insights` and
`instance-insights` (desktop and 360 px, light and dark), each checked with axe."""
from __future__ import annotations

import csv
import io
from typing import Awaitable, Callable

from models.actors import LocalUser
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor
from tests.e2e.people import give_passwords, sign_in
from tests.insights.test_group_insights import build


async def test_owner_reads_group_insights_and_admin_reads_instance_insights(
    moot: MootInstance, visitors: Callable[..., Awaitable[Visitor]],
) -> None:
    world = await build(moot)
    await LocalUser.filter(actor=world.owner).update(is_admin=True)
    await give_passwords(world.owner)
    browser = await visitors(moot)
    await sign_in(browser, world.owner.local_name)
    await browser.open("/groups/allotment")
    main = browser.page.locator("main")
    await main.get_by_role("link", name="Insights", exact=True).click()
    await browser.page.wait_for_url("**/groups/allotment/insights")
    await main.get_by_role("link", name="7 days", exact=True).click()
    await browser.page.wait_for_url("**/groups/allotment/insights?days=7")
    joins = main.locator("#chart-joins")
    await joins.get_by_text("Show the numbers").click()
    assert await joins.locator("tbody tr").count() == 7
    async with browser.page.expect_download() as info:
        await joins.get_by_role("link", name="Download CSV").click()
    download = await info.value
    rows = list(csv.reader(io.StringIO(open(await download.path(), encoding="utf-8").read())))
    assert rows[0] == ["", "Joined", "Left", "Net"] and len(rows) == 8
    await browser.page.reload()
    await browser.look("group-insights")

    await browser.open("/admin")
    await main.get_by_role("link", name="Insights", exact=True).click()
    await browser.page.wait_for_url("**/admin/insights")
    await main.locator("#chart-growth").wait_for()
    await browser.look("instance-insights")
    browser.check()
