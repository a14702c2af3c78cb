"""Promotion in a real browser: a page's admin promotes a post from the page's Promotions list, an admin approves
it in the queue with a reason, and a person sees the "From pages" slot on Explore and on home, then opens it.
Pages are checked with axe-core, light and dark; the queue and the Explore slot are photographed as
`promotion-queue` and `explore-promoted`."""
from __future__ import annotations

from typing import Awaitable, Callable

from federation.actions import StatusInput, create_status
from models.promotions import Promotion
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor
from tests.e2e.people import give_passwords, sign_in


async def test_a_page_promotes_a_post_and_people_see_it(
    moot: MootInstance, visitors: Callable[..., Awaitable[Visitor]],
) -> None:
    ada, _ = await moot.user("ada", is_admin=True, display_name="Ada")
    olga, _ = await moot.user("olga", display_name="Olga")
    rita, _ = await moot.user("rita", display_name="Rita")
    await give_passwords(ada, olga, rita)
    page, _ = await moot.page("bakery", olga, display_name="Corner Bakery")
    post = await create_status(moot.fed, page, StatusInput(text="Fresh sourdough every morning from 7"))
    for number in range(5):
        await create_status(moot.fed, rita, StatusInput(text=f"Rita's note {number}"))

    # Olga promotes the post from the page.
    owner = await visitors(moot)
    await sign_in(owner, "olga")
    await owner.open("/@bakery")
    await owner.page.locator("main").get_by_role("link", name="Promotions", exact=True).click()
    assert owner.path() == "/pages/bakery/promotions"
    await owner.look("page-promotions", screenshots=False)
    await owner.page.locator("main").get_by_role("link", name="Promote", exact=True).first.click()
    assert owner.path() == f"/pages/bakery/promotions/new?post_id={post.id}"
    await owner.look("promotion-new", screenshots=False)
    await owner.field("Days").fill("7")
    response = await owner.submit(owner.button("Request the promotion"))
    assert response.status == 303 and owner.path() == "/pages/bakery/promotions?done=requested"
    await owner.page.locator("main").get_by_text("Waiting for a decision").wait_for()
    moot.use()
    promotion = await Promotion.get(post_id=post.id)

    # Ada approves it in the queue, with a reason.
    admin = await visitors(moot)
    await sign_in(admin, "ada")
    await admin.open("/admin/promotions")
    await admin.look("promotion-queue")
    await admin.page.locator(f"#approve-{promotion.id}").fill("A local business")
    response = await admin.submit(admin.button("Approve"))
    assert response.status == 303 and admin.path() == "/admin/promotions?done=approved"
    await admin.page.locator("main").get_by_text("Running", exact=True).first.wait_for()

    # Rita sees it on Explore and at home, clearly labelled, and opens it.
    reader = await visitors(moot)
    await sign_in(reader, "rita")
    await reader.open("/explore")
    slot = reader.page.locator("main .promoted-slot")
    await slot.get_by_role("heading", name="From pages").wait_for()
    await slot.get_by_text("Fresh sourdough every morning").wait_for()
    await reader.look("explore-promoted")
    await reader.open("/home")
    await reader.page.locator("main .promoted-slot").get_by_role("heading", name="From pages").wait_for()
    await reader.look("home-promoted", screenshots=False)
    await reader.page.locator("main .promoted-slot").get_by_role("link", name="See the post").click()
    assert reader.path() == f"/threads/{post.id}"
    moot.use()
    counted = await Promotion.get(id=promotion.id)
    # Three renders: home after signing in, Explore, home again; one click.
    assert (counted.impressions, counted.clicks) == (3, 1)
    # Olga reads the figures on the page's list.
    await owner.open("/pages/bakery/promotions")
    row = owner.page.locator("main .promotion-table tbody tr").first
    assert [await cell.inner_text() for cell in await row.locator("td.num").all()] == ["3", "1", "33.3 %", "0"]
    for visitor in (owner, admin, reader):
        visitor.check()
