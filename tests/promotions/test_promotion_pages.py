"""Promotion through the pages without JavaScript and through the API: a page admin asks, an admin approves in the
queue, people see "From pages" on Explore and home, the click goes through /promoted/<id>; outsiders get 404/403."""
from __future__ import annotations

from federation.actions import StatusInput, create_status
from models.moderation import ModLogEntry
from models.promotions import Promotion
from tests.conftest import MootInstance
from tests.promotions.helpers import build, signed_in, slot_ids, text_of


async def test_request_approve_show_and_click_in_the_pages(moot: MootInstance) -> None:
    w = await build(moot)
    owner = await signed_in(moot, w.owner)
    admin = await signed_in(moot, w.admin)
    reader = await signed_in(moot, w.reader)
    anonymous_client = type(reader)(moot.base_url)
    try:
        listing = await owner.get("/pages/bakery/promotions")
        assert listing.status == 200 and f"/pages/bakery/promotions/new?post_id={w.post.id}" in listing.text
        assert "/pages/bakery/promotions" in (await owner.get("/@bakery")).text  # the page links its promotions
        form = f"/pages/bakery/promotions/new?post_id={w.post.id}"
        assert (await owner.get(form)).status == 200
        # A wrong number of days keeps the form, with a clear sentence.
        refused = await owner.submit(form, "/pages/bakery/promotions", {"post_id": str(w.post.id), "days": "45"})
        assert refused.status == 422 and "from 1 to 30 days" in text_of(refused.text) and 'value="45"' in refused.text
        asked = await owner.submit(form, "/pages/bakery/promotions", {"post_id": str(w.post.id), "days": "7"})
        assert asked.status == 200 and asked.url.endswith("/pages/bakery/promotions?done=requested")
        assert "Waiting for a decision" in text_of(asked.text)
        promotion = await Promotion.get(post_id=w.post.id)
        # Nothing shows before the decision.
        assert slot_ids((await reader.get("/explore")).text) == []
        queue = await admin.get("/admin/promotions")
        assert queue.status == 200 and "Fresh sourdough" in queue.text
        assert f'action="/admin/promotions/{promotion.id}/approve"' in queue.text
        done = await admin.submit("/admin/promotions", f"/admin/promotions/{promotion.id}/approve",
                                  {"reason": "local bakery"})
        assert done.url.endswith("/admin/promotions?done=approved") and "Running" in text_of(done.text)
        entry = await ModLogEntry.get(action="promotion.approved")
        assert entry.reason == "local bakery"
        log = await admin.get("/moderation/instance/log?lang=en")
        assert "approved the promotion of" in text_of(log.text)
        # The reader sees it on Explore and, after their fifth post, at home (each render counts once).
        explore = await reader.get("/explore")
        assert slot_ids(explore.text) == [promotion.id] and "From pages" in explore.text
        for number in range(6):
            await create_status(moot.fed, w.reader, StatusInput(text=f"note {number}"))
        home = await reader.get("/home")
        assert slot_ids(home.text) == [promotion.id]
        assert home.text.index("note 1") < home.text.index('class="promoted-slot') < home.text.index("note 0")
        # Anonymous visitors see it on Explore, uncapped.
        assert slot_ids((await anonymous_client.get("/explore")).text) == [promotion.id]
        # Its admins never see it.
        assert slot_ids((await owner.get("/explore")).text) == []
        # The click counts and leads to the post.
        clicked = await reader.get(f"/promoted/{promotion.id}")
        assert clicked.status == 200 and clicked.url.endswith(f"/threads/{w.post.id}")
        async with reader.session.get(moot.base_url + f"/promoted/{promotion.id}", allow_redirects=False) as resp:
            assert resp.status == 303 and resp.headers["Location"] == f"/threads/{w.post.id}"
        row = await Promotion.get(id=promotion.id)
        assert (row.impressions, row.clicks) == (3, 2)
        # The cap (3 a day): the reader saw 2, so one more, then none.
        assert slot_ids((await reader.get("/explore")).text) == [promotion.id]
        assert slot_ids((await reader.get("/explore")).text) == []
        # The page's list shows the figures; the page withdraws.
        figures = text_of((await owner.get("/pages/bakery/promotions")).text)
        assert "Running" in figures
        withdrawn = await owner.submit("/pages/bakery/promotions",
                                       f"/pages/bakery/promotions/{promotion.id}/withdraw", {})
        assert withdrawn.url.endswith("?done=withdrawn") and "Withdrawn" in text_of(withdrawn.text)
        assert slot_ids((await anonymous_client.get("/explore")).text) == []
    finally:
        for client in (owner, admin, reader, anonymous_client):
            await client.close()


