"""Web rendering benchmark: how long a group page showing 50 posts takes to serve, p50/p90/p99, against a ceiling.

Moot's real aiohttp app (create_app, every middleware: sessions, CSRF, security headers, error pages)
runs in this process on 127.0.0.1. The group is filled through the same functions the UI calls: 12
members join, post 50 threads (titles, a few paragraphs, hashtags, some replies and likes), and one
thread is pinned. Then the group page is requested one request at a time, by a visitor who is not signed
in and by a signed-in member (who also gets the composer and the join/leave button; newest first, and
sorted by score), and the latency of each request is measured from the client's side (so it includes
HTTP parsing on both ends).

The group page pages by 20 (web/pages/community_groups.py PAGE_SIZE); the benchmark sets that to
--page-size (default 50) in its own process, so that the page measured really shows all 50 threads (the
pinned one and 49 others), and checks that it does.

The ceiling, measured in the same run: a bare aiohttp app (no middleware, no database, no template) on
another loopback port, whose one handler returns the very bytes of the measured page, requested the same
way. Moot's p50 minus the ceiling's is what the database, the middlewares and the template cost.
Last, the CSS and JavaScript the page links: raw and gzip size, and their Cache-Control.

    .venv/bin/python bench/render_bench.py [--requests 300] [--posts 50] [--page-size 50] [--database-url URL]
    .venv/bin/python bench/render_bench.py --cases timelines [--blocks 3000] [--mutes 2000] [--blocked-by 200]

`--cases timelines` measures instead (or also, with `group,timelines`) the home and public timelines of two
readers, one without and one with thousands of personal blocks and mutes: what federation/people/
personal_filters.py costs (bench/render_timelines.py).

The target (issues 5 and 9) is a p50 of at most 30 ms. Everything talks to 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import gzip
import io
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from benchlib import (
    engine_description, free_port, percentile, print_machine, say, stop_on_signals, throwaway_database,
)
from render_timelines import check_pages, fill_timelines, statuses_on
from federation import actions
from federation.actions.statuses import StatusInput, create_status, like, pin_status
from federation.groups.admin import GroupSettings, create_group
from federation.local_actors import create_user
from models.actors import Actor
from server import keys
from server.app import create_app
from server.database import activate
from server.settings import Settings
from web.pages import community_groups
from web.passwords import hash_password

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
TARGET_P50_MS = 30.0
PASSWORD = "bench password"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
THREAD_LINK = re.compile(r'href="/threads/(\d+)"')
ASSET_LINK = re.compile(r'<(?:link[^>]*rel="stylesheet"[^>]*href|script[^>]*src)="(/static/[^"]+)"')
PARAGRAPHS = [
    "We meet on Saturday at ten by the old mill. Bring gloves, a flask of tea and whatever seeds you saved "
    "from last year; there is plenty of space in the long bed by the fence.",
    "The compost bins are full again. If you have an hour this week, turn the second bin and start a new "
    "heap in the third. Please keep the lids closed: the neighbours' dog loves it.",
    "Thanks to everyone who came to the swap. We counted 140 packets of seeds, from borlotti beans to "
    "calendula, and nobody went home empty-handed. #seedswap #allotment",
]


def post_text(number: int) -> str:
    paragraphs = [PARAGRAPHS[(number + k) % len(PARAGRAPHS)] for k in range(1 + number % 3)]
    return "\n\n".join(paragraphs) + f"\n\nWeek {number} notes #garden"


async def fill_group(app: aiohttp.web.Application, posts: int) -> tuple[str, str]:
    """A public group with `posts` threads by 12 members; returns the group's name and one member's name."""
    ctx = app[keys.FEDERATION]
    activate(app[keys.DATABASE])
    owner = await create_user(ctx, "owner", password_hash=hash_password(PASSWORD), display_name="Group Owner",
                              is_admin=True)
    group = await create_group(ctx, "gardeners", owner, GroupSettings(
        display_name="Community Gardeners", description="Growing food and flowers together at the allotment.",
        rules="Be kind.\nNo selling.\nShare what you grow."))
    members: list[Actor] = [owner]
    for index in range(11):
        member = await create_user(ctx, f"member{index}", password_hash=hash_password(PASSWORD),
                                   display_name=f"Member {index}")
        await actions.follow(ctx, member, group)
        members.append(member)
    threads = []
    for number in range(posts):
        author = members[number % len(members)]
        thread = await create_status(ctx, author, StatusInput(
            text=post_text(number), group=group, title=f"Allotment update, week {number}"))
        threads.append(thread)
        if number % 5 == 0:  # some discussion: replies and likes
            for offset in (1, 2):
                replier = members[(number + offset) % len(members)]
                await create_status(ctx, replier, StatusInput(text=f"Thanks! I'll be there. ({number}/{offset})",
                                                              in_reply_to=thread))
                await like(ctx, replier, thread)
    await pin_status(ctx, owner, threads[0], True)
    return "gardeners", "member3"


async def sign_in(session: aiohttp.ClientSession, base_url: str, name: str) -> None:
    async with session.get(base_url + "/login") as response:
        match = CSRF_INPUT.search(await response.text())
    if match is None:
        raise SystemExit("no sign-in form on /login")
    form = {"username": name, "password": PASSWORD, "csrf_token": match.group(1), "next": "/home"}
    async with session.post(base_url + "/login", data=form, allow_redirects=False) as response:
        if response.status != 303 or response.headers.get("Location") != "/home":
            raise SystemExit(f"signing in as {name} failed: {response.status} to {response.headers.get('Location')}")


SERVER_TIMES: list[float] = []


@web.middleware
async def server_timer(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outermost middleware: the time from the parsed request to the finished response, in ms."""
    start = time.perf_counter()
    try:
        return await handler(request)
    finally:
        SERVER_TIMES.append((time.perf_counter() - start) * 1000)


