"""Boosts in the home timeline and on the user stream, as Mastodon shows them: an entry at the BOOST's time
whose `id` is the boost's own (from the post id sequence), `account` the booster and `reblog` the original
status, paged by that id (Link header, max_id, since_id, min_id), gone when unboosted; and an `update` event
on the user stream."""
from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from tests.conftest import MootInstance

WAIT = 5.0


def ids(statuses: list[dict[str, Any]]) -> list[str]:
    return [s["id"] for s in statuses]


async def home(moot: MootInstance, token: str, query: str = "") -> tuple[list[dict[str, Any]], dict[str, str]]:
    async with moot.session.get(f"{moot.base_url}/api/v1/timelines/home{query}",
                                headers={"Authorization": f"Bearer {token}"}) as response:
        assert response.status == 200
        links = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("Link", "")))
        return await response.json(), links


async def test_boost_is_an_entry_at_its_own_time_and_is_streamed(moot: MootInstance) -> None:
    ann, ann_token = await moot.user("ann")
    bob, bob_token = await moot.user("bob")
    cy, cy_token = await moot.user("cy")
    await moot.api("POST", f"/api/v1/accounts/{bob.id}/follow", ann_token)
    _, old = await moot.api("POST", "/api/v1/statuses", cy_token, json={"status": "Cy's old harvest"})
    _, before = await moot.api("POST", "/api/v1/statuses", bob_token, json={"status": "Bob before"})

    async with moot.session.ws_connect(f"{moot.base_url}/api/v1/streaming?stream=user&access_token={ann_token}") as ws:
        await asyncio.sleep(0.3)  # subscribed
        code, boosted = await moot.api("POST", f"/api/v1/statuses/{old['id']}/reblog", bob_token)
        assert code == 200
        message = await ws.receive_json(timeout=WAIT)
        payload = json.loads(message["payload"])
        assert message["stream"] == ["user"] and message["event"] == "update"
        assert payload["reblog"]["id"] == old["id"] and payload["account"]["id"] == str(bob.id)
        assert payload["id"] != old["id"] and payload["reblog"]["content"] == old["content"]
        # A boost by someone ann does not follow does not reach her stream.
        await moot.api("POST", f"/api/v1/statuses/{before['id']}/reblog", cy_token)
        await moot.api("POST", "/api/v1/statuses", cy_token, json={"status": "not followed"})
        extra = []
        while True:
            try:
                extra.append(await ws.receive_json(timeout=0.5))
            except asyncio.TimeoutError:
                break
        assert extra == [], extra

    _, after = await moot.api("POST", "/api/v1/statuses", bob_token, json={"status": "Bob after"})
    # The boost's id is from the post ids (federation/status_ids.py): between the posts made around it.
    assert int(before["id"]) < int(payload["id"]) < int(after["id"])
    entries, _ = await home(moot, ann_token)
    # Newest first: the later post, the boost (at its time, not the old post's), the earlier post.
    assert ids(entries) == [after["id"], payload["id"], before["id"]]
    boost = entries[1]
    assert boost["reblog"]["id"] == old["id"] and boost["account"]["acct"] == "bob" and boost["content"] == ""
    assert boost["reblog"]["account"]["acct"] == "cy" and boost["created_at"] >= before["created_at"]
    assert boost["uri"] != old["uri"] and boost["reblog"]["reblogs_count"] == 1

    # Paged by the entry ids, through the Link header as clients follow it.
    page, links = await home(moot, ann_token, "?limit=1")
    assert ids(page) == [after["id"]]
    page, links = await home(moot, ann_token, links["next"].split("/api/v1/timelines/home", 1)[1])
    assert ids(page) == [boost["id"]]
    page, links = await home(moot, ann_token, links["next"].split("/api/v1/timelines/home", 1)[1])
    assert ids(page) == [before["id"]]
    page, _ = await home(moot, ann_token, f"?min_id={boost['id']}&limit=1")
    assert ids(page) == [after["id"]]
    page, _ = await home(moot, ann_token, f"?min_id={before['id']}&limit=1")
    assert ids(page) == [boost["id"]]
    page, _ = await home(moot, ann_token, f"?since_id={before['id']}")
    assert ids(page) == [after["id"], boost["id"]]
    page, _ = await home(moot, ann_token, f"?max_id={after['id']}")
    assert ids(page) == [boost["id"], before["id"]]

    # cy's boost of bob's post is not an entry (ann does not follow cy); unboosting takes bob's away.
    await moot.api("POST", f"/api/v1/statuses/{old['id']}/unreblog", bob_token)
    entries, _ = await home(moot, ann_token)
    assert ids(entries) == [after["id"], before["id"]]


async def test_web_home_shows_the_boost_at_its_time(moot: MootInstance) -> None:
    from tests.accounts.helpers import person, signed_in

    ann, ann_token = await person(moot, "ann", admin=True)
    bob, bob_token = await person(moot, "bob")
    _, cy_token = await person(moot, "cy")
    await moot.api("POST", f"/api/v1/accounts/{bob.id}/follow", ann_token)
    _, old = await moot.api("POST", "/api/v1/statuses", cy_token, json={"status": "Cy's old harvest"})
    await moot.api("POST", "/api/v1/statuses", bob_token, json={"status": "Bob before"})
    await moot.api("POST", f"/api/v1/statuses/{old['id']}/reblog", bob_token)
    await moot.api("POST", "/api/v1/statuses", bob_token, json={"status": "Bob after"})
    browser = await signed_in(moot, "ann")
    try:
        page = await browser.get("/home")
        assert page.status == 200
        text = page.text
        assert "Boosted by bob" in text
        assert text.index("Bob after") < text.index("Boosted by bob") < text.index("old harvest") \
            < text.index("Bob before")
    finally:
        await browser.close()
