"""Page insights benchmark: a year of synthetic history, then how fast /pages/{name}/insights renders.

The history is made with bulk inserts (no federation): by default 100,000 followers on 5,000 servers (and
20,000 more who followed and left again, for every reason a follower can be lost), 2,000 posts, a million
likes, boosts and replies spread over the year, and local views. The daily rollups are then made the way
the nightly job makes them (federation/insights/rollups.py; the time it takes is reported), and the page
is requested over HTTP from Moot's real app in this process, signed in as the page's admin, for 7, 30
and 90 days: p50 and p95 of the client-side latency. The JSON API is requested too, and its figures are
checked against direct counts of the raw rows: the run exits 1 when one is wrong (or, with --check, when
the p50 target is missed).

    .venv/bin/python bench/page_insights_bench.py [--scale 0.01] [--requests 40] [--database-url URL ...]
    .venv/bin/python bench/page_insights_bench.py --keep /tmp/page.sqlite3              # build once, keep it
    .venv/bin/python bench/page_insights_bench.py --reuse /tmp/page.sqlite3             # time it again later
    .venv/bin/python bench/page_insights_bench.py --database-url postgres://USER@HOST:PORT/DB --keep NAME
    .venv/bin/python bench/page_insights_bench.py --reuse postgres://USER@HOST:PORT/NAME

--scale multiplies every size (0.01 is a quick smoke run). Without --database-url it runs on a SQLite
file, and also on PostgreSQL when MOOT_BENCH_DATABASE_URL names a server (postgres://USER@HOST:PORT/DB;
a throwaway database is made there). The target (issue 12) is a p50 of at most 100 ms.

--keep keeps the built history (a SQLite file, or a PostgreSQL database of that name) and --reuse measures a
kept one without building it or its rollups again: on a later day its dates are moved forward first, so it
ends today again (bench/insights_history.py). Each request's server-side CPU time (time.process_time()
around its handling, in this process) is reported next to the wall time: on SQLite it includes the
database's work, and unlike the wall time it hardly depends on what else runs on the machine.
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

from benchlib import database_session, engine_description, free_port, percentile, print_machine, say, stop_on_signals
from insights_history import (
    add_history_options, bench_database, bring_forward, history_options_valid, load_history, save_history,
)
from insights_querylog import QueryLog
from request_cpu import RequestCpu, cpu_text, measure_requests
from federation.insights.audience import snapshot_audience
from federation.insights.rollups import DAY, day_start, recount_posts, rollup
from federation.local_actors import create_page, create_token, create_user
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.insights import FOLLOWED, LOST_REASONS, UNFOLLOWED, FollowEvent, HostSoftware, PageDay, PostView
from models.posts import ANNOUNCE, LIKE, REPLY, Interaction, Post
from server import keys
from server.app import create_app
from server.database import activate
from server.settings import Settings
from web.passwords import hash_password

TARGET_P50_MS = 100.0
PASSWORD = "bench password"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
SOFTWARE = ["mastodon", "mastodon", "mastodon", "misskey", "pleroma", "akkoma", "gotosocial", "lemmy", ""]
LANGUAGES = ["en", "en", "nl", "de", None]
BATCH = 5000


def sizes(scale: float) -> dict[str, int]:
    return {
        "followers": max(10, int(100_000 * scale)), "servers": max(2, int(5_000 * scale)),
        "churn": max(2, int(20_000 * scale)), "posts": max(5, int(2_000 * scale)),
        "interactions": max(20, int(1_000_000 * scale)),
    }


async def bulk(model: type, rows: list, batch: int = 1000) -> None:
    for offset in range(0, len(rows), BATCH):
        await model.bulk_create(rows[offset:offset + BATCH], batch_size=batch)


async def build_history(ctx, size: dict[str, int], now: datetime, rng: random.Random) -> tuple[Actor, Actor]:
    owner = await create_user(ctx, "owner", password_hash=hash_password(PASSWORD), is_admin=True)
    page = await create_page(ctx, "bench", owner=owner, display_name="Bench Bakery")
    year_ago = now - timedelta(days=365)

    def moment(after: datetime = year_ago) -> datetime:
        room = (now - timedelta(minutes=5) - after).total_seconds()
        return after + timedelta(seconds=rng.random() * max(1.0, room))

    hosts = [f"server{n}.example" for n in range(size["servers"])]
    total = size["followers"] + size["churn"]
    say(f"  {total} remote actors on {len(hosts)} servers...")
    await bulk(Actor, [Actor(uri=f"https://{hosts[n % len(hosts)]}/users/u{n}", type="Person", username=f"u{n}",
                             domain=hosts[n % len(hosts)], inbox=f"https://{hosts[n % len(hosts)]}/users/u{n}/inbox",
                             shared_inbox=f"https://{hosts[n % len(hosts)]}/inbox", is_local=False)
                       for n in range(total)])
    ids = list(await Actor.filter(is_local=False, domain__endswith=".example").order_by("id").values_list("id", flat=True))
    followers, churned = ids[:size["followers"]], ids[size["followers"]:]
    say(f"  {len(followers)} follows and {len(followers) + 2 * len(churned)} follow events...")
    await bulk(Follow, [Follow(follower_id=i, target_id=page.id, state=ACCEPTED) for i in followers])
    events = [FollowEvent(target_id=page.id, follower_uri=f"u{i}", kind=FOLLOWED, created_at=moment()) for i in followers]
    for n, i in enumerate(churned):
        joined = moment()
        events.append(FollowEvent(target_id=page.id, follower_uri=f"u{i}", kind=FOLLOWED, created_at=joined))
        events.append(FollowEvent(target_id=page.id, follower_uri=f"u{i}", kind=UNFOLLOWED,
                                  reason=LOST_REASONS[n % len(LOST_REASONS)], created_at=moment(joined)))
    await bulk(FollowEvent, events)
    await bulk(HostSoftware, [HostSoftware(host=h, software=SOFTWARE[n % len(SOFTWARE)], version="1.0", fetched_at=now)
                              for n, h in enumerate(hosts)])
    say(f"  {size['posts']} posts...")
    published = sorted(moment() for _ in range(size["posts"]))
    await bulk(Post, [Post(uri=f"{ctx.base_url}/posts/bench{n}", author_id=page.id, is_local=True,
                           content=f"<p>Bench post {n}: fresh bread and cake</p>", source=f"Bench post {n}",
                           language=LANGUAGES[n % len(LANGUAGES)], published=when, visibility="public")
                      for n, when in enumerate(published)])
    posts = list(await Post.filter(author_id=page.id).order_by("published", "id").values_list("id", "published"))
    from models.insights import PostStats
    await bulk(PostStats, [PostStats(post_id=i, page_id=page.id, published=when, language=LANGUAGES[n % len(LANGUAGES)],
                                     servers=len(hosts), followers_reached=len(followers))
                           for n, (i, when) in enumerate(posts)])
    say(f"  {size['interactions']} interactions...")
    kinds = [LIKE, LIKE, LIKE, ANNOUNCE, REPLY]
    made = 0
    while made < size["interactions"]:
        chunk = []
        for n in range(made, min(size["interactions"], made + 50_000)):
            post_id, when = posts[rng.randrange(len(posts))]
            chunk.append(Interaction(kind=kinds[n % len(kinds)], actor_id=followers[rng.randrange(len(followers))],
                                     post_id=post_id, activity_uri=f"https://x.example/i/{n}",
                                     created_at=moment(when)))
        await bulk(Interaction, chunk)
        made += len(chunk)
    views: dict[tuple[int, object], int] = {}
    for n in range(size["interactions"] // 10):
        post_id, when = posts[rng.randrange(len(posts))]
        key = (post_id, moment(when).date())
        views[key] = views.get(key, 0) + 1
    await bulk(PostView, [PostView(post_id=p, page_id=page.id, day=d, views=v) for (p, d), v in views.items()])
    return owner, page


async def direct_counts(page: Actor, days: int, now: datetime) -> dict[str, int]:
    """The period's figures counted straight from the raw rows (what the rollups must agree with)."""
    start = day_start(now.date() - timedelta(days=days - 1))
    post_ids = list(await Post.filter(author_id=page.id, published__gte=start).values_list("id", flat=True))
    return {
        "followers": await Follow.filter(target_id=page.id, state=ACCEPTED).count(),
        "gained": await FollowEvent.filter(target_id=page.id, kind=FOLLOWED, created_at__gte=start).count(),
        "lost": await FollowEvent.filter(target_id=page.id, kind=UNFOLLOWED, created_at__gte=start).count(),
        "interactions": await Interaction.filter(post__author_id=page.id, created_at__gte=start).count(),
        "posts": len(post_ids),
        "post_interactions": await Interaction.filter(post_id__in=post_ids).count() if post_ids else 0,
        "views": sum(await PostView.filter(page_id=page.id, day__gte=start.date()).values_list("views", flat=True)),
    }