@dataclass
class Result:
    latencies: list[float]  # client side, sorted, ms
    server: list[float]  # inside the app (all middlewares and the handler), sorted, ms
    cpu_per_request: float  # CPU time of this process (client and server) per request, ms
    page: str


async def measure(session: aiohttp.ClientSession, url: str, requests: int) -> Result:
    """Sequential GETs (after a warm-up)."""
    text = ""
    for _ in range(20):
        async with session.get(url) as response:
            text = await response.text()
            if response.status != 200:
                raise SystemExit(f"GET {url}: {response.status}\n{text[-2000:]}")
    latencies = []
    SERVER_TIMES.clear()
    cpu_start = time.process_time()
    for _ in range(requests):
        start = time.perf_counter()
        async with session.get(url) as response:
            text = await response.text()
        latencies.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            raise SystemExit(f"GET {url}: {response.status}")
    cpu = (time.process_time() - cpu_start) * 1000 / requests
    return Result(sorted(latencies), sorted(SERVER_TIMES), cpu, text)


def threads_on(page: str) -> int:
    """How many different threads the page links to (whatever markup the post list uses)."""
    return len(set(THREAD_LINK.findall(page)))


def report(label: str, result: Result, ceiling: Result | None = None) -> float:
    latencies = result.latencies
    p50, p90, p99 = (percentile(latencies, f) for f in (0.50, 0.90, 0.99))
    shown = f"{statuses_on(result.page)} statuses" if result.page.startswith("[") \
        else f"{threads_on(result.page)} threads on the page"
    say(f"{label}: {len(latencies)} requests, {len(result.page.encode()) / 1024:.0f} KiB, {shown}")
    say(f"  client  p50 {p50:.1f} ms   p90 {p90:.1f} ms   p99 {p99:.1f} ms   mean {statistics.fmean(latencies):.1f} ms"
        f"   max {latencies[-1]:.1f} ms")
    if result.server:
        s50, s90, s99 = (percentile(result.server, f) for f in (0.50, 0.90, 0.99))
        say(f"  server  p50 {s50:.1f} ms   p90 {s90:.1f} ms   p99 {s99:.1f} ms   (inside the app)")
    say(f"  CPU {result.cpu_per_request:.1f} ms a page (client and server; {1000 / result.cpu_per_request:.0f} pages/s "
        f"on one core)")
    if ceiling is not None:
        c50, c99 = percentile(ceiling.latencies, 0.50), percentile(ceiling.latencies, 0.99)
        say(f"  ceiling p50 {c50:.1f} ms   p99 {c99:.1f} ms   (the same bytes from a bare handler): Moot adds "
            f"{p50 - c50:.1f} ms at p50, {p99 - c99:.1f} ms at p99")
    return p50


