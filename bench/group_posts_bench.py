"""Group posts through the worker: N Create{Note} from M remote members into one local group, applied by the
worker (screened, stored, relayed into Announce rows, fan-outs expanded into deliveries) until the queue is empty.

Untimed set-up: a throwaway database (SQLite file or a new PostgreSQL database), the owner and the public
group `gardening` made through Moot's own actions, M remote members on H hosts (their actor rows and keys
already stored, as after their first signed request) who follow the group, and N inbox rows as intake stores
them after verifying the signature (intake itself is measured by bench/inbox_bench.py). A warm-up slice
counts the SQL statements per item.
Timed: the worker's intake pass (federation/work.py run_intake_queues_once: the inbox, then the fan-outs)
in this process until nothing is pending; --workers K runs K such loops side by side (PostgreSQL: they share
the queue through SKIP LOCKED). The ceiling, in the same run: bare inserts of the same post rows, one
statement per row and then bulk.
--replies S makes a share S of the posts comments on one of the 50 posts before them, at most 3 deep (Lemmy's
shape: inReplyTo, cc and a Mention of the parent's author).
Checks: every post stored exactly once with the right parent, every inbox row done and applied, two Announces per post (the
activity, and the id-form boost for Mastodon), one delivery per Announce per member host.

    .venv/bin/python bench/group_posts_bench.py [--posts 2000] [--members 200] [--hosts 20] [--database-url URL]

Exits 1 when a check fails.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from benchlib import (
    MachineCpu, database_session, engine_description, free_port, positive, print_machine, run_benchmark, say,
    throwaway_database, counting_sql,
)
from activity_costs_bench import StatementShapes
from poll_votes_bench import settings_for
from federation.groups.admin import GroupSettings, create_group
from federation.local_actors import create_user
from federation.queue import utcnow
from federation.delivery import expand_fanouts
from federation.inbox.dispatch import process_inbox
from federation.work import run_intake_queues_once
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.posts import Post
from models.queues import DONE, Delivery, FanOut, InboxItem, OutboundActivity
from server.lifecycle import build_federation, new_http_client

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"
GROUP = "gardening"
WARM_UP = 100
MAX_DEPTH = 3  # how deep --replies nests comments
FAKE_PEM = "-----BEGIN PUBLIC KEY-----\nunused: the worker never verifies\n-----END PUBLIC KEY-----\n"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


def note_uri(members: Sequence[str], number: int) -> str:
    return f"{members[number % len(members)]}/notes/{number}"


@functools.lru_cache(maxsize=None)
def parent_of(number: int, replies: float) -> int | None:
    """Which earlier post post `number` replies to, or None for a new thread: a share `replies` of the posts are
    replies, spread evenly through the run, each to one of the 50 posts before it, or to that one's thread
    when it is already MAX_DEPTH deep (comment trees are wide more than deep)."""
    if number == 0 or int((number + 1) * replies) == int(number * replies):
        return None
    parent = number - 1 - (number * 7) % min(number, 50)
    return root_of(parent, replies) if depth_of(parent, replies) >= MAX_DEPTH else parent


def depth_of(number: int, replies: float) -> int:
    parent = parent_of(number, replies)
    return 0 if parent is None else depth_of(parent, replies) + 1


def root_of(number: int, replies: float) -> int:
    parent = parent_of(number, replies)
    return number if parent is None else root_of(parent, replies)


def create_note(members: Sequence[str], group_uri: str, number: int, replies: float) -> dict[str, Any]:
    """A Create{Note} as Lemmy sends it into a group: to Public, cc and audience the group; a comment also
    names its parent (inReplyTo), cc's and mentions the parent's author, as Lemmy does."""
    member, note = members[number % len(members)], note_uri(members, number)
    cc, extra = [group_uri], {}
    parent = parent_of(number, replies)
    if parent is not None:
        parent_author = members[parent % len(members)]
        cc.append(parent_author)
        extra = {"inReplyTo": note_uri(members, parent),
                 "tag": [{"type": "Mention", "href": parent_author, "name": f"@member{parent % len(members)}"}]}
    return {
        "@context": AS, "id": f"{note}/create", "type": "Create", "actor": member,
        "to": [PUBLIC], "cc": cc, "audience": group_uri,
        "object": {"id": note, "type": "Note", "attributedTo": member, "to": [PUBLIC], "cc": cc,
                   "audience": group_uri, "content": f"<p>Seedlings, day {number}: the tomatoes are up.</p>",
                   "published": "2026-12-01T10:00:00Z", **extra},
    }


async def set_up(fed: Any, args: argparse.Namespace) -> tuple[Actor, list[str]]:
    owner = await create_user(fed, "gardener", password_hash=None)
    group = await create_group(fed, GROUP, owner, GroupSettings(display_name="Gardening"))
    port = free_port()  # nothing listens there: deliveries are only counted, never sent
    now = datetime.now(timezone.utc)
    long_ago = now.replace(year=now.year - 1)  # old accounts: no new-account hold
    rows = []
    for index in range(args.members):
        host = f"127.0.1.{index % args.hosts + 1}:{port}"
        uri = f"http://{host}/users/member{index}"
        rows.append(Actor(uri=uri, type="Person", username=f"member{index}", domain=host, is_local=False,
                          inbox=f"{uri}/inbox", shared_inbox=f"http://{host}/inbox", followers_url=f"{uri}/followers",
                          followers_count=10, public_key_id=f"{uri}#main-key", public_key_pem=FAKE_PEM,
                          fetched_at=now, created_at=long_ago))
    await Actor.bulk_create(rows, batch_size=500)
    members = await Actor.filter(uri__in=[row.uri for row in rows]).values_list("id", "uri")
    await Follow.bulk_create([Follow(follower_id=i, target_id=group.id, state=ACCEPTED, accepted_at=now)
                              for i, _ in members], batch_size=500)
    await Actor.filter(id__in=[i for i, _ in members]).update(created_at=long_ago)  # auto_now_add set it
    while await run_intake_queues_once(fed):  # the set-up's own activities
        pass
    await Delivery.all().delete()
    return group, [uri for _, uri in members]


async def queue_posts(group: Actor, members: Sequence[str], start: int, count: int, replies: float) -> None:
    now = utcnow()
    items = []
    for number in range(start, start + count):
        activity = create_note(members, group.uri, number, replies)
        items.append(InboxItem(activity_id=activity["id"], actor_uri=activity["actor"], recipient_uri=group.inbox,
                               activity=activity, next_attempt_at=now))
    await InboxItem.bulk_create(items, batch_size=500)


async def drain(fed: Any) -> None:
    while await run_intake_queues_once(fed):
        pass


async def warm_up(fed: Any, group: Actor, members: Sequence[str], show: bool, replies: float) -> float:
    """The first WARM_UP posts with every SQL statement counted; returns statements per post."""
    await queue_posts(group, members, 0, WARM_UP, replies)
    with counting_sql(StatementShapes()) as counter:
        await drain(fed)
    if show:
        for shape, n in counter.shapes.most_common(40):
            say(f"  {n / WARM_UP:5.2f}  {shape}")
    return counter.count / WARM_UP


async def inbox_only(fed: Any) -> None:
    while await process_inbox(fed):
        pass


async def fanouts_only(fed: Any) -> None:
    while await expand_fanouts(fed):
        pass


async def timed(settings: Any, workers: int, profile: str | None, work: Any) -> tuple[float, float]:
    """Run work(fed) in `workers` loops side by side; returns (seconds, CPU seconds of this process)."""
    feds = [build_federation(settings, new_http_client(settings)) for _ in range(workers)]
    profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not wall time
    cpu, start = time.process_time(), time.perf_counter()
    if profiler is not None:
        profiler.enable()
    await asyncio.gather(*(work(fed) for fed in feds))
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
        say(f"profile written to {profile} (read it with python -m pstats)")
    return time.perf_counter() - start, time.process_time() - cpu


async def ceiling(group: Actor, members: Sequence[str], count: int) -> tuple[float, float]:
    """Bare inserts of the same post rows: one statement each, then one bulk insert; posts/s each."""
    ids = dict(await Actor.filter(uri__in=list(members)).values_list("uri", "id"))

    def row(number: int, tag: str) -> Post:
        member = members[number % len(members)]
        return Post(uri=f"{member}/ceiling-{tag}/{number}", author_id=ids[member], type="Note", is_local=False,
                    content="<p>Seedlings</p>", visibility="public", group_id=group.id, audience_group_id=group.id,
                    to=[PUBLIC], cc=[group.uri], tags=[], attachments=[], published=utcnow())
    start = time.perf_counter()
    for number in range(count):
        await row(number, "one").save()
    single = count / (time.perf_counter() - start)
    start = time.perf_counter()
    await Post.bulk_create([row(number, "bulk") for number in range(count)], batch_size=500)
    bulk = count / (time.perf_counter() - start)
    await Post.filter(uri__contains="/ceiling-").delete()
    return single, bulk


def wrong_parents(rows: Sequence[tuple[int, str, int | None]], members: Sequence[str], posts: int,
                  replies: float) -> list[int]:
    """The numbers of the posts stored without the parent parent_of gave them; rows: (id, uri, in_reply_to_id)."""
    ids = {uri: row_id for row_id, uri, _ in rows}
    parents = {uri: parent_id for _, uri, parent_id in rows}
    wrong = []
    for number in range(posts):
        parent = parent_of(number, replies)
        if parents.get(note_uri(members, number)) != (None if parent is None else ids.get(note_uri(members, parent))):
            wrong.append(number)
    return wrong


async def check(group: Actor, members: Sequence[str], posts: int, hosts: int, replies: float) -> bool:
    ok = True
    rows = await Post.filter(group_id=group.id, is_local=False).values_list("id", "uri", "in_reply_to_id")
    stored = Counter(uri for _, uri, _ in rows)
    expected = {note_uri(members, n) for n in range(posts)}
    twice = [uri for uri, times in stored.items() if times > 1]
    if set(stored) != expected or twice:
        say(f"CHECK FAILED: {len(set(stored) & expected)} of {posts} posts stored, {len(twice)} twice, "
            f"{len(set(stored) - expected)} unexpected")
        ok = False
    wrong = wrong_parents(rows, members, posts, replies)
    if wrong:
        say(f"CHECK FAILED: {len(wrong)} posts with the wrong parent (first: post {wrong[0]})")
        ok = False
    outcomes = Counter(await InboxItem.all().values_list("state", "outcome"))
    if outcomes != Counter({(DONE, "applied"): posts}):
        say(f"CHECK FAILED: inbox rows {dict(outcomes)}")
        ok = False
    announces = await OutboundActivity.filter(actor_id=group.id, type="Announce").count()
    if announces != 2 * posts:
        say(f"CHECK FAILED: {announces} Announces for {posts} posts (expected {2 * posts})")
        ok = False
    pending_fanouts = await FanOut.filter(state="pending").count()
    deliveries = await Delivery.all().count()
    if pending_fanouts or deliveries != 2 * posts * hosts:
        say(f"CHECK FAILED: {pending_fanouts} fan-outs pending, {deliveries} deliveries "
            f"(expected {2 * posts * hosts}: one per Announce per member host)")
        ok = False
    return ok


async def run(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="moot-posts-bench-") as tmp:
        workdir = Path(tmp)
        async with throwaway_database(args.database_url, workdir) as database_url:
            engine = await engine_description(database_url)
            print_machine(engine)
            settings = settings_for(f"http://127.0.0.1:{free_port()}", database_url, workdir)
            async with database_session(database_url):
                fed = build_federation(settings, new_http_client(settings))
                group, members = await set_up(fed, args)
                statements = await warm_up(fed, group, members, args.show_sql, args.replies)
                say(f"warm-up: {WARM_UP} posts, {statements:.1f} SQL statements per post (queue and fan-out included)")
                await queue_posts(group, members, WARM_UP, args.posts - WARM_UP, args.replies)
                timed_posts = args.posts - WARM_UP
                say(f"timing {timed_posts:,} posts ({args.replies:.0%} replies) from {args.members} members on {args.hosts} hosts, "
                    f"{args.workers} worker loop(s); {load()}")
                machine = MachineCpu.now()
                elapsed, cpu = await timed(settings, args.workers, args.profile, inbox_only)
                say(f"RESULT inbox: {timed_posts / elapsed:,.0f} posts/s applied and relayed into fan-out rows "
                    f"({elapsed:.2f} s, {cpu / timed_posts * 1000:.2f} ms CPU per post in this process); {load()}")
                fan_elapsed, fan_cpu = await timed(settings, args.workers, None, fanouts_only)
                deliveries = await Delivery.all().count()
                after = MachineCpu.now()
                say(f"RESULT fan-outs: {2 * timed_posts / fan_elapsed:,.0f} fan-outs/s into {deliveries / fan_elapsed:,.0f} "
                    f"deliveries/s ({fan_elapsed:.2f} s, {fan_cpu / timed_posts * 1000:.2f} ms CPU per post); {load()}")
                total = elapsed + fan_elapsed
                say(f"RESULT end to end: {timed_posts / total:,.0f} posts/s ({(cpu + fan_cpu) / timed_posts * 1000:.2f} "
                    f"ms CPU per post in this process)")
                if machine is not None and after is not None:
                    used = after.since(machine)
                    say(f"  machine busy {used.busy / total:.0%} of one core over the run (this process, the "
                        f"database server and everyone else's), steal {used.steal:.2f} s")
                ok = await check(group, members, args.posts, args.hosts, args.replies)
                single, bulk = await ceiling(group, members, min(args.posts, 2000))
                say(f"RESULT ceiling: bare post inserts {single:,.0f}/s one statement each, {bulk:,.0f}/s bulk; {load()}")
                say(f"  the inbox phase reaches {timed_posts / elapsed / single:.0%} of one-statement inserts")
    say("checks passed" if ok else "CHECKS FAILED")
    return ok


def share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=positive, default=2000, help="posts in all, the warm-up's 100 included")
    parser.add_argument("--members", type=positive, default=200)
    parser.add_argument("--hosts", type=positive, default=20, help="member hosts: deliveries per Announce")
    parser.add_argument("--workers", type=positive, default=1, help="worker loops side by side in this process")
    parser.add_argument("--replies", type=share, default=0.0, help="the share of posts that are comments on one of "
                        "the 50 posts before them, shaped like Lemmy's (default 0: all new threads)")
    parser.add_argument("--show-sql", action="store_true", help="the statements of the warm-up, by shape")
    parser.add_argument("--profile", metavar="FILE", help="profile the timed phase with cProfile into FILE")
    parser.add_argument("--database-url", default=None, help="sqlite://PATH (new file) or postgres://... "
                        "(a throwaway database is created there); default: a SQLite file in a temporary directory")
    args = parser.parse_args(argv)
    if args.posts <= WARM_UP:
        parser.error(f"--posts must be more than the warm-up's {WARM_UP}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    return run_benchmark(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