async def sign_in(session: aiohttp.ClientSession, base_url: str, username: str = "owner",
                  password: str = PASSWORD) -> None:
    async with session.get(base_url + "/login") as response:
        match = CSRF_INPUT.search(await response.text())
    if match is None:
        raise SystemExit("no sign-in form on /login")
    form = {"username": username, "password": password, "csrf_token": match.group(1), "next": "/home"}
    async with session.post(base_url + "/login", data=form, allow_redirects=False) as response:
        if response.status != 303:
            raise SystemExit(f"signing in failed: {response.status}")


def load_text() -> str:
    return "load %.1f" % os.getloadavg()[0]


async def timed(session: aiohttp.ClientSession, url: str, requests: int) -> tuple[list[float], str]:
    text = ""
    for _ in range(3):  # warm-up
        async with session.get(url) as response:
            text = await response.text()
            if response.status != 200:
                raise SystemExit(f"GET {url}: {response.status}\n{text[-2000:]}")
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        async with session.get(url) as response:
            text = await response.text()
        latencies.append((time.perf_counter() - started) * 1000)
    return sorted(latencies), text


async def timed_with(session: aiohttp.ClientSession, url: str, requests: int,
                     headers: dict[str, str]) -> tuple[list[float], str]:
    if not headers:
        return await timed(session, url, requests)
    text = ""
    latencies = []
    for n in range(requests + 3):
        started = time.perf_counter()
        async with session.get(url, headers=headers) as response:
            text = await response.text()
            if response.status != 200:
                raise SystemExit(f"GET {url}: {response.status}\n{text[-2000:]}")
        if n >= 3:  # after the warm-up
            latencies.append((time.perf_counter() - started) * 1000)
    return sorted(latencies), text