async def profile(session: aiohttp.ClientSession, url: str, requests: int) -> None:
    """cProfile over `requests` GETs of the member's page (client and server share the process): where the CPU goes."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        async with session.get(url) as response:
            await response.read()
    profiler.disable()
    for sort in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort).print_stats(30)
        say(f"profile of {requests} member pages, by {sort} time:\n" + out.getvalue())


async def ceiling_for(page: str, requests: int) -> Result:
    """The same page's bytes from a bare aiohttp handler (no middleware, database or template), measured the
    same way on another loopback port: what serving this much HTML costs here at best."""
    body = page.encode()

    async def static_page(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="text/html", charset="utf-8")

    app = web.Application()
    app.router.add_get("/", static_page)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            result = await measure(session, f"http://127.0.0.1:{server.port}/", requests)
    finally:
        await server.close()
    result.server.clear()  # no timing middleware there: the client's figures are the ceiling
    return result


async def report_assets(session: aiohttp.ClientSession, base_url: str, page: str) -> None:
    """The stylesheets and scripts the page links: raw and gzip (level 6, as a server would) sizes, and how long
    browsers may keep them."""
    total_raw = total_gzip = 0
    for path in dict.fromkeys(ASSET_LINK.findall(page)):
        async with session.get(base_url + path.replace("&amp;", "&"),
                               headers={"Accept-Encoding": "identity"}) as response:
            body = await response.read()
            cache = response.headers.get("Cache-Control", "(no Cache-Control)")
        packed = len(gzip.compress(body, compresslevel=6))
        total_raw, total_gzip = total_raw + len(body), total_gzip + packed
        say(f"  {path}: {len(body) / 1024:.1f} KiB raw, {packed / 1024:.1f} KiB gzip; Cache-Control: {cache}")
    say(f"  all: {total_raw / 1024:.1f} KiB raw, {total_gzip / 1024:.1f} KiB gzip")


async def group_cases(server: TestServer, base_url: str, args: argparse.Namespace) -> list[float]:
    """The group page: a visitor, a member, the member sorted by score. Returns their p50s (the target's)."""
    expected = min(args.posts, args.page_size + 1)  # the pinned thread comes on top of a page
    started = time.perf_counter()
    group, member = await fill_group(server.app, args.posts)
    say(f"setup: {args.posts} threads in the group in {time.perf_counter() - started:.1f} s")
    url = f"{base_url}/groups/{group}"
    results = []

    def shown(result: Result) -> Result:
        if threads_on(result.page) < expected:
            raise SystemExit(f"the page shows {threads_on(result.page)} threads, not {expected}")
        return result

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as visitor:
        result = shown(await measure(visitor, url, args.requests))
        results.append(report(f"GET /groups/{group}, signed out", result,
                              await ceiling_for(result.page, args.requests)))
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as signed_in:
        await sign_in(signed_in, base_url, member)
        result = shown(await measure(signed_in, url, args.requests))
        if 'action="/logout"' not in result.page:
            raise SystemExit("the member's page does not show them signed in:\n" + result.page[:3000])
        results.append(report(f"GET /groups/{group}, signed in as a member", result,
                              await ceiling_for(result.page, args.requests)))
        result = shown(await measure(signed_in, url + "?sort=top", args.requests))
        results.append(report(f"GET /groups/{group}?sort=top, signed in as a member", result))
        if args.profile:
            await profile(signed_in, url, args.requests)
        say("CSS and JavaScript on the page:")
        await report_assets(signed_in, base_url, result.page)
    return results


async def timeline_cases(server: TestServer, base_url: str, args: argparse.Namespace) -> None:
    """Home (web and API) and public (API) timelines for a reader without and with thousands of blocks and
    mutes (bench/render_timelines.py): what the personal hide filter costs."""
    started = time.perf_counter()
    readers = await fill_timelines(server.app, PASSWORD, args.posts_each, args.blocks, args.mutes, args.blocked_by)
    say(f"setup: the timelines in {time.perf_counter() - started:.1f} s")
    paths = ("/home", "/api/v1/timelines/home", "/api/v1/timelines/public")  # 20 statuses each, as Mastodon
    pages: dict[tuple[str, str], str] = {}
    medians: dict[tuple[str, str], float] = {}
    kinds = {readers.plain[0]: "no blocks or mutes", readers.wary[0]: "thousands of blocks and mutes"}
    sessions = {name: aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                            headers={"Authorization": f"Bearer {token}"})
                for name, token in (readers.plain, readers.wary)}
    try:
        for name, session in sessions.items():
            await sign_in(session, base_url, name)
        for path in paths:  # both readers one after the other, so that a change in the machine's load hits both
            for name, session in sessions.items():
                result = await measure(session, base_url + path, args.requests)
                pages[name, path] = result.page
                medians[name, path] = report(f"GET {path}, {name} ({kinds[name]})", result,
                                             await ceiling_for(result.page, args.requests))
    finally:
        for session in sessions.values():
            await session.close()
    plain, wary = readers.plain[0], readers.wary[0]
    say("the personal hide filter (client p50, the wary reader against the plain one):")
    for path in paths:
        check_pages(path, pages[plain, path], pages[wary, path])
        before, after = medians[plain, path], medians[wary, path]
        say(f"  GET {path}: {before:.1f} ms -> {after:.1f} ms ({after - before:+.1f} ms, "
            f"{(after - before) / before * 100:+.0f}%), {statuses_on(pages[plain, path])} statuses each")


