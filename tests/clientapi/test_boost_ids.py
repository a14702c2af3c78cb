"""Boosts have status ids from the post id sequence (issue 13): ids interleave with posts by time on the wire,
home pages and cursors use them as plain ids, `/api/v1/statuses/<boost id>` answers the reblog wrapper for
those who may see it (404 for others), the routes acting on a status act on a boost's original, and home
leaves out duplicate boosts as Mastodon's feed does (in the page itself and on the user stream)."""
from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from models.posts import ANNOUNCE, Interaction
from tests.community.test_search import post_in
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeRemote
from tests.groups.helpers import make_group
from tests.notifications.helpers import deliver, post

WAIT = 5.0


def ids(statuses: list[dict[str, Any]]) -> list[str]:
    return [s["id"] for s in statuses]


async def home(moot: MootInstance, token: str, query: str = "") -> tuple[list[dict[str, Any]], dict[str, str]]:
    async with moot.session.get(f"{moot.base_url}/api/v1/timelines/home{query}",
                                headers={"Authorization": f"Bearer {token}"}) as response:
        assert response.status == 200
        links = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("Link", "")))
        return await response.json(), links


def after_path(link: str) -> str:
    return link.split("/api/v1/timelines/home", 1)[1]


async def test_post_boost_post_ids_increase_and_page_by_id(moot: MootInstance) -> None:
    ann, ann_token = await moot.user("ann")
    bob, bob_token = await moot.user("bob")
    _, cy_token = await moot.user("cy")
    await moot.api("POST", f"/api/v1/accounts/{bob.id}/follow", ann_token)
    old = await post(moot, cy_token, "Cy's old harvest")
    first = await post(moot, bob_token, "Bob first")
    code, boost = await moot.api("POST", f"/api/v1/statuses/{old['id']}/reblog", bob_token)
    assert code == 200 and boost["reblog"]["id"] == old["id"]
    last = await post(moot, bob_token, "Bob last")
    # One id space, in the order things were made: Tusky compares them as numbers.
    assert int(old["id"]) < int(first["id"]) < int(boost["id"]) < int(last["id"])

    entries, links = await home(moot, ann_token)
    assert ids(entries) == [last["id"], boost["id"], first["id"]]
    assert entries[1]["reblog"]["id"] == old["id"] and entries[1]["account"]["acct"] == "bob"
    assert links["prev"].endswith(f"min_id={last['id']}") and "next" not in links  # not a full page

    # Walking down one entry a page, as a client follows the Link header, then back up with min_id.
    page, links = await home(moot, ann_token, "?limit=1")
    walked = ids(page)
    while page:
        page, links = await home(moot, ann_token, after_path(links["next"]))
        walked += ids(page)
    assert walked == [last["id"], boost["id"], first["id"]]
    page, links = await home(moot, ann_token, f"?min_id={first['id']}&limit=1")
    assert ids(page) == [boost["id"]]
    page, _ = await home(moot, ann_token, after_path(links["prev"]))
    assert ids(page) == [last["id"]]
    # Every cursor is a plain id, a boost's included.
    assert ids((await home(moot, ann_token, f"?max_id={boost['id']}"))[0]) == [first["id"]]
    assert ids((await home(moot, ann_token, f"?max_id={last['id']}&since_id={first['id']}"))[0]) == [boost["id"]]
    assert ids((await home(moot, ann_token, f"?since_id={first['id']}&limit=1"))[0]) == [last["id"]]
    assert ids((await home(moot, ann_token, f"?min_id={boost['id']}"))[0]) == [last["id"]]
    assert ids((await home(moot, ann_token, f"?min_id={old['id']}"))[0]) == [last["id"], boost["id"], first["id"]]
    # Boosting again changes nothing: the same boost, the same id.
    code, again = await moot.api("POST", f"/api/v1/statuses/{old['id']}/reblog", bob_token)
    assert code == 200 and again["id"] == boost["id"]


