"""Chaos benchmark: SIGKILL `moot serve` and `moot worker` at random (seeded) moments while signed activities
arrive and a page's posts fan out to many inboxes; restart them; then check that every activity answered 202
was applied exactly once, every delivery arrived at least once (duplicates are counted), and the queues drain.

    .venv/bin/python bench/chaos_bench.py [--activities 10000] [--inboxes 1000] [--kills 10]
        [--engine sqlite|postgres] [--database-url URL] [--seed 1]

On PostgreSQL two `moot worker` processes share the queues (SELECT ... FOR UPDATE SKIP LOCKED); on SQLite
one does. A database is created for the run and dropped after it. Exits 1 when a check fails.
Needs Linux (all of 127.0.0.0/8 reaches loopback). Nothing leaves loopback.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from benchlib import engine_description, positive, print_machine, run_benchmark, say, throwaway_database
from chaos import ChaosConfig, loadavg
from chaos_run import run_chaos

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:54329/postgres"


async def run(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="moot-chaos-") as tmp:
        workdir = Path(tmp)
        async with throwaway_database(args.database_url, workdir) as database_url:
            print_machine(await engine_description(database_url))
            say(f"  {loadavg()}")
            cfg = ChaosConfig(
                database_url=database_url, workdir=workdir, activities=args.activities, inboxes=args.inboxes,
                kills=args.kills, workers=args.workers, seed=args.seed, senders=args.senders,
                page_posts=args.page_posts, kill_gap=args.kill_gap, lease=args.lease, concurrency=args.concurrency,
                rate=args.rate, drain_timeout=args.drain_timeout, say=say)
            return await run_chaos(cfg)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite",
                        help="the database engine (default sqlite); postgres uses --database-url or "
                             f"{DEFAULT_POSTGRES}")
    parser.add_argument("--database-url", help="sqlite://PATH (a new file) or postgres://USER@HOST:PORT/DB (a "
                        "database moot_bench_* is created there and dropped); default: a temporary SQLite file")
    parser.add_argument("--activities", type=positive, default=10_000, help="activities sent (default 10000)")
    parser.add_argument("--inboxes", type=positive, default=1000, help="fan-out inboxes, one host each (default 1000)")
    parser.add_argument("--kills", type=int, default=10, help="SIGKILLs during the run (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the kill moments and the activities (default 1)")
    parser.add_argument("--workers", type=positive,
                        help="`moot worker` processes (default: 2 on PostgreSQL, 1 on SQLite)")
    parser.add_argument("--senders", type=positive, default=50, help="remote sending actors (default 50)")
    parser.add_argument("--page-posts", type=positive, default=3, help="posts the page fans out (default 3)")
    parser.add_argument("--kill-gap", type=float, default=1.0,
                        help="at least this many seconds between kills (default 1); the kills fall at seeded random "
                             "points of the work, from the first activity sent to the last one handled")
    parser.add_argument("--lease", type=float, default=20.0,
                        help="queue lease in seconds for the Moot processes (default 20; Moot's own default is 120)")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="activities sent per second at most (default 0: as fast as Moot answers)")
    parser.add_argument("--concurrency", type=positive, default=16, help="activities in flight (default 16)")
    parser.add_argument("--drain-timeout", type=float, default=600.0,
                        help="seconds the queues may take to drain (default 600)")
    args = parser.parse_args(argv)
    if args.database_url is None and args.engine == "postgres":
        args.database_url = DEFAULT_POSTGRES
    if args.database_url is not None:
        is_postgres = args.database_url.startswith(("postgres://", "postgresql://"))
        if is_postgres != (args.engine == "postgres") and "--engine" in (argv or sys.argv):
            parser.error(f"--engine {args.engine} does not match --database-url {args.database_url}")
        args.engine = "postgres" if is_postgres else "sqlite"
    if args.workers is None:
        args.workers = 2 if args.engine == "postgres" else 1
    if args.engine == "sqlite" and args.workers > 1:
        parser.error("SQLite is a one-worker engine: --workers 1")
    if args.kills < 0 or args.inboxes > 60_000:
        parser.error("--kills must be 0 or more and --inboxes at most 60,000")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    return run_benchmark(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