async def prepare(args: argparse.Namespace, url: str, reused: bool) -> dict:
    """A reused history's record (moved forward to end today), or a new one's port."""
    if not reused:
        return {"bench": "page", "port": free_port(), "page": "bench", "owner": "owner", "password": PASSWORD}
    async with database_session(url):
        info = await load_history("page")
        await bring_forward(info)
        if not await PageDay.filter(day=datetime.now(timezone.utc).date() - DAY).exists():
            say("  WARNING: the kept rollups do not reach yesterday: the first request makes the missing days")
    say(f"reusing a history built {info['built']} ({info['size']}; built in {info['build_seconds']:.0f} s, "
        f"rollups {info['rollup_seconds']:.0f} s), ending {info['now']}")
    return info


async def build(server: TestServer, args: argparse.Namespace, info: dict, lines: list[str]) -> datetime:
    """Build the history and its rollups (what --reuse skips); returns the moment it ends."""
    size = sizes(args.scale)
    now = datetime.now(timezone.utc)
    say(f"history: {size}")
    started = time.perf_counter()
    _, page = await build_history(server.app[keys.FEDERATION], size, now, random.Random(12))
    built = time.perf_counter() - started
    say(f"  built in {built:.1f} s")
    started = time.perf_counter()
    today = now.date()
    await rollup(page.id, today - timedelta(days=365), today - DAY)
    post_ids = list(await Post.filter(author_id=page.id).values_list("id", flat=True))
    await recount_posts(page.id, post_ids, day_start(today))
    await snapshot_audience(page.id, now)
    rolled = time.perf_counter() - started
    say(f"  a year of daily rollups made in {rolled:.1f} s (the nightly job does one day)")
    lines.append(f"history: {size}; built in {built:.0f} s; a year of rollups in {rolled:.1f} s")
    if args.keep:
        await save_history({**info, "now": now.isoformat(), "size": size, "build_seconds": built,
                            "rollup_seconds": rolled, "built": datetime.now(timezone.utc).isoformat(timespec="seconds")})
    return now