async def test_an_inbound_boost_takes_an_id_between_posts(moot: MootInstance, remote: FakeRemote) -> None:
    ann, ann_token = await moot.user("ann")
    mine = await post(moot, ann_token, "Hello, fediverse")
    bob = remote.add_actor("bob")
    announce = {"@context": AS, "id": bob.new_id(), "type": "Announce", "actor": bob.uri, "object": mine["uri"],
                "to": [PUBLIC], "cc": [bob.followers]}
    await deliver(moot, remote, bob, ann.inbox, announce)
    later = await post(moot, ann_token, "Later")
    await deliver(moot, remote, bob, ann.inbox, announce)  # a second copy: still one boost, one id
    moot.use()
    rows = await Interaction.filter(kind=ANNOUNCE, activity_uri=announce["id"]).values_list("status_id", flat=True)
    assert len(rows) == 1 and int(mine["id"]) < rows[0] < int(later["id"])
    code, body = await moot.api("GET", f"/api/v1/statuses/{rows[0]}", ann_token)
    assert code == 200 and body["id"] == str(rows[0]) and body["uri"] == announce["id"]
    assert body["reblog"]["id"] == mine["id"] and body["account"]["acct"].startswith("bob@")


async def test_a_boost_id_reads_as_a_reblog_and_acts_on_its_original(moot: MootInstance) -> None:
    ann, ann_token = await moot.user("ann")
    bob, bob_token = await moot.user("bob")
    _, cy_token = await moot.user("cy")
    dan, dan_token = await moot.user("dan")
    old = await post(moot, cy_token, "Cy's old harvest")
    _, boost = await moot.api("POST", f"/api/v1/statuses/{old['id']}/reblog", bob_token)

    for token in (ann_token, None):  # signed in, and anonymous
        code, body = await moot.api("GET", f"/api/v1/statuses/{boost['id']}", token)
        assert code == 200 and body["id"] == boost["id"] and body["content"] == ""
        assert body["account"]["acct"] == "bob" and body["reblog"]["id"] == old["id"]
        assert body["reblog"]["content"] == old["content"] and body["reblog"]["reblogs_count"] == 1

    # Favourite, bookmark and reblog with the boost's id act on the original, as Mastodon does.
    code, body = await moot.api("POST", f"/api/v1/statuses/{boost['id']}/favourite", ann_token)
    assert code == 200 and body["id"] == old["id"] and body["favourited"] is True
    code, body = await moot.api("POST", f"/api/v1/statuses/{boost['id']}/bookmark", ann_token)
    assert code == 200 and body["id"] == old["id"] and body["bookmarked"] is True
    code, mine = await moot.api("POST", f"/api/v1/statuses/{boost['id']}/reblog", ann_token)
    assert code == 200 and mine["reblog"]["id"] == old["id"] and mine["account"]["acct"] == "ann"
    assert int(mine["id"]) > int(boost["id"]) and mine["reblog"]["reblogs_count"] == 2
    code, body = await moot.api("GET", f"/api/v1/statuses/{boost['id']}/context", ann_token)
    assert code == 200 and body == {"ancestors": [], "descendants": []}
    # Unreblog answers the original, no longer reblogged (as Mastodon); the boost's id is gone then.
    code, body = await moot.api("POST", f"/api/v1/statuses/{mine['id']}/unreblog", ann_token)
    assert code == 200 and body["id"] == old["id"] and body["reblogged"] is False
    assert (await moot.api("GET", f"/api/v1/statuses/{mine['id']}", ann_token))[0] == 404
    # Someone else's boost cannot be edited, pinned or deleted: 404, as for a status that is not theirs to own.
    assert (await moot.api("POST", f"/api/v1/statuses/{boost['id']}/pin", ann_token))[0] == 404
    assert (await moot.api("DELETE", f"/api/v1/statuses/{boost['id']}", ann_token))[0] == 404

    # A viewer who blocked the booster does not see the boost; the original stays theirs to read.
    await moot.api("POST", f"/api/v1/accounts/{bob.id}/block", dan_token)
    assert (await moot.api("GET", f"/api/v1/statuses/{boost['id']}", dan_token))[0] == 404
    assert (await moot.api("POST", f"/api/v1/statuses/{boost['id']}/favourite", dan_token))[0] == 404
    assert (await moot.api("GET", f"/api/v1/statuses/{old['id']}", dan_token))[0] == 200
    # Deleting one's own boost by its id undoes it (Mastodon's way to unreblog from the boost itself).
    code, body = await moot.api("DELETE", f"/api/v1/statuses/{boost['id']}", bob_token)
    assert code == 200 and body["id"] == boost["id"] and body["reblog"]["id"] == old["id"]
    assert (await moot.api("GET", f"/api/v1/statuses/{boost['id']}", ann_token))[0] == 404

    # Once the original is gone nobody may see it, so its boost answers 404 to everyone.
    _, again = await moot.api("POST", f"/api/v1/statuses/{old['id']}/reblog", bob_token)
    assert (await moot.api("GET", f"/api/v1/statuses/{again['id']}", ann_token))[0] == 200
    assert (await moot.api("DELETE", f"/api/v1/statuses/{old['id']}", cy_token))[0] == 200
    for token in (ann_token, bob_token, None):
        assert (await moot.api("GET", f"/api/v1/statuses/{again['id']}", token))[0] == 404
    assert (await moot.api("POST", f"/api/v1/statuses/{again['id']}/reblog", ann_token))[0] == 404