async def run(args: argparse.Namespace) -> int:
    if not isinstance(getattr(community_groups, "PAGE_SIZE", None), int):
        raise SystemExit("web/pages/community_groups.py has no PAGE_SIZE any more: update the benchmark")
    community_groups.PAGE_SIZE = args.page_size  # this process only: the page shows every thread measured
    cases = {case.strip() for case in args.cases.split(",") if case.strip()}
    if not cases or not cases <= {"group", "timelines"}:
        raise SystemExit("--cases takes group, timelines or both (comma-separated)")
    results: list[float] = []
    with tempfile.TemporaryDirectory(prefix="moot-render-bench-") as workdir:
        async with throwaway_database(args.database_url, Path(workdir)) as database_url:
            print_machine(await engine_description(database_url))
            load = os.getloadavg()
            say(f"  load:      {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (1, 5, 15 min; above {os.cpu_count()} "
                "other processes compete for the cores and the figures suffer)")
            port = free_port()
            settings = Settings(base_url=f"http://127.0.0.1:{port}", listen=f"127.0.0.1:{port}",
                                database_url=database_url, data_dir=Path(workdir), run_workers=False)
            app = create_app(settings)
            app.middlewares.insert(0, server_timer)
            server = TestServer(app, host="127.0.0.1", port=port)
            await server.start_server()
            try:
                base_url = f"http://127.0.0.1:{port}"
                if "group" in cases:
                    results = await group_cases(server, base_url, args)
                if "timelines" in cases:
                    await timeline_cases(server, base_url, args)
            finally:
                await server.close()
            load = os.getloadavg()
            say(f"  load at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    if not results:
        return 0
    worst = max(results)
    verdict = "meets" if worst <= TARGET_P50_MS else "MISSES"
    say(f"target: p50 <= {TARGET_P50_MS:.0f} ms: {verdict} it (worst p50 {worst:.1f} ms)")
    return 0 if worst <= TARGET_P50_MS or not args.check else 1


def main() -> None:
    stop_on_signals()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="timed requests per case (default 300)")
    parser.add_argument("--posts", type=int, default=50, help="threads in the group (default 50)")
    parser.add_argument("--page-size", type=int, default=50,
                        help="threads a group page shows besides the pinned one (the app's own is 20; default 50, "
                             "so that the page measured shows all 50 threads)")
    parser.add_argument("--database-url", default=None,
                        help="sqlite://PATH (a new file) or postgres://... (a throwaway database is made there); "
                             "default: a SQLite file in a temporary directory")
    parser.add_argument("--cases", default="group",
                        help="group (the group page, the target's), timelines (home and public timelines of a reader "
                             "without and with thousands of blocks and mutes), or group,timelines (default group)")
    parser.add_argument("--posts-each", type=int, default=15, help="timelines: posts by each followed person (21)")
    parser.add_argument("--blocks", type=int, default=3000, help="timelines: accounts the wary reader blocks")
    parser.add_argument("--mutes", type=int, default=2000, help="timelines: accounts the wary reader mutes")
    parser.add_argument("--blocked-by", type=int, default=200, help="timelines: accounts that block the wary reader")
    parser.add_argument("--profile", action="store_true", help="also profile the member's page (cProfile, own time)")
    parser.add_argument("--check", action="store_true", help="exit 1 when the p50 target is missed")
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
