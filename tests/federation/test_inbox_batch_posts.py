"""How a batch of group posts stores them (federation/remote_posts.py, federation/hot_cache.py): a post the batch
read as new is inserted without a lookup, yet every post is stored once (twice in one batch, or inserted by
another worker meanwhile), and the replies and mentions in a batch still notify."""
from __future__ import annotations

from typing import Any

import pytest

from federation import hot_cache
from federation.inbox import dispatch
from federation.queue import utcnow
from models.notifications import Notification
from models.posts import Post
from models.queues import DONE, InboxItem
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.federation.test_inbox_batches import count_flushes, queue
from tests.groups.helpers import lemmy_comment, lemmy_page, make_group, plain, remote_member, wrapped
from tests.notifications.helpers import post


async def applied_once(activities: list[dict[str, Any]]) -> None:
    rows = await InboxItem.filter(activity_id__in=[a["id"] for a in activities])
    assert len(rows) == len(activities)
    assert all((row.state, row.outcome, row.attempts) == (DONE, dispatch.APPLIED, 0) for row in rows), \
        [(row.state, row.outcome, row.attempts, row.last_error) for row in rows]


async def test_the_same_post_twice_in_one_batch_is_stored_once(
    moot: MootInstance, remote: FakeRemote, monkeypatch: pytest.MonkeyPatch,
) -> None:
    group, _, _, _ = await make_group(moot)
    bea, _ = await remote_member(moot, remote, group, "bea")
    first = lemmy_page(bea, group, title="Compost")
    again = {**first, "id": bea.new_id("activities/create")}  # the same post in a second Create
    other = lemmy_page(bea, group, title="Mulch")
    await queue(moot, remote, bea, group, first, again, other)
    flushes = count_flushes(monkeypatch)
    await moot.drain()

    assert flushes == [6]  # one batch, nothing applied alone: two Announces per Create
    assert await Post.filter(uri=first["object"]["id"]).count() == 1
    assert await Post.filter(uri=other["object"]["id"]).count() == 1
    await applied_once([first, again, other])
    assert sorted(plain(remote, group)) == sorted([first["object"]["id"]] * 2 + [other["object"]["id"]])


async def test_a_post_another_worker_inserted_meanwhile_is_applied_again_alone(
    moot: MootInstance, remote: FakeRemote, monkeypatch: pytest.MonkeyPatch,
) -> None:
    group, _, _, _ = await make_group(moot)
    bea, bea_actor = await remote_member(moot, remote, group, "bea")
    pages = [lemmy_page(bea, group, title=f"Bed {n}") for n in range(3)]
    await queue(moot, remote, bea, group, *pages)
    raced = pages[1]["object"]["id"]
    stored_posts = hot_cache._stored_posts

    async def then_another_worker(uris: Any) -> set[str]:
        stored = await stored_posts(uris)
        # Right after the batch read which posts exist, another worker stores the second one.
        await Post.create(uri=raced, author=bea_actor, type="Page", is_local=False, content="<p>raced</p>",
                          visibility="public", group=group, audience_group=group, to=[], cc=[], tags=[],
                          attachments=[], published=utcnow())
        return stored
    monkeypatch.setattr(hot_cache, "_stored_posts", then_another_worker)
    flushes = count_flushes(monkeypatch)
    await moot.drain()

    # The batch committed the other two; the raced item met the unique violation, was rolled back alone and
    # applied again alone at once (not left to a later retry), finding the stored post.
    assert flushes == [4]
    for page in pages:
        assert await Post.filter(uri=page["object"]["id"]).count() == 1
    assert (await Post.get(uri=raced)).content == "<p>raced</p>"
    await applied_once(pages)
    assert sorted(a["id"] for a in wrapped(remote, group, "Create")) == sorted(p["id"] for p in pages)


async def test_replies_and_mentions_in_a_batch_notify(
    moot: MootInstance, remote: FakeRemote, monkeypatch: pytest.MonkeyPatch,
) -> None:
    group, owner, owner_token, _ = await make_group(moot)
    ann, _ = await moot.user("ann")
    mine = await post(moot, owner_token, "Anyone growing leeks?")
    bea, _ = await remote_member(moot, remote, group, "bea")
    plain_page = lemmy_page(bea, group, title="Nothing for anyone here")
    mention = lemmy_page(bea, group, title="Leeks", content="<p>@ann what do you think?</p>")
    mention["object"]["tag"] = [{"type": "Mention", "href": ann.uri, "name": "@ann"}]
    reply = lemmy_comment(bea, group, mine["uri"], "<p>Yes, since March</p>")
    await queue(moot, remote, bea, group, plain_page, mention, reply)
    flushes = count_flushes(monkeypatch)
    await moot.drain()

    assert flushes == [6]  # the three in one batch
    await applied_once([plain_page, mention, reply])
    moot.use()
    told = await Notification.filter(recipient_id__in=[ann.id, owner.id]).order_by("id").values_list(
        "recipient_id", "kind")
    assert told == [(ann.id, "mention"), (owner.id, "reply")]
