"""The inbox worker applies runs of group posts in batches (federation/inbox/dispatch.py, federation/hot_cache.py):
one transaction each, exactly once even when a worker dies mid-batch, one bad item never failing the others,
and what the batch caches (bans, mutes, membership) changed by Moot's own actions for the next item."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from federation import hot_cache
from federation.groups.moderation import ban_member, mute_member
from federation.inbox import dispatch
from federation.inbox.dispatch import process_inbox
from federation.queue import utcnow
from models.actors import Actor
from models.groups import HeldActivity
from models.posts import Post
from models.queues import DONE, FAILED, PENDING, FanOut, InboxItem, OutboundActivity
from tests.conftest import MootInstance
from tests.fakeremote import FakeActor, FakeRemote
from tests.groups.helpers import lemmy_page, make_group, plain, remote_member, wrapped


class Killed(BaseException):
    """A worker killed mid-batch (not an Exception: nothing in the worker catches it)."""


async def queue(moot: MootInstance, remote: FakeRemote, actor: FakeActor, group: Actor, *activities: dict) -> None:
    """Intake of the activities (each signed by its own actor), not yet processed."""
    for activity in activities:
        signer = next(fake for fake in remote.actors.values() if fake.uri == activity["actor"])
        status, body = await remote.send(signer, group.inbox, activity)
        assert status == 202, body
    moot.use()


async def queued_posts(moot: MootInstance, remote: FakeRemote, title: str, count: int,
                       content: str = "<p>Ideas?</p>") -> tuple[Actor, FakeActor, list[dict]]:
    """A public group, its remote member bea, and `count` posts of hers (titled "TITLE 0", ...; `content` may
    name {n}) taken in by its inbox, not yet processed."""
    group, _, _, _ = await make_group(moot)
    bea, _ = await remote_member(moot, remote, group, "bea")
    pages = [lemmy_page(bea, group, title=f"{title} {n}", content=content.format(n=n)) for n in range(count)]
    await queue(moot, remote, bea, group, *pages)
    return group, bea, pages


def count_flushes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many batches committed their relays (one entry per flush)."""
    flushes: list[int] = []
    flush = hot_cache.Batch.flush

    async def counted(self: hot_cache.Batch) -> None:
        flushes.append(len(self._outbound))
        await flush(self)
    monkeypatch.setattr(hot_cache.Batch, "flush", counted)
    return flushes


async def test_a_run_of_posts_is_one_batch_and_a_bad_item_fails_alone(
    moot: MootInstance, remote: FakeRemote, monkeypatch: pytest.MonkeyPatch,
) -> None:
    group, owner, _, _ = await make_group(moot)
    bea, _ = await remote_member(moot, remote, group, "bea")
    pages = [lemmy_page(bea, group, title=f"Bed {n}") for n in range(5)]
    await queue(moot, remote, bea, group, *pages[:2])
    # A Create whose object is someone else's: intake refuses it, so it is stored here as if a bug let it in.
    forged = lemmy_page(bea, group, title="Forged")
    forged["object"]["attributedTo"] = owner.uri
    await InboxItem.create(activity_id=forged["id"], actor_uri=bea.uri, recipient_uri=group.inbox, activity=forged,
                           next_attempt_at=utcnow())
    await queue(moot, remote, bea, group, *pages[2:])
    flushes = count_flushes(monkeypatch)
    await moot.drain()

    # Every good post stored once, relayed once (the activity and the boost); the forged one refused alone.
    for page in pages:
        assert await Post.filter(uri=page["object"]["id"]).count() == 1
    assert not await Post.filter(uri=forged["object"]["id"]).exists()
    assert sorted(a["id"] for a in wrapped(remote, group, "Create")) == sorted(p["id"] for p in pages)
    assert sorted(plain(remote, group)) == sorted(p["object"]["id"] for p in pages)
    bad = await InboxItem.get(activity_id=forged["id"])
    assert bad.state == FAILED and bad.outcome == dispatch.REJECTED and "attributed" in bad.last_error
    assert await InboxItem.filter(activity_id__in=[p["id"] for p in pages], state=DONE, outcome="applied").count() == 5
    # The forged one (a plain Create, applied without a savepoint) rolled its first batch back before the flush;
    # the two before it were applied again as a batch, it alone, and the three after it as the next batch: two
    # Announces each, nothing of the forged one relayed.
    assert flushes == [4, 6]