async def run_engine(args: argparse.Namespace, database_url: str | None, workdir: Path) -> tuple[bool, list[str]]:
    ok = True
    lines: list[str] = []
    async with bench_database(args.keep, args.reuse, database_url, workdir) as (url, reused):
        engine = await engine_description(url)
        print_machine(engine)
        lines.append(f"database: {engine}")
        info = await prepare(args, url, reused)
        port = info["port"]
        settings = Settings(base_url=f"http://127.0.0.1:{port}", listen=f"127.0.0.1:{port}", database_url=url,
                            data_dir=workdir / f"data-{port}", run_workers=False)
        app = create_app(settings)
        cpu = measure_requests(app)
        server = TestServer(app, host="127.0.0.1", port=port)
        try:
            await server.start_server()
        except OSError as exc:
            raise SystemExit(f"port {port} (the history's actors have it in their URIs) is taken: {exc}") from exc
        try:
            activate(server.app[keys.DATABASE])
            now = datetime.now(timezone.utc) if reused else await build(server, args, info, lines)
            name = info["page"]
            owner = await Actor.get(username=info["owner"], is_local=True, type="Person")
            page = await Actor.get(username=name, is_local=True).exclude(id=owner.id)
            ok = await measure(args, server, cpu, owner, page, info, now, lines)
        finally:
            await server.close()
    return ok, lines


async def measure(args: argparse.Namespace, server: TestServer, cpu: RequestCpu, owner: Actor, page: Actor,
                  info: dict, now: datetime, lines: list[str]) -> bool:
    """The timed requests, and the JSON's figures against direct counts of the raw rows."""
    ok = True
    name = info["page"]
    base_url = f"http://127.0.0.1:{info['port']}"
    token = await create_token(owner)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        await sign_in(session, base_url, info["owner"], info["password"])
        # The ceiling, same run: a trivial page through the same app, middlewares and session.
        mark = cpu.mark()
        ceiling, _ = await timed(session, f"{base_url}/about", args.requests)
        line = (f"ceiling GET /about: p50 {percentile(ceiling, 0.5):.1f} ms, p95 {percentile(ceiling, 0.95):.1f} ms; "
                f"{cpu_text(cpu.since(mark + 3))} ({load_text()})")
        say(line)
        lines.append(line)
        # No cache: every request reads the rollups and counts today from the raw rows.
        paths = [(f"/pages/{name}/insights?days={days}", days) for days in (7, 30, 90)]
        paths += [(f"/api/moot/v1/pages/{name}/insights?days={days}", days) for days in (7, 30, 90)]
        for path, days in paths:
            api = path.startswith("/api/")
            headers = {"Authorization": f"Bearer {token}"} if api else {}
            mark = cpu.mark()
            process = time.process_time()
            with QueryLog() as log:
                latencies, page_html = await timed_with(session, base_url + path, args.requests, headers)
            cpu_ms = (time.process_time() - process) * 1000 / (args.requests + 3)
            p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
            verdict = "meets" if p50 <= TARGET_P50_MS else "MISSES"
            line = (f"GET {path}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
                    f"max {latencies[-1]:.1f} ms; {cpu_text(cpu.since(mark + 3))} ({args.requests} requests, "
                    f"{len(page_html.encode()) / 1024:.0f} KiB, {load_text()}; CPU of this process "
                    f"(server, SQLite or the PostgreSQL driver, client) {cpu_ms:.1f} ms per request; "
                    f"{verdict} the {TARGET_P50_MS:.0f} ms target)")
            say(line)
            lines.append(line)
            if args.profile:
                for entry in log.summary(args.requests + 3):
                    say(entry)
            if args.check and p50 > TARGET_P50_MS:
                ok = False
            if api:
                continue
            wrong = await check_figures(session, base_url, name, token, page, days, now, page_html)
            if wrong:
                ok = False
                say(f"  WRONG figures for {days} days (got, counted): {wrong}")
                lines.append(f"  WRONG figures for {days} days: {wrong}")
    return ok


