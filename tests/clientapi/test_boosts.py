"""Boosting from an app (POST /api/v1/statuses/:id/reblog): an Announce shaped like Mastodon's reaches the
booster's followers and the author's server; unreblog sends the Undo; only public posts can be boosted."""
from __future__ import annotations

from models.actors import Actor
from models.posts import Post
from tests.conftest import MootInstance
from tests.fakeremote import AS, PUBLIC, FakeRemote


async def test_boosting_a_remote_post_and_taking_it_back(moot: MootInstance, remote: FakeRemote) -> None:
    ann, ann_token = await moot.user("ann")
    alice = remote.add_actor("alice")
    # alice follows ann (a follower to deliver to) and mentions her in a public note (a post ann has).
    follow = {"@context": AS, "id": alice.new_id(), "type": "Follow", "actor": alice.uri, "object": ann.uri}
    assert (await remote.send(alice, ann.inbox, follow))[0] == 202
    note_id = alice.new_id("statuses")
    create = {"@context": AS, "id": f"{note_id}/activity", "type": "Create", "actor": alice.uri,
              "to": [PUBLIC], "cc": [alice.followers, ann.uri],
              "object": {"id": note_id, "type": "Note", "attributedTo": alice.uri, "content": "<p>Seed swap!</p>",
                         "to": [PUBLIC], "cc": [alice.followers, ann.uri],
                         "tag": [{"type": "Mention", "href": ann.uri, "name": "@ann"}]}}
    assert (await remote.send(alice, ann.inbox, create))[0] == 202
    await moot.drain()
    post = await Post.get(uri=note_id)

    code, body = await moot.api("POST", f"/api/v1/statuses/{post.id}/reblog", ann_token)
    # Mastodon's answer: the boost (its own id, the booster) wrapping the original.
    assert code == 200 and body["reblog"]["id"] == str(post.id) and body["id"] != str(post.id)
    assert body["reblog"]["reblogged"] is True and body["reblog"]["reblogs_count"] == 1
    assert body["account"]["id"] == str(ann.id) and body["reblog"]["account"]["id"] != str(ann.id)
    await moot.drain()
    [announce] = remote.activities("Announce")
    assert announce["actor"] == ann.uri and announce["object"] == note_id
    assert announce["to"] == [PUBLIC] and set(announce["cc"]) == {alice.uri, ann.followers_url}
    assert len([r for r in remote.received if r.body.get("type") == "Announce"]) == 1  # one server, once
    code, boosters = await moot.api("GET", f"/api/v1/statuses/{post.id}/reblogged_by")
    assert [b["id"] for b in boosters] == [str(ann.id)]
    # Boosting twice changes nothing.
    await moot.api("POST", f"/api/v1/statuses/{post.id}/reblog", ann_token)
    await moot.drain()
    assert len(remote.activities("Announce")) == 1

    code, body = await moot.api("POST", f"/api/v1/statuses/{post.id}/unreblog", ann_token)
    assert code == 200 and body["reblogged"] is False and body["reblogs_count"] == 0
    await moot.drain()
    [undo] = remote.activities("Undo")
    assert undo["object"]["type"] == "Announce" and undo["object"]["id"] == announce["id"]


async def test_only_public_posts_can_be_boosted(moot: MootInstance) -> None:
    ann, ann_token = await moot.user("ann")
    bob, bob_token = await moot.user("bob")
    code, private = await moot.api("POST", "/api/v1/statuses", bob_token,
                                   json={"status": "for followers", "visibility": "private"})
    assert code == 200
    await moot.api("POST", f"/api/v1/accounts/{bob.id}/follow", ann_token)
    code, body = await moot.api("POST", f"/api/v1/statuses/{private['id']}/reblog", ann_token)
    assert code in (404, 422) and "error" in body


async def test_boost_button_on_the_thread_page(moot: MootInstance) -> None:
    from tests.community.test_search import post_in
    from tests.groups.helpers import make_group
    from tests.web.test_create_pages import signed_in

    from federation.local_actors import create_token

    garden, _, garden_token, _ = await make_group(moot, "garden")
    browser = await signed_in(moot)  # ada
    ada = await Actor.get(username="ada", is_local=True)
    ada_token = await create_token(ada)
    code, body = await moot.api("POST", "/api/moot/v1/groups", ada_token, json={"name": "vault", "private": True})
    assert code == 201, body
    vault = await Actor.get(id=int(body["id"]))
    open_post = await post_in(moot, garden, garden_token, "Open day", "All welcome")
    closed_post = await post_in(moot, vault, ada_token, "Members only", "Not for boosting")
    try:
        page = await browser.get(f"/threads/{open_post}")
        assert f'action="/threads/{open_post}/boost"' in page.text
        page = await browser.submit(f"/threads/{open_post}", f"/threads/{open_post}/boost",
                                    {"next": f"/threads/{open_post}"})
        assert page.status == 200 and f'action="/threads/{open_post}/unboost"' in page.text
        assert 'aria-pressed="true"' in page.text
        code, body = await moot.api("GET", f"/api/v1/statuses/{open_post}")
        assert body["reblogs_count"] == 1
        # A private group's post has no Boost button: ada owns the group and reads it, but may not boost it.
        page = await browser.get(f"/threads/{closed_post}")
        assert page.status == 200 and "Members only" in page.text and "/boost" not in page.text
        page = await browser.submit(f"/threads/{closed_post}", f"/threads/{closed_post}/boost", {})
        code, body = await moot.api("GET", f"/api/v1/statuses/{closed_post}", ada_token)
        assert body["reblogs_count"] == 0
    finally:
        await browser.close()


async def test_a_followed_persons_boost_reaches_the_home_timeline(moot: MootInstance) -> None:
    ann, ann_token = await moot.user("ann")
    bob, bob_token = await moot.user("bob")
    cy, cy_token = await moot.user("cy")
    code, post = await moot.api("POST", "/api/v1/statuses", cy_token, json={"status": "Cy's harvest"})
    await moot.api("POST", f"/api/v1/accounts/{bob.id}/follow", ann_token)
    code, home = await moot.api("GET", "/api/v1/timelines/home", ann_token)
    assert post["id"] not in [s["id"] for s in home]
    await moot.api("POST", f"/api/v1/statuses/{post['id']}/reblog", bob_token)
    code, home = await moot.api("GET", "/api/v1/timelines/home", ann_token)
    # As a reblog entry of its own (tests/clientapi/test_boosts_home_stream.py has the details).
    assert post["id"] in [s["reblog"]["id"] for s in home if s["reblog"]]
