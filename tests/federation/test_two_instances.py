"""Two real Moot instances federate both ways: a user on A follows a page on B."""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from models.follows import ACCEPTED, Follow
from models.posts import ANNOUNCE, LIKE, REPLY, Interaction, Post
from tests.conftest import MootInstance, settle


async def _setup(moot_factory: Callable[..., Awaitable[MootInstance]]) -> dict[str, Any]:
    a = await moot_factory()
    b = await moot_factory()
    reader, reader_token = await a.user("reader")
    owner, _ = await b.user("owner")
    page, page_token = await b.page("bakery", owner, display_name="The Bakery", category="Bakery")
    # The reader finds the page by its handle and follows it.
    status, found = await a.api("GET", f"/api/v2/search?q=@bakery@{b.host}&resolve=true", reader_token)
    assert status == 200, found
    assert [acc["acct"] for acc in found["accounts"]] == [f"bakery@{b.host}"]
    remote_page_id = found["accounts"][0]["id"]
    status, relationship = await a.api("POST", f"/api/v1/accounts/{remote_page_id}/follow", reader_token)
    assert status == 200 and relationship["requested"] is True
    # A delivers the Follow, B records the follower and answers Accept, A applies it.
    await settle(a, b)
    return {"a": a, "b": b, "reader": reader, "reader_token": reader_token, "page": page,
            "page_token": page_token, "remote_page_id": remote_page_id}


async def test_follow_is_accepted_on_both_sides(moot_factory) -> None:
    s = await _setup(moot_factory)
    a, b = s["a"], s["b"]
    a.use()
    follow = await Follow.get(follower_id=s["reader"].id).prefetch_related("target")
    assert follow.state == ACCEPTED and follow.target.uri == s["page"].uri
    b.use()
    theirs = await Follow.get(target_id=s["page"].id).prefetch_related("follower")
    assert theirs.state == ACCEPTED and theirs.follower.uri == s["reader"].uri
    status, followers = await b.get_ap(s["page"].followers_url + "?page=1")
    assert status == 200 and followers["orderedItems"] == [s["reader"].uri]


async def test_page_posts_edits_pins_and_deletes_arrive(moot_factory) -> None:
    s = await _setup(moot_factory)
    a, b = s["a"], s["b"]
    status, post = await b.api("POST", "/api/v1/statuses", s["page_token"],
                               json={"status": "Fresh bread at 8! #bread", "visibility": "public"})
    assert status == 200, post
    await settle(a, b)
    a.use()
    received = await Post.get(uri=post["uri"])
    assert "Fresh bread at 8!" in received.content and received.visibility == "public"

    status, _ = await b.api("PUT", f"/api/v1/statuses/{post['id']}", s["page_token"], json={"status": "Fresh bread at 9!"})
    assert status == 200
    await settle(a, b)
    a.use()
    edited = await Post.get(uri=post["uri"])
    assert "Fresh bread at 9!" in edited.content and edited.edited_at is not None

    status, pinned = await b.api("POST", f"/api/v1/statuses/{post['id']}/pin", s["page_token"])
    assert status == 200 and pinned["pinned"] is True
    await settle(a, b)
    a.use()
    assert (await Post.get(uri=post["uri"])).pinned_at is not None
    status, featured = await b.get_ap(s["page"].featured_url)
    assert [item["id"] for item in featured["orderedItems"]] == [post["uri"]]

    status, _ = await b.api("POST", f"/api/v1/statuses/{post['id']}/unpin", s["page_token"])
    await settle(a, b)
    a.use()
    assert (await Post.get(uri=post["uri"])).pinned_at is None

    status, _ = await b.api("DELETE", f"/api/v1/statuses/{post['id']}", s["page_token"])
    assert status == 200
    await settle(a, b)
    a.use()
    assert (await Post.get(uri=post["uri"])).deleted_at is not None
    async with b.session.get(post["uri"], headers={"Accept": "application/activity+json"}) as response:
        assert response.status == 410
        assert (await response.json(content_type=None))["type"] == "Tombstone"


async def test_reader_replies_and_likes_and_the_page_records_it(moot_factory) -> None:
    s = await _setup(moot_factory)
    a, b = s["a"], s["b"]
    status, post = await b.api("POST", "/api/v1/statuses", s["page_token"], json={"status": "New cake recipe"})
    await settle(a, b)
    a.use()
    local_copy = await Post.get(uri=post["uri"])
    status, liked = await a.api("POST", f"/api/v1/statuses/{local_copy.id}/favourite", s["reader_token"])
    assert status == 200, liked
    status, reply = await a.api("POST", "/api/v1/statuses", s["reader_token"],
                                json={"status": f"@bakery@{b.host} looks great", "in_reply_to_id": str(local_copy.id)})
    assert status == 200, reply
    await settle(a, b)
    b.use()
    page_post = await Post.get(uri=post["uri"])
    kinds = sorted(await Interaction.filter(post=page_post).values_list("kind", flat=True))
    assert kinds == [LIKE, REPLY]
    stored_reply = await Post.get(uri=reply["uri"])
    assert stored_reply.in_reply_to_id == page_post.id
    status, api_post = await b.api("GET", f"/api/v1/statuses/{page_post.id}")
    assert api_post["favourites_count"] == 1 and api_post["replies_count"] == 1

    # Unliking federates an Undo, and the page forgets the like.
    await a.api("POST", f"/api/v1/statuses/{local_copy.id}/unfavourite", s["reader_token"])
    await settle(a, b)
    b.use()
    assert await Interaction.filter(post=page_post, kind=LIKE).count() == 0
    assert ANNOUNCE not in await Interaction.filter(post=page_post).values_list("kind", flat=True)


async def test_unfollow_reaches_the_page(moot_factory) -> None:
    s = await _setup(moot_factory)
    a, b = s["a"], s["b"]
    status, _ = await a.api("POST", f"/api/v1/accounts/{s['remote_page_id']}/unfollow", s["reader_token"])
    assert status == 200
    await settle(a, b)
    b.use()
    assert await Follow.filter(target_id=s["page"].id).count() == 0
