"""The queue dashboard in a real browser: an admin opens Queues from the admin tabs, sees a delivery that gave
up (the remote refused it) and a server backing off (it is dead), retries the first and discards the second
with the confirmation box (photographed as `admin-queues`)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable

from aiohttp.test_utils import unused_port

from federation.delivery import MAX_ATTEMPTS
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.queues import FAILED, PENDING, Delivery, HostBackoff
from tests.conftest import MootInstance
from tests.e2e.conftest import Visitor
from tests.e2e.people import give_passwords, sign_in
from tests.fakeremote import FakeRemote
from tests.federation.test_mastodon_remote import page_with_followers


async def test_admin_retries_and_discards_failed_deliveries(
    moot: MootInstance, remote: FakeRemote, visitors: Callable[..., Awaitable[Visitor]],
) -> None:
    ada, _ = await moot.user("ada", is_admin=True, display_name="Ada")
    await give_passwords(ada)
    page, token, _ = await page_with_followers(moot, remote, "dora")
    dead = f"127.0.0.1:{unused_port()}"
    ghost = await Actor.create(uri=f"http://{dead}/users/ghost", type="Person", username="ghost", domain=dead,
                               inbox=f"http://{dead}/users/ghost/inbox", public_key_id=f"http://{dead}/users/ghost#k",
                               public_key_pem="-")
    await Follow.create(follower=ghost, target=page, state=ACCEPTED)
    remote.inbox_status = 400
    await moot.api("POST", "/api/v1/statuses", token, json={"status": "Opening hours change on Monday"})
    await moot.drain()
    refused = await Delivery.get(host=remote.host, state=FAILED)
    # The dead server has used up its attempts but one; its next try fails for good.
    past = datetime.now(timezone.utc) - timedelta(seconds=1)
    await Delivery.filter(host=dead).update(attempts=MAX_ATTEMPTS - 1, next_attempt_at=past)
    await HostBackoff.filter(host=dead).update(next_attempt_at=past)
    await moot.drain()
    gone = await Delivery.get(host=dead, state=FAILED)
    # One more post that keeps backing off, so the dashboard shows a paused server.
    await moot.api("POST", "/api/v1/statuses", token, json={"status": "Closed for stocktaking"})
    await moot.drain()

    browser = await visitors(moot)
    await sign_in(browser, "ada")
    await browser.open("/admin")
    main = browser.page.locator("main")
    await main.get_by_role("navigation", name="Admin").get_by_role("link", name="Queues").click()
    await browser.page.wait_for_url("**/admin/queues")
    await main.get_by_role("heading", name="Items that gave up").wait_for()
    assert await main.locator(f"#item-delivery-{refused.id}").count() == 1
    assert await main.locator(f"#item-delivery-{gone.id}").count() == 1
    assert await main.get_by_text("Paused until").count() >= 1
    await browser.look("admin-queues")

    remote.inbox_status = None
    response = await browser.submit(main.locator(f"#item-delivery-{refused.id}").get_by_role(
        "button", name="Retry", exact=True))
    assert response.status == 303
    await main.get_by_text("will be tried again now").wait_for()
    assert (await Delivery.get(id=refused.id)).state == PENDING

    row = main.locator(f"#item-delivery-{gone.id}")
    await row.locator("details.confirm > summary").click()
    response = await browser.submit(row.get_by_role("button", name="Yes, discard", exact=True))
    assert response.status == 303
    await main.get_by_text("The item was discarded.").wait_for()
    assert not await Delivery.filter(id=gone.id).exists()
    await moot.drain()
    assert any(r.body["type"] == "Create" for r in remote.received)
    await browser.look("admin-queues-after", screenshots=False)
    browser.check()