async def test_outsiders_cannot_manage_or_decide(moot: MootInstance) -> None:
    w = await build(moot)
    reader = await signed_in(moot, w.reader)
    try:
        assert (await reader.get("/pages/bakery/promotions")).status == 404
        assert (await reader.get(f"/pages/bakery/promotions/new?post_id={w.post.id}")).status == 404
        assert (await reader.get("/admin/promotions")).status == 403
        posted = await reader.submit("/home", "/pages/bakery/promotions", {"post_id": str(w.post.id), "days": "3"})
        assert posted.status == 404 and await Promotion.all().count() == 0
        for odd in ("12345", "%C2%B2", "9" * 30):
            assert (await reader.get(f"/promoted/{odd}")).status == 404
    finally:
        await reader.close()


async def test_the_api(moot: MootInstance) -> None:
    w = await build(moot)
    base = "/api/moot/v1/pages/bakery/promotions"
    status, body = await moot.api("POST", base, w.reader_token, json={"post_id": str(w.post.id), "days": 3})
    assert status == 404
    status, body = await moot.api("POST", base, w.owner_token, json={"post_id": str(w.post.id), "days": 40})
    assert status == 422
    status, body = await moot.api("POST", base, w.owner_token, json={"post_id": str(w.post.id), "days": 3})
    assert status == 201 and body["state"] == "requested" and body["days"] == 3
    promotion_id = body["id"]
    assert (await moot.api("GET", "/api/moot/v1/admin/promotions", w.owner_token))[0] == 403
    assert (await moot.api("POST", f"/api/moot/v1/admin/promotions/{promotion_id}/approve", w.reader_token))[0] == 403
    status, queue = await moot.api("GET", "/api/moot/v1/admin/promotions", w.admin_token)
    assert status == 200 and [p["id"] for p in queue["requested"]] == [promotion_id]
    status, body = await moot.api("POST", f"/api/moot/v1/admin/promotions/{promotion_id}/approve", w.admin_token,
                                  json={"reason": "ok"})
    assert status == 200 and body["state"] == "running"
    assert (await moot.api("POST", f"/api/moot/v1/admin/promotions/{promotion_id}/reject", w.admin_token))[0] == 409
    assert (await moot.api("POST", "/api/moot/v1/admin/promotions/999999/reject", w.admin_token))[0] == 404
    status, listing = await moot.api("GET", base, w.owner_token)
    assert status == 200 and listing[0]["impressions"] == 0 and listing[0]["click_through_rate"] is None
    assert (await moot.api("GET", base, w.reader_token))[0] == 404
    assert (await moot.api("POST", f"{base}/{promotion_id}/withdraw", w.reader_token))[0] == 404
    for odd in ("%C2%B2", "9" * 30):
        assert (await moot.api("POST", f"{base}/{odd}/withdraw", w.owner_token))[0] == 404
        assert (await moot.api("POST", f"/api/moot/v1/admin/promotions/{odd}/approve", w.admin_token))[0] == 404
    status, body = await moot.api("POST", base, w.owner_token, json={"post_id": "²", "days": "²"})
    assert status == 404
    status, body = await moot.api("POST", f"{base}/{promotion_id}/withdraw", w.owner_token)
    assert status == 200 and body["state"] == "withdrawn"
