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
from tests.federation.test_inbox_batches import count_flushes, queue, queued_posts
from tests.groups.helpers import announces, lemmy_comment, lemmy_page, make_group, plain, remote_member, wrapped
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

    # Another worker stores the second post (committed on its own connection) just after the batch read which
    # posts exist: the batch's read misses it, as it would in that race.
    await Post.create(uri=raced, author=bea_actor, type="Page", is_local=False, content="<p>raced</p>",
                      visibility="public", group=group, audience_group=group, to=[], cc=[], tags=[],
                      attachments=[], published=utcnow())

    async def before_another_worker(uris: Any) -> set[str]:
        return await stored_posts(uris) - {raced}
    monkeypatch.setattr(hot_cache, "_stored_posts", before_another_worker)
    flushes = count_flushes(monkeypatch)
    await moot.drain()

    # The batch's one INSERT of its new posts met the unique violation at the flush: the batch rolled back and
    # its items were applied again alone at once (not left to a later retry), the raced one finding the post.
    assert flushes == [6]
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


async def test_a_thread_arriving_in_one_batch_is_stored_in_order_with_its_boosts(
    moot: MootInstance, remote: FakeRemote, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # New posts of a batch are inserted together at its flush (federation/hot_cache.py), with ids reserved
    # first: a reply to one of them, in the same batch, must still find its parent, and every post its boost.
    group, _, _, _ = await make_group(moot)
    bea, _ = await remote_member(moot, remote, group, "bea")
    cyd, _ = await remote_member(moot, remote, group, "cyd")
    top = lemmy_page(bea, group, title="Seed swap in March?")
    other = lemmy_page(cyd, group, title="Frost last night")
    first = lemmy_comment(cyd, group, top["object"]["id"], "<p>Count me in</p>")
    second = lemmy_comment(bea, group, first["object"]["id"], "<p>Great, bring beans</p>")
    await queue(moot, remote, bea, group, top, other, first, second)
    flushes = count_flushes(monkeypatch)
    await moot.drain()

    assert flushes == [8]  # one batch: two Announces for each of the four
    await applied_once([top, other, first, second])
    rows = {row.uri: row for row in await Post.filter(group_id=group.id, is_local=False)}
    assert len(rows) == 4
    by = {name: rows[activity["object"]["id"]] for name, activity in
          (("top", top), ("other", other), ("first", first), ("second", second))}
    assert by["top"].in_reply_to_id is None and by["other"].in_reply_to_id is None
    assert by["first"].in_reply_to_id == by["top"].id and by["second"].in_reply_to_id == by["first"].id
    assert by["top"].id < by["other"].id < by["first"].id < by["second"].id  # in the order they arrived
    # The id-form boost of each (what a later Undo names) was stored with it, and is what Mastodon received.
    sent = {a["object"]: a["id"] for a in announces(remote, group) if isinstance(a["object"], str)}
    for row in rows.values():
        assert row.group_announce_uri is not None and sent[row.uri] == row.group_announce_uri


async def test_text_with_nul_in_a_batch_is_stored_without_it(
    moot: MootInstance, remote: FakeRemote, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # PostgreSQL refuses a NUL in text (and in jsonb); rows written together skip save()'s hook that drops it.
    group, bea, pages = await queued_posts(moot, remote, "Bed", 3, content="<p>row\x00{n}</p>")
    flushes = count_flushes(monkeypatch)
    await moot.drain()

    assert flushes == [6]
    await applied_once(pages)
    for n, page in enumerate(pages):
        assert (await Post.get(uri=page["object"]["id"])).content == f"<p>row{n}</p>"


async def test_replies_in_a_batch_count_as_check_ins(
    moot: MootInstance, remote: FakeRemote, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A check-in names the reply's row, so a group running check-ins never holds a reply back to the flush, even
    # one to a remote comment (its parent is not ours, but its thread is the day's).
    from federation.jobs import run_due_jobs
    from models.checkins import Checkin, CheckinDay
    from tests.activities.test_checkins import start

    group, _, token, _ = await make_group(moot, "yoga")
    ana, ana_actor = await remote_member(moot, remote, group, "ana")
    bob, bob_actor = await remote_member(moot, remote, group, "bob")
    cyd, cyd_actor = await remote_member(moot, remote, group, "cyd")
    series = await start(moot, token)
    await run_due_jobs(moot.fed, now=utcnow())
    await moot.drain()
    thread = (await CheckinDay.get(series_id=int(series["id"])).prefetch_related("thread")).thread
    comment = lemmy_comment(ana, group, thread.uri, "<p>Scales</p>")
    await queue(moot, remote, ana, group, comment)
    await moot.drain()
    replies = [lemmy_comment(bob, group, comment["object"]["id"], "<p>Stretches</p>"),
               lemmy_comment(cyd, group, comment["object"]["id"], "<p>A walk</p>")]
    await queue(moot, remote, bob, group, replies[0])
    await queue(moot, remote, cyd, group, replies[1])
    flushes = count_flushes(monkeypatch)
    await moot.drain()

    assert flushes == [4]  # both in one batch
    await applied_once(replies)
    checkins = {row.actor_id: row for row in await Checkin.all()}
    assert set(checkins) == {ana_actor.id, bob_actor.id, cyd_actor.id}
    for reply, actor in zip(replies, (bob_actor, cyd_actor)):
        assert checkins[actor.id].post_id == (await Post.get(uri=reply["object"]["id"])).id


@pytest.mark.parametrize("batched", [True, False], ids=["in batches", "one by one"])
async def test_a_reply_that_came_before_its_parent_is_linked_when_the_parent_comes(
    moot: MootInstance, remote: FakeRemote, batched: bool,
) -> None:
    # Federation keeps no order, and with several workers a reply is often applied while its parent is being
    # stored elsewhere: the reply keeps the parent's URI, and gets its id once the parent is stored.
    group, _, _, _ = await make_group(moot)
    bea, _ = await remote_member(moot, remote, group, "bea")
    cyd, _ = await remote_member(moot, remote, group, "cyd")
    top = lemmy_page(bea, group, title="Who has spare pots?")
    reply = lemmy_comment(cyd, group, top["object"]["id"], "<p>I do</p>")
    others = [lemmy_page(cyd, group, title=f"Other {n}") for n in range(2)]
    await queue(moot, remote, cyd, group, reply, *(others[:1] if batched else []))
    await moot.drain()
    moot.use()
    early = await Post.get(uri=reply["object"]["id"])
    assert early.in_reply_to_id is None and early.in_reply_to_uri == top["object"]["id"]

    await queue(moot, remote, bea, group, top, *(others[1:] if batched else []))
    await moot.drain()
    moot.use()
    parent = await Post.get(uri=top["object"]["id"])
    assert (await Post.get(uri=reply["object"]["id"])).in_reply_to_id == parent.id