async def test_home_leaves_out_duplicate_boosts_in_the_page_and_on_the_stream(moot: MootInstance) -> None:
    ann, ann_token = await moot.user("ann")
    bob, bob_token = await moot.user("bob")
    cy, cy_token = await moot.user("cy")
    dan, dan_token = await moot.user("dan")
    _, eve_token = await moot.user("eve")
    for followed in (bob, cy, dan):
        await moot.api("POST", f"/api/v1/accounts/{followed.id}/follow", ann_token)
    garden, _, garden_token, _ = await make_group(moot, "garden")
    await moot.api("POST", f"/api/v1/accounts/{garden.id}/follow", ann_token)  # ann joins the group
    followed_post = await post(moot, bob_token, "Bob's own")
    stranger_post = await post(moot, eve_token, "Eve's, unfollowed")
    group_post = str(await post_in(moot, garden, garden_token, "Open day", "All welcome"))

    async with moot.session.ws_connect(f"{moot.base_url}/api/v1/streaming?stream=user&access_token={ann_token}") as ws:
        await asyncio.sleep(0.3)  # subscribed
        _, cy_of_bob = await moot.api("POST", f"/api/v1/statuses/{followed_post['id']}/reblog", cy_token)
        _, cy_of_group = await moot.api("POST", f"/api/v1/statuses/{group_post}/reblog", cy_token)
        assert cy_of_group["reblog"]["id"] == group_post
        _, cy_of_eve = await moot.api("POST", f"/api/v1/statuses/{stranger_post['id']}/reblog", cy_token)
        message = await ws.receive_json(timeout=WAIT)
        # cy's boosts of bob's post and of the group's are not sent: ann has those posts themselves (following
        # bob, and in the group). Only the first boost of eve's is.
        assert json.loads(message["payload"])["id"] == cy_of_eve["id"]
        _, dan_of_eve = await moot.api("POST", f"/api/v1/statuses/{stranger_post['id']}/reblog", dan_token)
        later = await post(moot, bob_token, "Bob later")
        message = await ws.receive_json(timeout=WAIT)
        assert json.loads(message["payload"])["id"] == later["id"]  # dan's boost came first, and was not sent
        extra = []
        while True:
            try:
                extra.append(await ws.receive_json(timeout=0.5))
            except asyncio.TimeoutError:
                break
        assert extra == [], extra

    assert int(dan_of_eve["id"]) > int(cy_of_eve["id"]) > int(cy_of_bob["id"])
    entries, _ = await home(moot, ann_token)
    assert ids(entries) == [later["id"], cy_of_eve["id"], group_post, followed_post["id"]]
    # Left out by the query, not after it: two newest entries make a full page of two.
    page, links = await home(moot, ann_token, "?limit=2")
    assert ids(page) == [later["id"], cy_of_eve["id"]]
    page, _ = await home(moot, ann_token, after_path(links["next"]))
    assert ids(page) == [group_post, followed_post["id"]]
    # When the first boost goes, the next one shows, at its own time.
    await moot.api("POST", f"/api/v1/statuses/{stranger_post['id']}/unreblog", cy_token)
    entries, _ = await home(moot, ann_token)
    assert ids(entries) == [later["id"], dan_of_eve["id"], group_post, followed_post["id"]]
    # The booster themself sees their boost unless they follow the original's author.
    entries, _ = await home(moot, dan_token)
    assert ids(entries) == [dan_of_eve["id"]]