async def check_figures(session: aiohttp.ClientSession, base_url: str, name: str, token: str, page: Actor,
                        days: int, now: datetime, page_html: str) -> dict:
    """The API's figures against direct counts of the raw rows: what differs (empty when all agree)."""
    async with session.get(f"{base_url}/api/moot/v1/pages/{name}/insights?days={days}",
                           headers={"Authorization": f"Bearer {token}"}) as response:
        data = await response.json()
    expected = await direct_counts(page, days, now)
    got = {
        "followers": data["figures"]["followers"]["value"],
        "gained": data["figures"]["gained"]["value"], "lost": data["figures"]["lost"]["value"],
        "interactions": data["figures"]["interactions"]["value"],
        "posts": data["figures"]["posts"]["value"],
        "post_interactions": None, "views": data["figures"]["views"]["value"],
    }
    posts_shown = data["posts"]
    if len(posts_shown) == expected["posts"]:
        got["post_interactions"] = sum(p["engagement"] for p in posts_shown)
    else:
        # the API lists the 30 newest; check those one by one
        got["post_interactions"] = expected["post_interactions"]
        for item in posts_shown:
            direct = await Interaction.filter(post_id=int(item["id"])).count()
            if direct != item["engagement"]:
                got["post_interactions"] = f"post {item['id']}: {item['engagement']} != {direct}"
                break
    if expected["posts"] and 'data-figure="followers"' not in page_html:
        got["html"] = "no followers figure on the page"
    wrong = {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v}
    wrong.update({k: v for k, v in got.items() if k == "html"})
    if not wrong:
        say(f"  figures for {days} days agree with direct counts: {expected}")
    return wrong


async def run(args: argparse.Namespace) -> int:
    urls = args.database_url or [None] + ([os.environ["MOOT_BENCH_DATABASE_URL"]]
                                          if os.environ.get("MOOT_BENCH_DATABASE_URL") else [])
    if args.keep or args.reuse:  # one database: the kept one
        urls = urls[:1]
    ok = True
    load = os.getloadavg()
    say(f"load: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (1, 5, 15 min) on {os.cpu_count()} cores")
    for url in urls:
        with tempfile.TemporaryDirectory(prefix="moot-insights-bench-") as workdir:
            engine_ok, _ = await run_engine(args, url, Path(workdir))
            ok = ok and engine_ok
    say("all figures agree with direct counts" if ok else "FAILED: see above")
    return 0 if ok else 1


def main() -> None:
    stop_on_signals()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every size (default 1: 100,000 followers, "
                        "5,000 servers, 2,000 posts, a million interactions; 0.01 for a smoke run)")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per period (default 40)")
    parser.add_argument("--database-url", action="append",
                        help="sqlite://PATH (a new file) or postgres://... (repeat for several; default: a SQLite "
                             "file, and MOOT_BENCH_DATABASE_URL when set)")
    parser.add_argument("--check", action="store_true", help="also exit 1 when the p50 target is missed")
    parser.add_argument("--profile", action="store_true", help="also print queries per request and the costliest ones")
    add_history_options(parser, "a SQLite file, e.g. /tmp/insights_history/page.sqlite3; with a PostgreSQL "
                        "--database-url, the name of a new database on that server, e.g. moot_bench_page_history")
    args = parser.parse_args()
    history_options_valid(parser, args, engines=len(args.database_url or [None]))
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
