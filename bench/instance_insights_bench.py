"""Instance insights benchmark: a year of an instance's history, then how fast /admin/insights renders.

The history: --accounts local accounts, --groups groups and --pages pages created over a year, and the
deliveries of --posts activities to --servers remote servers each (by default 2,000 x 5,000: the ten
million deliveries a page with 100,000 followers on 5,000 servers makes in a year, issue 12's scale), written
with INSERT ... SELECT in the database itself. One server in a hundred is dead (its deliveries failed, and
waiting in the last three days, with a backoff), one delivery in a hundred elsewhere failed.

Then the nightly queue housekeeping runs once (timed: the delivery rollup of the whole year, then the pruning
of finished deliveries older than 7 days, which deletes most of the history; --no-housekeeping skips it), and
Moot's real app in this process serves /admin/insights?days=7|30|90 and the JSON API to the signed-in
admin: p50/p95 over HTTP, next to the same-run ceiling (GET /about through the same app and session) and the
load average. No page cache exists: every request reads the rollup and counts today and the unsettled days from
the queue. The API's figures are checked against direct counts of the raw rows made before the housekeeping;
a difference exits 1 (and a missed 100 ms p50 target too, with --check).

    .venv/bin/python bench/instance_insights_bench.py [--scale 0.1] [--requests 30] [--database-url URL ...]

Without --database-url it runs on a SQLite file, and also on PostgreSQL when MOOT_BENCH_DATABASE_URL names a
server (a throwaway database is made there).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer

from benchlib import engine_description, free_port, percentile, print_machine, say, stop_on_signals, throwaway_database
from insights_querylog import QueryLog
from federation.delivery_stats.job import run_housekeeping
from federation.group_insights.days import day_start
from federation.local_actors import create_token, create_user
from models.actors import Actor, LocalUser
from models.queues import DONE, FAILED, PENDING, Delivery, HostBackoff, OutboundActivity
from page_insights_bench import sign_in, timed_with
from server import keys
from server.app import create_app
from server.database import activate
from server.settings import Settings
from web.passwords import hash_password

TARGET_P50_MS = 100.0
PASSWORD = "bench password"
DEAD_EVERY = 100  # one server in a hundred is dead


def sizes(scale: float) -> dict[str, int]:
    return {"accounts": max(5, int(2_000 * scale)), "groups": max(2, int(200 * scale)),
            "pages": max(2, int(100 * scale)), "posts": max(5, int(2_000 * scale)),
            "servers": max(5, int(5_000 * scale))}


def spread(n: int, count: int, now: datetime) -> datetime:
    """The n-th of `count` moments spread evenly over the year before now."""
    return now - timedelta(days=365) + timedelta(seconds=(n + 0.5) * 365 * 86400 / count)


async def build(ctx, size: dict[str, int], now: datetime) -> Actor:
    owner = await create_user(ctx, "owner", password_hash=hash_password(PASSWORD), is_admin=True)
    say(f"  {size['accounts']} accounts, {size['groups']} groups, {size['pages']} pages...")
    people = [Actor(uri=f"{ctx.base_url}/users/a{n}", type="Person", username=f"a{n}", is_local=True, domain="127.0.0.1",
                    inbox=f"{ctx.base_url}/users/a{n}/inbox", created_at=spread(n, size["accounts"], now))
              for n in range(size["accounts"])]
    people += [Actor(uri=f"{ctx.base_url}/groups/g{n}", type="Group", username=f"g{n}", is_local=True, domain="127.0.0.1",
                     inbox=f"{ctx.base_url}/groups/g{n}/inbox", created_at=spread(n, size["groups"], now))
               for n in range(size["groups"])]
    people += [Actor(uri=f"{ctx.base_url}/pages/p{n}", type="Service", username=f"p{n}", is_local=True, domain="127.0.0.1",
                     inbox=f"{ctx.base_url}/pages/p{n}/inbox", created_at=spread(n, size["pages"], now))
               for n in range(size["pages"])]
    await Actor.bulk_create(people, batch_size=1000)
    accounts = await Actor.filter(type="Person", is_local=True, username__startswith="a").exclude(id=owner.id) \
        .values_list("id", "created_at")
    await LocalUser.bulk_create([LocalUser(actor_id=i, created_at=when) for i, when in accounts], batch_size=1000)
    say(f"  {size['posts']} activities to {size['servers']} servers: "
        f"{size['posts'] * size['servers']:,} deliveries...")
    await OutboundActivity.bulk_create([
        OutboundActivity(uri=f"{ctx.base_url}/activities/{n}", actor_id=owner.id, type="Create", payload={},
                         created_at=spread(n, size["posts"], now))
        for n in range(size["posts"])], batch_size=1000)
    db = Delivery._meta.db
    sqlite = db.capabilities.dialect == "sqlite"
    recent = now - timedelta(days=3)
    await db.execute_script("CREATE TABLE bench_host (n INTEGER PRIMARY KEY)")
    if sqlite:
        await db.execute_query(f"WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < "
                               f"{size['servers'] - 1}) INSERT INTO bench_host SELECT n FROM s")
        recent_sql = f"'{recent.isoformat(' ')}'"
    else:
        await db.execute_query(f"INSERT INTO bench_host SELECT generate_series(0, {size['servers'] - 1})")
        recent_sql = f"TIMESTAMPTZ '{recent.isoformat(' ')}'"
    # Dead servers: failed, and still waiting in the last three days; elsewhere one in a hundred failed.
    state = (f"CASE WHEN h.n % {DEAD_EVERY} = 0 AND a.created_at >= {recent_sql} THEN '{PENDING}' "
             f"WHEN h.n % {DEAD_EVERY} = 0 OR (a.id * 7 + h.n) % 100 = 0 THEN '{FAILED}' ELSE '{DONE}' END")
    started = time.perf_counter()
    await db.execute_query(
        "INSERT INTO delivery (activity_id, inbox_url, host, state, attempts, next_attempt_at, created_at) "
        f"SELECT a.id, 'https://s' || h.n || '.example/inbox', 's' || h.n || '.example', {state}, 1, "
        "a.created_at, a.created_at FROM outbound_activity a CROSS JOIN bench_host h ORDER BY a.id, h.n")
    await db.execute_script("DROP TABLE bench_host")
    say(f"  deliveries written in {time.perf_counter() - started:.0f} s")
    await HostBackoff.bulk_create([
        HostBackoff(host=f"s{n}.example", failures=12, next_attempt_at=now + timedelta(hours=6),
                    last_error="connection refused")
        for n in range(0, size["servers"], DEAD_EVERY)], batch_size=1000)
    await db.execute_script("ANALYZE")
    return owner


async def direct_counts(days: int, now: datetime) -> dict[str, int]:
    since = day_start(now.date() - timedelta(days=days - 1))
    states = dict(await Delivery.filter(created_at__gte=since).group_by("state").annotate(n=_count())
                  .values_list("state", "n"))
    hosts = await Delivery.filter(created_at__gte=since).distinct().values_list("host", flat=True)
    return {
        "new_accounts": await LocalUser.filter(created_at__gte=since).count(),
        "new_groups": await Actor.filter(type="Group", is_local=True, created_at__gte=since).count(),
        "new_pages": await Actor.filter(type="Service", is_local=True, created_at__gte=since).count(),
        "delivered": states.get(DONE, 0), "failed": states.get(FAILED, 0), "waiting": states.get(PENDING, 0),
        "host_count": len(set(hosts)),
    }


def _count():  # noqa: ANN202
    from tortoise.functions import Count
    return Count("id")


async def run_engine(args: argparse.Namespace, database_url: str | None, workdir: Path) -> bool:
    ok = True
    async with throwaway_database(database_url, workdir) as url:
        print_machine(await engine_description(url))
        port = free_port()
        settings = Settings(base_url=f"http://127.0.0.1:{port}", listen=f"127.0.0.1:{port}", database_url=url,
                            data_dir=workdir / f"data-{port}", run_workers=False)
        server = TestServer(create_app(settings), host="127.0.0.1", port=port)
        await server.start_server()
        try:
            activate(server.app[keys.DATABASE])
            size = sizes(args.scale)
            now = datetime.now(timezone.utc)
            say(f"history: {size}")
            started = time.perf_counter()
            owner = await build(server.app[keys.FEDERATION], size, now)
            say(f"  built in {time.perf_counter() - started:.0f} s")
            token = await create_token(owner)
            # Counted from the raw rows before the housekeeping deletes most of them.
            expected_by_days = {days: await direct_counts(days, now) for days in (7, 30, 90)}
            if not args.no_housekeeping:
                started, cpu = time.perf_counter(), time.process_time()
                result = await run_housekeeping(datetime.now(timezone.utc), 7, progress=lambda line: say(f"  {line}") if line.startswith("rollup") else None)
                say(f"housekeeping: {result.days_rolled_up} days rolled up, {result.pairs_recounted} unsettled pairs, "
                    f"deleted {result.pruned.summary()} in {time.perf_counter() - started:.1f} s "
                    f"(CPU of this process {time.process_time() - cpu:.1f} s, load {os.getloadavg()[0]:.1f}); "
                    f"{await Delivery.all().count():,} deliveries left")
            base_url = f"http://127.0.0.1:{port}"
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
                await sign_in(session, base_url)
                ceiling, _ = await timed_with(session, f"{base_url}/about", args.requests, {})
                say(f"ceiling GET /about: p50 {percentile(ceiling, 0.5):.1f} ms, p95 {percentile(ceiling, 0.95):.1f} ms "
                    f"(load {os.getloadavg()[0]:.1f})")
                # No cache: every request counts from the database.
                for path in [f"/admin/insights?days={d}" for d in (7, 30, 90)] + \
                        [f"/api/moot/v1/admin/insights?days={d}" for d in (7, 30, 90)]:
                    headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
                    cpu = time.process_time()
                    with QueryLog() as log:
                        latencies, text = await timed_with(session, base_url + path, args.requests, headers)
                    cpu_ms = (time.process_time() - cpu) * 1000 / (args.requests + 3)
                    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
                    verdict = "meets" if p50 <= TARGET_P50_MS else "MISSES"
                    say(f"GET {path}: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({args.requests} requests, "
                        f"{len(text.encode()) / 1024:.0f} KiB, load {os.getloadavg()[0]:.1f}; CPU of this process {cpu_ms:.1f} ms "
                        f"per request; {verdict} the "
                        f"{TARGET_P50_MS:.0f} ms target)")
                    if args.profile:
                        for line in log.summary(args.requests + 3):
                            say(line)
                    if args.check and p50 > TARGET_P50_MS:
                        ok = False
                    if not path.startswith("/api/"):
                        continue
                    async with session.get(base_url + path, headers=headers) as response:
                        data = await response.json()
                    days = data["days"]
                    expected = expected_by_days[days]
                    wrong = {k: (data.get(k), v) for k, v in expected.items() if data.get(k) != v}
                    if wrong:
                        ok = False
                        say(f"  WRONG figures for {days} days (page, counted): {wrong}")
                    else:
                        say(f"  figures for {days} days agree with direct counts: {expected}")
        finally:
            await server.close()
    return ok


async def run(args: argparse.Namespace) -> int:
    urls = args.database_url or [None] + ([os.environ["MOOT_BENCH_DATABASE_URL"]]
                                          if os.environ.get("MOOT_BENCH_DATABASE_URL") else [])
    ok = True
    for url in urls:
        with tempfile.TemporaryDirectory(prefix="moot-instance-insights-bench-") as workdir:
            ok = await run_engine(args, url, Path(workdir)) and ok
    say("all figures agree with direct counts" if ok else "FAILED: see above")
    return 0 if ok else 1


def main() -> None:
    stop_on_signals()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every size (default 1: 2,000 "
                        "activities to 5,000 servers, ten million deliveries)")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per path (default 30)")
    parser.add_argument("--database-url", action="append",
                        help="sqlite://PATH (a new file) or postgres://... (repeat for several)")
    parser.add_argument("--no-housekeeping", action="store_true",
                        help="measure without the rollup and pruning (every request counts the raw rows)")
    parser.add_argument("--check", action="store_true", help="also exit 1 when the p50 target is missed")
    parser.add_argument("--profile", action="store_true", help="also print queries per request and the costliest ones")
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
