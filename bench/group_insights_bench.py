"""Group insights benchmark: how long a big group's insights page takes to serve, p50/p95, and whether its
figures are right.

The group has --members members (default 20,000) on --servers remote servers (default 2,000), who joined
over a year (some left), --posts posts and replies (default 100,000) over that year, polls with votes and a
daily check-in. Rows are written with bulk inserts (no federation): this measures reading, not writing.

Then, in this process, Moot's real app (create_app, every middleware) serves /groups/gardeners/insights to
the signed-in owner on 127.0.0.1:
- the rollup job's first run over the year of history (then it runs each night for one day), and the first view;
- then --requests sequential views each of ?days=30 and ?days=90 (today counted live, the rest from rollups).
Last, the figures of the 90-day view are checked against direct counts of the raw rows; a wrong figure makes
the benchmark exit 1 (and so does a missed target with --check).

    .venv/bin/python bench/group_insights_bench.py [--members 20000] [--servers 2000] [--posts 100000]
        [--requests 50] [--database-url URL] [--check]
    .venv/bin/python bench/group_insights_bench.py --keep /tmp/group.sqlite3        # build once, keep it
    .venv/bin/python bench/group_insights_bench.py --reuse /tmp/group.sqlite3       # time it again later

--keep keeps the built history (a SQLite file, or with a PostgreSQL --database-url a database of that name) and
--reuse measures a kept one without filling it or running the first rollup again; on a later day its dates are
moved forward first, so it ends today (bench/insights_history.py). Each request's server-side CPU time
(time.process_time() around its handling, in this process) is reported next to the wall time.

The target (issue 12) is a p50 of at most 100 ms. Everything talks to 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer

from benchlib import database_session, engine_description, percentile, print_machine, say, stop_on_signals
from insights_history import (
    add_history_options, bench_database, bring_forward, history_options_valid, load_history, save_history,
)
from insights_querylog import QueryLog
from request_cpu import cpu_text, measure_requests
from federation.group_insights import group_insights
from federation.group_insights.days import day_start, today_utc
from federation.group_insights.retention import FOLLOWING_WEEKS, count_cohorts, monday
from federation.group_insights.rollups import roll_up_all
from federation.groups.admin import GroupSettings, create_group
from federation.local_actors import create_token, create_user
from models.actors import Actor
from models.checkins import Checkin, CheckinSeries
from models.follows import ACCEPTED, Follow
from models.group_insights import GroupCohort, GroupDailyStat
from models.insights import FOLLOWED, UNFOLLOWED, FollowEvent
from models.polls import Poll, PollVote
from models.posts import Post
from server import keys
from server.app import create_app
from server.database import activate
from server.settings import Settings
from web.passwords import hash_password

TARGET_P50_MS = 100.0
PASSWORD = "bench password"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
BATCH = 1000
YEAR = 365


def moment(rng: random.Random, now: datetime, days_back: int = YEAR) -> datetime:
    return now - timedelta(seconds=rng.randrange(1, days_back * 86400))


def later(rng: random.Random, start: datetime, now: datetime, days: int) -> datetime:
    """A moment up to `days` days after start, and before now."""
    room = min(days * 86400, (now - start).total_seconds() - 1)
    return start + timedelta(seconds=rng.uniform(0, max(room, 0)))


async def bulk(model: type, rows: list) -> None:
    for start in range(0, len(rows), BATCH):
        await model.bulk_create(rows[start:start + BATCH])


async def fill(app: aiohttp.web.Application, args: argparse.Namespace) -> Actor:
    ctx = app[keys.FEDERATION]
    activate(app[keys.DATABASE])
    rng = random.Random(12)
    now = datetime.now(timezone.utc)
    owner = await create_user(ctx, "owner", password_hash=hash_password(PASSWORD), display_name="Owner",
                              is_admin=True)  # an admin exists: no first-run /setup redirect
    group = await create_group(ctx, "gardeners", owner, GroupSettings(display_name="Gardeners"))
    await Follow.filter(target=group).delete()
    await FollowEvent.filter(target=group).delete()

    people = [Actor(uri=f"https://s{n % args.servers}.example/users/m{n}", type="Person", username=f"m{n}",
                    domain=f"s{n % args.servers}.example", inbox=f"https://s{n % args.servers}.example/inbox")
              for n in range(args.members)]
    await bulk(Actor, people)
    ids = list(await Actor.filter(type="Person", is_local=False).order_by("id").values_list("id", "uri"))
    joined_at = {actor_id: moment(rng, now) for actor_id, _ in ids}
    # One in ten left again, some days after joining.
    leavers = {actor_id for actor_id, _ in ids if rng.random() < 0.1}
    follows, events = [], []
    for actor_id, uri in ids:
        events.append(FollowEvent(target_id=group.id, follower_uri=uri, kind=FOLLOWED, created_at=joined_at[actor_id]))
        if actor_id in leavers:
            left = min(now - timedelta(seconds=1), joined_at[actor_id] + timedelta(days=rng.randrange(1, 60)))
            events.append(FollowEvent(target_id=group.id, follower_uri=uri, kind=UNFOLLOWED, created_at=left))
        else:
            follows.append(Follow(follower_id=actor_id, target_id=group.id, state=ACCEPTED,
                                  accepted_at=joined_at[actor_id]))
    await bulk(FollowEvent, events)
    await bulk(Follow, follows)
    say(f"  {args.members} members on {args.servers} servers ({len(follows)} still members)")

    authors = [actor_id for actor_id, _ in ids]
    threads = args.posts * 3 // 10
    posts = [Post(uri=f"https://x.example/p/{n}", author_id=rng.choice(authors), group_id=group.id,
                  audience_group_id=group.id, published=moment(rng, now), content="<p>Thread</p>",
                  type="Question" if n < args.polls else "Note")
             for n in range(threads)]
    await bulk(Post, posts)
    thread_rows = list(await Post.filter(group_id=group.id, in_reply_to_id=None).values_list("id", "published", "uri"))
    replies = []
    for n in range(args.posts - threads):
        parent_id, published, uri = rng.choice(thread_rows)
        when = later(rng, published, now, 7)
        replies.append(Post(uri=f"https://x.example/r/{n}", author_id=rng.choice(authors), group_id=group.id,
                            audience_group_id=group.id, published=when, content="<p>Reply</p>",
                            in_reply_to_id=parent_id, in_reply_to_uri=uri))
    await bulk(Post, replies)
    say(f"  {threads} threads and {len(replies)} replies over a year")

    questions = list(await Post.filter(group_id=group.id, type="Question").values_list("id", "published"))
    await bulk(Poll, [Poll(post_id=post_id, options=[{"title": "a", "votes_count": 0}, {"title": "b", "votes_count": 0}],
                           voters_count=args.votes_per_poll) for post_id, _ in questions])
    polls = dict(await Poll.filter(post__group_id=group.id).values_list("post_id", "id"))
    votes = []
    for post_id, published in questions:
        for voter in rng.sample(authors, args.votes_per_poll):
            when = later(rng, published, now, 3)
            votes.append(PollVote(poll_id=polls[post_id], voter_id=voter, choice=rng.randrange(2),
                                  activity_uri=f"https://x.example/v/{len(votes)}", created_at=when))
    await bulk(PollVote, votes)
    series = await CheckinSeries.create(group=group, prompt="Watered?")
    checkins = []
    for back in range(YEAR):
        day = (now - timedelta(days=back)).date()
        for actor_id in rng.sample(authors, args.checkins_per_day):
            checkins.append(Checkin(series_id=series.id, actor_id=actor_id, day=day, created_at=day_start(day)))
    await bulk(Checkin, checkins)
    say(f"  {len(questions)} polls with {len(votes)} votes, {len(checkins)} check-ins")
    # Planner statistics, as a server that grew over a year has them (bulk inserts leave none behind).
    await Actor._meta.db.execute_script("ANALYZE")
    return group


async def sign_in(session: aiohttp.ClientSession, base_url: str, username: str = "owner",
                  password: str = PASSWORD) -> None:
    async with session.get(base_url + "/login") as response:
        match = CSRF_INPUT.search(await response.text())
    assert match, "no sign-in form"
    form = {"username": username, "password": password, "csrf_token": match.group(1), "next": "/home"}
    async with session.post(base_url + "/login", data=form, allow_redirects=False) as response:
        if response.status != 303 or response.headers.get("Location") != "/home":
            raise SystemExit(f"signing in failed: {response.status} {response.headers.get('Location')} "
                             f"{(await response.text())[-1500:]}")


async def timed(session: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    async with session.get(url, headers=headers or {}) as response:
        text = await response.text()
        if response.status != 200:
            raise SystemExit(f"GET {url}: {response.status}\n{text[-2000:]}")
    return (time.perf_counter() - start) * 1000


async def verify(group: Actor) -> list[str]:
    """The 90-day figures against direct counts of the raw rows; returns what is wrong."""
    data = await group_insights(group, 90)
    first = day_start(data.period.first)
    posts = Post.filter(group_id=group.id, deleted_at__isnull=True, published__gte=first)
    voters = await PollVote.filter(poll__post__group_id=group.id, created_at__gte=first).values_list("voter_id", "poll_id")
    expected = {
        "members": await Follow.filter(target_id=group.id, state=ACCEPTED).count(),
        "posts": await posts.filter(in_reply_to_id__isnull=True).count(),
        "replies": await posts.filter(in_reply_to_id__isnull=False).count(),
        "joins": await FollowEvent.filter(target_id=group.id, kind=FOLLOWED, created_at__gte=first).count(),
        "leaves": await FollowEvent.filter(target_id=group.id, kind=UNFOLLOWED, created_at__gte=first).count(),
        "votes": len(set(voters)),
        "checkins": await Checkin.filter(series__group_id=group.id, day__gte=data.period.first).count(),
    }
    authors = set(await posts.values_list("author_id", flat=True))
    people = authors | {voter for voter, _ in voters} | set(
        await Checkin.filter(series__group_id=group.id, day__gte=data.period.first).values_list("actor_id", flat=True))
    expected_active_day_sum = 0
    for row in data.days:
        since, until = day_start(row.day), day_start(row.day + timedelta(days=1))
        today_people = set(await Post.filter(group_id=group.id, deleted_at__isnull=True, published__gte=since,
                                             published__lt=until).values_list("author_id", flat=True))
        today_people |= set(await PollVote.filter(poll__post__group_id=group.id, created_at__gte=since,
                                                  created_at__lt=until).values_list("voter_id", flat=True))
        today_people |= set(await Checkin.filter(series__group_id=group.id, day=row.day).values_list("actor_id", flat=True))
        expected_active_day_sum += len(today_people)
    wrong = []
    for name, value in expected.items():
        if data.figure(name).value != value:
            wrong.append(f"{name}: page {data.figure(name).value}, direct count {value}")
    active_sum = sum(row.figures.active for row in data.days)
    if active_sum != expected_active_day_sum:
        wrong.append(f"active per day (summed): page {active_sum}, direct count {expected_active_day_sum}")
    # Active in the last 30 days, counted directly.
    month_start = day_start(data.period.today - timedelta(days=29))
    month = set(await Post.filter(group_id=group.id, deleted_at__isnull=True, published__gte=month_start)
                .values_list("author_id", flat=True))
    month |= set(await PollVote.filter(poll__post__group_id=group.id, created_at__gte=month_start)
                 .values_list("voter_id", flat=True))
    month |= set(await Checkin.filter(series__group_id=group.id, day__gte=month_start.date())
                 .values_list("actor_id", flat=True))
    if data.figure("active_month").value != len(month):
        wrong.append(f"active_month: page {data.figure('active_month').value}, direct count {len(month)}")
    say(f"  checked: {', '.join(f'{k} {v}' for k, v in expected.items())}, active in 90 days {len(people)}, "
        f"active in the last 30 days {len(month)}")
    return wrong


async def prepare(args: argparse.Namespace, url: str, reused: bool) -> dict:
    """A reused history's record (moved forward to end today, cohorts recounted by calendar week), or a new one's."""
    if not reused:
        return {"bench": "group", "port": 20000 + os.getpid() % 20000, "group": "gardeners", "owner": "owner",
                "password": PASSWORD}
    async with database_session(url):
        info = await load_history("group")
        await bring_forward(info, then=lambda days: recount_cohorts(info["group"], days))
        if not await GroupDailyStat.filter(day=today_utc() - timedelta(days=1)).exists():
            say("  WARNING: the kept rollups do not reach yesterday: the first view asks the job to make them")
    say(f"reusing a history built {info['built']} ({info['size']}; filled in {info['build_seconds']:.0f} s, "
        f"rollups {info['rollup_seconds']:.0f} s), ending {info['now']}")
    return info


async def recount_cohorts(name: str, moved_days: int) -> None:
    """A cohort is a calendar week (Monday to Sunday): moved by days that are no whole weeks, they are counted again."""
    if moved_days % 7 == 0:
        return
    group = await Actor.get(username=name, type="Group", is_local=True)
    first = await GroupDailyStat.filter(group_id=group.id).order_by("day").limit(1).values_list("day", flat=True)
    await GroupCohort.filter(group_id=group.id).delete()
    if first:  # the weeks the first rollup counted (federation/group_insights/rollups.py, roll_up)
        first_week = monday(first[0]) - timedelta(days=7 * FOLLOWING_WEEKS)
        cohorts = await count_cohorts(group.id, first_week, today_utc() - timedelta(days=1))
        await GroupCohort.bulk_create(cohorts, batch_size=500)


async def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="moot-group-insights-bench-") as workdir:
        async with bench_database(args.keep, args.reuse, args.database_url, Path(workdir)) as (database_url, reused):
            print_machine(await engine_description(database_url))
            load = os.getloadavg()
            say(f"  load:      {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (1, 5, 15 min)")
            info = await prepare(args, database_url, reused)
            port = info["port"]
            settings = Settings(base_url=f"http://127.0.0.1:{port}", listen=f"127.0.0.1:{port}",
                                database_url=database_url, data_dir=Path(workdir), run_workers=False)
            app = create_app(settings)
            request_cpu = measure_requests(app)
            server = TestServer(app, host="127.0.0.1", port=port)
            try:
                await server.start_server()
            except OSError as exc:
                raise SystemExit(f"port {port} (the history's actors have it in their URIs) is taken: {exc}") from exc
            try:
                activate(server.app[keys.DATABASE])
                name = info["group"]
                if reused:
                    group = await Actor.get(username=name, type="Group", is_local=True)
                else:
                    started, began = time.perf_counter(), datetime.now(timezone.utc)  # fill()'s "now"
                    say("setup")
                    group = await fill(server.app, args)
                    filled = time.perf_counter() - started
                    say(f"  filled in {filled:.1f} s")
                    started = time.perf_counter()
                    stored = await roll_up_all()
                    rolled = time.perf_counter() - started
                    say(f"the rollup job's first run: {stored} group days (a year of history) in {rolled:.1f} s")
                    if args.keep:
                        size = {k: getattr(args, k) for k in ("members", "servers", "posts", "polls", "votes_per_poll",
                                                              "checkins_per_day")}
                        await save_history({**info, "now": began.isoformat(), "size": size,
                                            "build_seconds": filled, "rollup_seconds": rolled,
                                            "built": datetime.now(timezone.utc).isoformat(timespec="seconds")})
                base_url = f"http://127.0.0.1:{port}"
                results: dict[str, list[float]] = {}
                owner = await Actor.get(username=info["owner"], is_local=True)
                token = await create_token(owner)
                async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
                    await sign_in(session, base_url, info["owner"], info["password"])
                    first = await timed(session, f"{base_url}/groups/{name}/insights?days=90")
                    say(f"first view{' of the reused history' if reused else ''}: {first:.0f} ms")
                    # The ceiling, same run: a trivial page through the same app, middlewares and session.
                    for _ in range(5):
                        await timed(session, f"{base_url}/about")
                    mark = request_cpu.mark()
                    ceiling = sorted([await timed(session, f"{base_url}/about") for _ in range(args.requests)])
                    say(f"ceiling GET /about: p50 {percentile(ceiling, 0.5):.1f} ms, p95 {percentile(ceiling, 0.95):.1f} ms; "
                        f"{cpu_text(request_cpu.since(mark))} (load {os.getloadavg()[0]:.1f})")
                    # No cache: every request reads the rollups and counts today from the raw rows.
                    paths = [f"/groups/{name}/insights?days={days}" for days in (7, 30, 90)]
                    paths += [f"/api/moot/v1/groups/{name}/insights?days={days}" for days in (7, 30, 90)]
                    for path in paths:
                        headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
                        for _ in range(5):
                            await timed(session, base_url + path, headers)
                        cpu = time.process_time()
                        mark = request_cpu.mark()
                        with QueryLog() as log:
                            results[path] = sorted([await timed(session, base_url + path, headers)
                                                    for _ in range(args.requests)])
                        cpu_ms = (time.process_time() - cpu) * 1000 / args.requests
                        say(f"GET {path}: p50 {percentile(results[path], 0.5):.1f} ms, "
                            f"p95 {percentile(results[path], 0.95):.1f} ms; {cpu_text(request_cpu.since(mark))} "
                            f"({args.requests} requests, load {os.getloadavg()[0]:.1f}); CPU of this process "
                            f"(server, database driver and client) {cpu_ms:.1f} ms per request")
                        if args.profile:
                            for line in log.summary(args.requests):
                                say(line)
                activate(server.app[keys.DATABASE])
                wrong = await verify(group)
            finally:
                await server.close()
    for line in wrong:
        say(f"WRONG {line}")
    worst = max(percentile(values, 0.5) for values in results.values())
    verdict = "meets" if worst <= TARGET_P50_MS else "MISSES"
    say(f"target: p50 <= {TARGET_P50_MS:.0f} ms: {verdict} it (worst p50 {worst:.1f} ms); figures "
        f"{'WRONG' if wrong else 'right'}")
    if wrong:
        return 1
    return 1 if args.check and worst > TARGET_P50_MS else 0


def main() -> None:
    stop_on_signals()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=20000)
    parser.add_argument("--servers", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=100000, help="posts and replies (three in ten are threads)")
    parser.add_argument("--polls", type=int, default=300)
    parser.add_argument("--votes-per-poll", type=int, default=60)
    parser.add_argument("--checkins-per-day", type=int, default=60)
    parser.add_argument("--requests", type=int, default=50, help="timed requests per period (default 50)")
    parser.add_argument("--profile", action="store_true", help="also print queries per request and the costliest ones")
    parser.add_argument("--database-url", default=None,
                        help="sqlite://PATH (a new file) or postgres://... (a throwaway database is made there); "
                             "default: a SQLite file in a temporary directory")
    parser.add_argument("--check", action="store_true", help="exit 1 when the p50 target is missed")
    add_history_options(parser, "a SQLite file, e.g. /tmp/insights_history/group.sqlite3; with a PostgreSQL "
                        "--database-url, the name of a new database on that server, e.g. moot_bench_group_history")
    args = parser.parse_args()
    history_options_valid(parser, args, engines=1)
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
