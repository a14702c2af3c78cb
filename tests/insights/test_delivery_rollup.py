"""The delivery rollup and queue pruning (federation/delivery_stats/) against a hand-counted queue: instance
insights give the same figures before and after, retention is respected, unsettled days stay live, an
admin's retry and discard keep the figures right, and `moot queue prune` prints its summary. T is today.
Old finished inbox items lose their body but keep stopping a duplicate delivery at the inbox."""
from __future__ import annotations

from datetime import timedelta

import pytest

from federation import queue_admin
from federation.delivery_stats.job import JOB_KEY, ensure_scheduled, next_run, run_housekeeping
from federation.instance_insights import instance_insights
from federation.jobs import run_due_jobs
from models.delivery_stats import DeliveryDayStat
from models.posts import Post
from models.queues import DONE, FAILED, PENDING, Delivery, FanOut, InboxItem, OutboundActivity, ScheduledJob
from tests.conftest import MootInstance
from tests.fakeremote import FakeRemote
from tests.federation.test_inbox_security import note_create
from tests.insights.test_group_insights import NOW, at, day
from server.cli import build_parser
from tests.operations.test_cli_ops import moot_command

# (host, state, days ago, how many), in no particular order of creation.
QUEUE = [
    ("a.example", DONE, 2, 3), ("b.example", PENDING, 1, 1), ("a.example", FAILED, 2, 1), ("c.example", DONE, 8, 1),
    ("a.example", DONE, 10, 2), ("b.example", FAILED, 3, 2), ("a.example", DONE, 0, 1), ("b.example", DONE, 1, 1),
    ("b.example", PENDING, 9, 1), ("b.example", DONE, 9, 1), ("b.example", FAILED, 40, 1), ("c.example", PENDING, 0, 1),
]
# Counted by hand from QUEUE: (host, done, failed, waiting), busiest first.
EXPECTED = {
    7: [("a.example", 4, 1, 0), ("b.example", 1, 2, 1), ("c.example", 0, 0, 1)],
    30: [("a.example", 6, 1, 0), ("b.example", 2, 2, 2), ("c.example", 1, 0, 1)],
    90: [("a.example", 6, 1, 0), ("b.example", 2, 3, 2), ("c.example", 1, 0, 1)],
}


async def build(moot: MootInstance) -> OutboundActivity:
    admin, _ = await moot.user("siteadmin", is_admin=True)
    activity = await OutboundActivity.create(uri="http://local.test/a/1", actor=admin, type="Create", payload={})
    for host, state, days_ago, count in QUEUE:
        for n in range(count):
            await Delivery.create(activity=activity, inbox_url=f"https://{host}/inbox", host=host, state=state,
                                  next_attempt_at=at(days_ago), created_at=at(days_ago, minute=n))
    for state, days_ago in ((DONE, 10), (DONE, 2), (FAILED, 40), (PENDING, 10)):
        fanout = await FanOut.create(activity=activity, audience={}, state=state, next_attempt_at=at(days_ago))
        await FanOut.filter(id=fanout.id).update(created_at=at(days_ago))
    inbox = await InboxItem.create(activity_id="https://a.example/old", actor_uri="https://a.example/u", activity={},
                                   state=DONE, next_attempt_at=at(20))
    await InboxItem.filter(id=inbox.id).update(created_at=at(20))
    return activity


async def figures(days: int) -> tuple[list[tuple[str, int, int, int]], tuple[int, int, int, int]]:
    data = await instance_insights(days, now=NOW)
    return ([(h.host, h.done, h.failed, h.waiting) for h in data.hosts],
            (data.host_count, data.delivered, data.failed, data.waiting))


def totals(rows: list[tuple[str, int, int, int]]) -> tuple[int, int, int, int]:
    return len(rows), sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows)


async def assert_figures(expected: dict[int, list[tuple[str, int, int, int]]]) -> None:
    for days, rows in expected.items():
        assert await figures(days) == (rows, totals(rows)), days


