"""Search benchmark: full-text search over 100,000 posts, p50/p95, on SQLite and PostgreSQL.

A throwaway database per engine is filled by bulk inserts (the FTS5 triggers or the GIN index of
models/migrations/0009_search.py index every row as it lands): 100,000 posts by 50 authors, a tenth of them
in a public group and a twentieth in a private group, with text drawn from a vocabulary where the first
words are in nearly every post and the last in a handful. Then the real search function
(federation/community/search_posts.py search_posts, the audience filter in the same query) runs common,
middling and rare one- and two-word queries, as an anonymous visitor and as a member of the private group,
and a few go through the HTTP endpoint /api/v2/search of a Moot server in a subprocess.

    .venv/bin/python bench/search_bench.py [--posts 100000] [--queries 40] [--database-url URL ...]

Without --database-url it runs on a SQLite file; pass it more than once (sqlite://PATH, postgres://...)
for both engines. The target (issue 11) is a p50 of at most 50 ms. Everything talks to 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Sequence

from benchlib import (
    database_session, engine_description, free_port, moot_server, percentile, positive, print_machine,
    run_benchmark, say, throwaway_database,
)

from federation import audience  # noqa: E402 (benchlib fixed the path)
from federation.community.search_posts import search_posts  # noqa: E402
from models.actors import Actor  # noqa: E402
from models.follows import ACCEPTED, Follow  # noqa: E402
from models.posts import Post  # noqa: E402

TARGET_P50_MS = 50.0
BATCH = 1000
VOCABULARY = [f"w{i:04d}" for i in range(5000)]
COMMON = ["the", "and", "garden", "today"]  # in most posts
QUERIES = {
    "common": ["garden", "the today"],
    "middling": ["w0010", "w0020 garden"],
    "rare": ["w4990", "w4500 w4501"],
}


def _text(rng: random.Random) -> str:
    words = rng.sample(COMMON, k=rng.randint(2, 4))
    # Zipf-like: low-numbered words are frequent, high-numbered ones rare.
    words += [VOCABULARY[min(int(rng.paretovariate(0.6)) - 1, len(VOCABULARY) - 1)] for _ in range(25)]
    rng.shuffle(words)
    return "<p>" + " ".join(words) + "</p>"


def _actor(name: str, kind: str = "Person", **extra: object) -> Actor:
    uri = f"https://bench.example/{kind.lower()}s/{name}"
    return Actor(uri=uri, type=kind, username=name, domain="bench.example", inbox=f"{uri}/inbox",
                 is_local=False, **extra)


async def fill(posts: int, seed: int) -> Actor:
    """The world; returns the private group's member (a viewer)."""
    rng = random.Random(seed)
    await Actor.bulk_create([_actor(f"author{i}") for i in range(50)])
    await Actor.bulk_create([_actor("open", "Group"), _actor("closed", "Group", manually_approves=True),
                             _actor("member")])
    authors = await Actor.filter(username__startswith="author").order_by("id")
    public_group = await Actor.get(username="open")
    private_group = await Actor.get(username="closed")
    member = await Actor.get(username="member")
    await Follow.create(follower=member, target=private_group, state=ACCEPTED,
                        activity_uri="https://bench.example/follows/1")
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    began = time.perf_counter()
    for first in range(0, posts, BATCH):
        rows = []
        for n in range(first, min(first + BATCH, posts)):
            group = private_group if n % 20 == 0 else public_group if n % 10 == 1 else None
            rows.append(Post(
                uri=f"https://bench.example/posts/{n}", author=authors[n % len(authors)], content=_text(rng),
                name=f"Thread {VOCABULARY[rng.randrange(len(VOCABULARY))]}" if n % 5 == 0 else None,
                published=start + timedelta(seconds=n), visibility="public",
                group=group, audience_group=group,
            ))
        await Post.bulk_create(rows)
    say(f"  filled {posts:,} posts in {time.perf_counter() - began:.1f} s")
    # What autovacuum's ANALYZE (PostgreSQL) or `PRAGMA optimize` (SQLite) does soon after such a load: without
    # statistics the planner cannot tell a common word from a rare one.
    await Post._meta.db.execute_script("ANALYZE")
    return member


async def time_function(viewer: audience.Viewer, rounds: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    for kind, words in QUERIES.items():
        samples = timings.setdefault(kind, [])
        for _ in range(rounds):
            for q in words:
                began = time.perf_counter()
                await search_posts(viewer, q, limit=20)
                samples.append((time.perf_counter() - began) * 1000)
    return timings


async def time_http(base_url: str, rounds: int) -> list[float]:
    import aiohttp

    samples: list[float] = []
    async with aiohttp.ClientSession() as session:
        for _ in range(rounds):
            for q in ("garden", "w0010", "w4990"):
                began = time.perf_counter()
                async with session.get(f"{base_url}/api/v2/search", params={"q": q, "type": "statuses"}) as resp:
                    await resp.read()
                    assert resp.status == 200, resp.status
                samples.append((time.perf_counter() - began) * 1000)
    return samples


def line(label: str, samples: list[float]) -> tuple[str, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    return (f"  {label:<30} n={len(ordered):>4}  p50 {p50:7.2f} ms  p95 {percentile(ordered, 0.95):7.2f} ms  "
            f"max {ordered[-1]:7.2f} ms"), p50


async def one_engine(args: argparse.Namespace, database_url: str | None) -> bool:
    with tempfile.TemporaryDirectory(prefix="moot-search-bench-") as tmp:
        workdir = Path(tmp)
        async with throwaway_database(database_url, workdir) as url:
            say(f"\nengine: {await engine_description(url)}")
            async with database_session(url):
                member = await fill(args.posts, args.seed)
                # Warm the caches once, as a running server would be.
                await time_function(audience.ANONYMOUS, 1)
                results = {
                    "anonymous": await time_function(audience.ANONYMOUS, args.queries),
                    "member": await time_function(audience.viewer_of(member), args.queries),
                }
                # The audience holds: the private group's posts never reach an anonymous search.
                private = await Actor.get(username="closed")
                leaked = [p.id for p in (await search_posts(audience.ANONYMOUS, "garden", limit=40)).posts
                          if p.group_id == private.id]
                assert not leaked, f"private posts found anonymously: {leaked}"
            worst = 0.0
            for who, timings in results.items():
                for kind, samples in timings.items():
                    text, p50 = line(f"function, {who}, {kind}", samples)
                    say(text)
                    worst = max(worst, p50)
            base_url = f"http://127.0.0.1:{free_port()}"
            async with moot_server(base_url, url, workdir, run_workers=False):
                text, p50 = line("HTTP /api/v2/search, anonymous", await time_http(base_url, max(3, args.queries // 4)))
                say(text)
            ok = worst <= TARGET_P50_MS
            say(f"  worst function p50 {worst:.2f} ms: {'within' if ok else 'OVER'} the {TARGET_P50_MS:.0f} ms target")
            return ok


async def run(args: argparse.Namespace) -> bool:
    print_machine("see each engine below")
    say(f"posts: {args.posts:,}; queries: {sum(len(q) for q in QUERIES.values())} x {args.queries} rounds per viewer")
    ok = True
    for url in args.database_url or [None]:
        ok = await one_engine(args, url) and ok
    return ok


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=positive, default=100_000)
    parser.add_argument("--queries", type=positive, default=20, help="rounds of each query per viewer")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--database-url", action="append",
                        help="sqlite://PATH or postgres://... (repeat for several engines; default: a SQLite file)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    return run_benchmark(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