async def test_a_worker_killed_mid_batch_leaves_nothing_half_applied(
    moot: MootInstance, remote: FakeRemote, monkeypatch: pytest.MonkeyPatch,
) -> None:
    group, bea, pages = await queued_posts(moot, remote, "Row", 4)
    mark_done = dispatch._mark_done

    async def killed(done: Any, keeper: Any) -> None:
        await mark_done(done, keeper)
        raise Killed()  # after the rows were marked, before the commit
    monkeypatch.setattr(dispatch, "_mark_done", killed)
    with pytest.raises(Killed):
        await process_inbox(moot.fed)
    moot.use()
    assert not await Post.filter(group=group, is_local=False).exists()
    assert not await OutboundActivity.filter(actor=group, type="Announce").exists()
    rows = await InboxItem.filter(activity_id__in=[p["id"] for p in pages])
    assert all(row.state == PENDING and row.locked_until is not None for row in rows)  # leased, not applied

    monkeypatch.setattr(dispatch, "_mark_done", mark_done)
    await moot.drain()  # the lease holds: nothing is due yet
    assert not await Post.filter(group=group, is_local=False).exists()
    await InboxItem.filter(id__in=[row.id for row in rows]).update(locked_until=utcnow() - timedelta(seconds=1))
    await moot.drain()
    for page in pages:
        assert await Post.filter(uri=page["object"]["id"]).count() == 1
    assert sorted(a["id"] for a in wrapped(remote, group, "Create")) == sorted(p["id"] for p in pages)
    assert len(plain(remote, group)) == 4


async def test_changes_made_here_apply_to_the_next_item(moot: MootInstance, remote: FakeRemote) -> None:
    group, owner, _, _ = await make_group(moot)
    bea, bea_actor = await remote_member(moot, remote, group, "bea")
    cy, cy_actor = await remote_member(moot, remote, group, "cy")
    first = [lemmy_page(bea, group, title="First"), lemmy_page(cy, group, title="First too")]
    await queue(moot, remote, bea, group, first[0])
    await queue(moot, remote, cy, group, first[1])
    await process_inbox(moot.fed)  # one batch: both accepted, the group's facts cached for it
    assert await Post.filter(uri__in=[p["object"]["id"] for p in first]).count() == 2

    # A moderator bans bea and mutes cy here; the very next items see it.
    await ban_member(moot.fed, owner, group, bea_actor, reason="spam")
    await mute_member(moot.fed, owner, group, cy_actor, reason="cool off")
    after = [lemmy_page(bea, group, title="After the ban"), lemmy_page(cy, group, title="After the mute")]
    await queue(moot, remote, bea, group, after[0])
    await queue(moot, remote, cy, group, after[1])
    await process_inbox(moot.fed)
    banned, muted = [await InboxItem.get(activity_id=p["id"]) for p in after]
    assert banned.outcome == dispatch.REJECTED and "banned" in banned.last_error
    assert muted.outcome == dispatch.HELD and await HeldActivity.filter(activity_uri=after[1]["id"]).exists()
    assert not await Post.filter(uri__in=[p["object"]["id"] for p in after]).exists()


async def test_a_join_within_a_run_counts_for_the_posts_after_it(moot: MootInstance, remote: FakeRemote) -> None:
    group, _, _, _ = await make_group(moot, non_member_posts="reject")
    bea, _ = await remote_member(moot, remote, group, "bea")
    dan = remote.add_actor("dan")
    early = lemmy_page(dan, group, title="Before joining")
    await queue(moot, remote, dan, group, early, lemmy_page(bea, group, title="Hello"))
    follow = {"@context": "https://www.w3.org/ns/activitystreams", "id": dan.new_id("follow"), "type": "Follow",
              "actor": dan.uri, "object": group.uri}
    late = [lemmy_page(dan, group, title="Now a member"), lemmy_page(dan, group, title="Still here")]
    await queue(moot, remote, dan, group, follow, *late)
    await moot.drain()
    assert (await InboxItem.get(activity_id=early["id"])).outcome == dispatch.REJECTED
    assert await Post.filter(uri__in=[p["object"]["id"] for p in late]).count() == 2


async def test_no_fan_out_for_a_group_nobody_elsewhere_follows(moot: MootInstance, remote: FakeRemote) -> None:
    group, _, _, _ = await make_group(moot)
    eve = remote.add_actor("eve")  # posts into the public group without joining it
    pages = [lemmy_page(eve, group, title=f"Drive-by {n}") for n in range(3)]
    await queue(moot, remote, eve, group, *pages)
    await moot.drain()
    assert await Post.filter(uri__in=[p["object"]["id"] for p in pages]).count() == 3
    announces = await OutboundActivity.filter(actor=group, type="Announce").values_list("id", flat=True)
    assert len(announces) == 6  # still in the group's outbox
    assert not await FanOut.filter(activity_id__in=announces).exists()  # but nothing to deliver
    assert remote.received == [] or all(r.body.get("type") != "Announce" for r in remote.received)