async def test_figures_are_the_same_before_and_after_the_rollup_and_pruning(moot: MootInstance) -> None:
    await build(moot)
    await assert_figures(EXPECTED)  # all live: nothing rolled up yet
    result = await run_housekeeping(NOW, 7)
    assert result.days_rolled_up == 40  # from the first delivery's day to yesterday
    assert dict(result.pruned.deleted) == {"done deliveries": 3, "failed deliveries": 1, "done fan-outs": 1,
                                           "failed fan-outs": 1, "inbox item bodies": 0,
                                           "day rollups older than 400 days": 0}
    await assert_figures(EXPECTED)

    # Kept: done ones within the retention, failed ones younger than 30 days, the unsettled day (b.example,
    # 9 days ago: one still waiting) whole, today's, and every inbox item (duplicate detection reads them).
    kept = sorted(await Delivery.all().values_list("host", "state", "created_at"))
    assert sorted((host, state, (NOW.date() - created.date()).days) for host, state, created in kept) == sorted(
        (host, state, days_ago) for host, state, days_ago, count in QUEUE for _ in range(count)
        if (host, days_ago) not in {("a.example", 10), ("c.example", 8), ("b.example", 40)})
    assert sorted(await FanOut.all().values_list("state", flat=True)) == [DONE, PENDING]
    assert await InboxItem.filter(activity_id="https://a.example/old").exists()
    pruned = await DeliveryDayStat.get(day=day(10), host="a.example")
    assert (pruned.done, pruned.pruned_done, pruned.waiting) == (2, 2, 0)
    assert (await DeliveryDayStat.get(day=day(9), host="b.example")).waiting == 1
    assert not await DeliveryDayStat.filter(day=day(0)).exists()  # today is never rolled up

    # Run again: idempotent (nothing new, the same figures).
    again = await run_housekeeping(NOW, 7)
    assert again.days_rolled_up == 0 and sum(again.pruned.deleted.values()) == 0
    await assert_figures(EXPECTED)


async def test_unsettled_days_follow_the_queue_until_they_settle(moot: MootInstance) -> None:
    await build(moot)
    await run_housekeeping(NOW, 7)
    # Yesterday's and 9 days ago's waiting deliveries to b.example are delivered after the rollup.
    await Delivery.filter(host="b.example", state=PENDING).update(state=DONE)
    settled = {days: [(h, d + w if h == "b.example" else d, f, 0 if h == "b.example" else w) for h, d, f, w in rows]
               for days, rows in EXPECTED.items()}
    await assert_figures(settled)
    await run_housekeeping(NOW, 7)  # settles them, and prunes the day 9 days ago now it is final
    assert not await DeliveryDayStat.filter(waiting__gt=0).exists()
    assert not await Delivery.filter(host="b.example", created_at__lt=at(8)).exists()
    await assert_figures(settled)


async def test_retry_and_discard_of_failed_deliveries_keep_the_figures_right(moot: MootInstance) -> None:
    await build(moot)
    await run_housekeeping(NOW, 7)
    failed_3_days_ago = await Delivery.filter(host="b.example", state=FAILED).order_by("id").values_list("id", flat=True)
    assert await queue_admin.retry("delivery", failed_3_days_ago[:1]) == 1
    retried = {days: [(h, d, f - 1, w + 1) if h == "b.example" else (h, d, f, w) for h, d, f, w in rows]
               for days, rows in EXPECTED.items()}
    await assert_figures(retried)  # waiting again, not failed
    assert await queue_admin.discard("delivery", failed_3_days_ago[1:]) == 1
    discarded = {days: [(h, d, f - 1, w) if h == "b.example" else (h, d, f, w) for h, d, f, w in rows]
                 for days, rows in retried.items()}
    await assert_figures(discarded)  # gone from the counts, as from the queue
    await run_housekeeping(NOW, 7)
    await assert_figures(discarded)


async def test_the_nightly_job_rolls_up_and_comes_back(moot: MootInstance) -> None:
    await build(moot)
    await ensure_scheduled(NOW)
    job = await ScheduledJob.get(key=JOB_KEY)
    assert job.state == PENDING and job.next_attempt_at == next_run(NOW)
    assert await run_due_jobs(moot.fed, now=NOW) == 0
    await run_due_jobs(moot.fed, now=next_run(NOW))  # tomorrow 00:10: today is rolled up too
    assert await DeliveryDayStat.filter(day=day(0)).count() == 2
    job = await ScheduledJob.get(key=JOB_KEY)
    assert job.state == PENDING and job.next_attempt_at == next_run(NOW) + timedelta(days=1)


async def test_moot_queue_prune_prints_its_summary(moot: MootInstance, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    await build(moot)
    assert await moot_command(moot, monkeypatch, "queue", "prune", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "days waiting for the rollup: all (never run)" in out
    # Nothing is rolled up yet, so no delivery may go.
    assert "Would delete: 1 done fan-outs, 1 failed fan-outs, 0 inbox item bodies, 0 day rollups older than 400 " \
           "days." in out
    assert await Delivery.all().count() == sum(count for *_, count in QUEUE)
    assert await moot_command(moot, monkeypatch, "queue", "prune") == 0
    out = capsys.readouterr().out
    assert "Deleted: 3 done deliveries, 1 failed deliveries, 1 done fan-outs, 1 failed fan-outs, " \
           "0 inbox item bodies, 0 day rollups older than 400 days." in out
    assert "Rolled up 40 days" in out


async def test_old_finished_inbox_items_lose_their_body_and_still_stop_duplicates(
        moot: MootInstance, remote: FakeRemote) -> None:
    alice = remote.add_actor("alice")
    owner, _ = await moot.user("owner")
    page, _ = await moot.page("news", owner)
    delivered = note_create(alice)
    delivered["cc"].append(page.uri)
    delivered["object"]["cc"].append(page.uri)
    assert await remote.send(alice, f"{moot.base_url}/inbox", delivered) == (202, {"status": "accepted"})
    await moot.drain()
    moot.use()
    assert await InboxItem.filter(activity_id=delivered["id"], state=DONE, outcome="applied").update(
        created_at=at(20)) == 1
    gave_up = note_create(alice)  # stored as an item that failed 40 days ago
    # (activity id, state, outcome, days ago, compacted?)
    rows = [(gave_up["id"], FAILED, "rejected", 40, True), (alice.new_id("old"), DONE, None, 20, True),
            (alice.new_id("recent"), DONE, "applied", 3, False), (alice.new_id("young"), FAILED, "rejected", 20, False),
            (alice.new_id("held"), DONE, "held", 40, False), (alice.new_id("waiting"), PENDING, None, 40, False)]
    bodies = {delivered["id"]: delivered, gave_up["id"]: gave_up}
    for activity_id, state, outcome, days_ago, _ in rows:
        bodies.setdefault(activity_id, {"id": activity_id, "type": "Like", "actor": alice.uri, "object": page.uri})
        item = await InboxItem.create(activity_id=activity_id, actor_uri=alice.uri, activity=bodies[activity_id],
                                      state=state, outcome=outcome, last_error="why" if state == FAILED else None,
                                      next_attempt_at=at(days_ago))
        await InboxItem.filter(id=item.id).update(created_at=at(days_ago))
    compacted = {delivered["id"]} | {activity_id for activity_id, *_, gone in rows if gone}

    dry = await run_housekeeping(NOW, 7, dry_run=True)
    assert dry.pruned.deleted["inbox item bodies"] == 3
    assert dict(await InboxItem.all().values_list("activity_id", "activity")) == bodies

    result = await run_housekeeping(NOW, 7)
    assert result.pruned.deleted["inbox item bodies"] == 3
    stored = {row.activity_id: row for row in await InboxItem.all()}
    assert {activity_id: row.activity for activity_id, row in stored.items()} == {
        activity_id: {} if activity_id in compacted else body for activity_id, body in bodies.items()}
    # The rest of each row stays: state, outcome, error, times.
    assert [(stored[a].state, stored[a].outcome, stored[a].last_error, stored[a].created_at) for a, *_ in rows] == [
        (state, outcome, "why" if state == FAILED else None, at(days_ago)) for _, state, outcome, days_ago, _ in rows]

    # Both emptied ones are still known at the inbox: delivered again, they are duplicates.
    for activity in (delivered, gave_up):
        assert await remote.send(alice, f"{moot.base_url}/inbox", activity) == (202, {"status": "already received"})
    moot.use()
    assert await InboxItem.all().count() == len(bodies)
    assert await Post.filter(uri=delivered["object"]["id"]).count() == 1
    # An emptied item that gave up has nothing left to retry; one that still has its body can be.
    assert await queue_admin.retry("inbox", [stored[gave_up["id"]].id]) == 0
    assert (await InboxItem.get(activity_id=gave_up["id"])).state == FAILED
    assert await queue_admin.retry("inbox", [stored[rows[3][0]].id]) == 1

    again = await run_housekeeping(NOW, 7)
    assert again.pruned.deleted["inbox item bodies"] == 0


async def test_each_run_compacts_from_where_the_last_one_left_every_item_done(moot: MootInstance) -> None:
    """The mark (in the nightly job's payload) stops before the first item that still waits: later runs read
    from there, not from the first item ever received."""
    moot.use()
    await ensure_scheduled(NOW)
    ids = []
    for name, days_ago in (("first", 20), ("second", 20), ("recent", 3), ("after", 20)):
        item = await InboxItem.create(activity_id=f"https://elsewhere.example/{name}", actor_uri="https://e.x/a",
                                      activity={"type": "Like", "name": name}, state=DONE, outcome="applied",
                                      next_attempt_at=at(days_ago))
        await InboxItem.filter(id=item.id).update(created_at=at(days_ago))
        ids.append(item.id)
    first, second, recent, after = ids

    async def mark() -> int:
        return (await ScheduledJob.get(key=JOB_KEY)).payload["inbox_compacted_through"]

    assert (await run_housekeeping(NOW, 7)).pruned.deleted["inbox item bodies"] == 3
    assert await mark() == second  # "recent" still waits for its seven days
    # A body below the mark is not read again (put back here to see it); one above it is.
    await InboxItem.filter(id__in=[first, after]).update(activity={"type": "Like", "back": True})
    assert (await run_housekeeping(NOW, 7)).pruned.deleted["inbox item bodies"] == 1
    assert (await InboxItem.get(id=first)).activity == {"type": "Like", "back": True}
    assert (await InboxItem.get(id=after)).activity == {}
    assert await mark() == second
    # Ten days on, "recent" is old too: compacted, and the mark passes every item.
    assert (await run_housekeeping(NOW + timedelta(days=10), 7)).pruned.deleted["inbox item bodies"] == 1
    assert (await InboxItem.get(id=recent)).activity == {}
    assert await mark() == after
    # A dry run moves nothing.
    await run_housekeeping(NOW + timedelta(days=10), 7, dry_run=True)
    assert await mark() == after
    # The nightly job moves it too, and keeps it when it schedules its next night.
    late = await InboxItem.create(activity_id="https://elsewhere.example/late", actor_uri="https://e.x/a",
                                  activity={"type": "Like"}, state=DONE, outcome="applied", next_attempt_at=at(20))
    await InboxItem.filter(id=late.id).update(created_at=at(20))
    assert await run_due_jobs(moot.fed, now=NOW + timedelta(days=10)) == 1
    job = await ScheduledJob.get(key=JOB_KEY)
    assert job.state == PENDING and job.next_attempt_at > NOW + timedelta(days=10)
    assert job.payload["inbox_compacted_through"] == late.id and (await InboxItem.get(id=late.id)).activity == {}


def test_prune_help_names_the_setting(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["queue", "prune", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: moot queue prune" in out and "--dry-run" in out and "MOOT_QUEUE_RETENTION_DAYS" in out
