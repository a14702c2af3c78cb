"""Head-of-line benchmark: does one slow remote inbox hold up deliveries to every other inbox?

A page has one follower on each of --inboxes loopback hosts (as in fanout_bench.py); the last host
answers only after --slow-seconds. Two posts are made: the second as soon as the first has reached
every other inbox, while the first's delivery to the slow inbox is still waiting for its answer.
For each post the benchmark prints when all the fast inboxes had been answered. If the second post
needs about --slow-seconds where the first needed a fraction of a second, the worker waits for the
slowest delivery of a batch before it sends anything else.

    .venv/bin/python bench/slow_inbox_bench.py [--inboxes 200] [--slow-seconds 5]

Needs Linux (all of 127.0.0.0/8 on loopback). Nothing leaves loopback.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

import aiohttp

from benchlib import (
    MootProcess, engine_description, free_port, moot_server, print_machine, say, stop_on_signals, throwaway_database,
)
from fanout_bench import Page, Receivers, loopback_addresses, populate, positive, publish_post

POLL = 0.005  # seconds between checks of the arrivals; answered_at gives the exact times


async def fast_inboxes_answered(receivers: Receivers, slow: str, start: float, timeout: float) -> float:
    """Seconds from start until every inbox but the slow one has answered this post."""
    deadline = time.perf_counter() + timeout
    wanted = len(receivers.addresses) - 1
    while True:
        fast = [a for a in receivers.arrivals if a.address != slow]
        if len(fast) >= wanted:
            return max(a.answered_at for a in fast) - start
        if time.perf_counter() > deadline:
            raise RuntimeError(f"only {len(fast)} of {wanted} fast inboxes answered within {timeout} s")
        await asyncio.sleep(POLL)


async def two_posts(session: aiohttp.ClientSession, moot: MootProcess, page: Page, receivers: Receivers,
                    args: argparse.Namespace) -> list[float]:
    slow = receivers.addresses[-1]
    times: list[float] = []
    for number in (1, 2):
        receivers.expect(len(receivers.addresses))
        start = time.perf_counter()
        await publish_post(session, moot, page, number)
        times.append(await fast_inboxes_answered(receivers, slow, start, args.slow_seconds + args.timeout))
        say(f"post {number}: all {len(receivers.addresses) - 1} fast inboxes answered after {times[-1]:.3f} s")
    say(f"waiting {args.slow_seconds:.0f} s for the slow inbox to answer post 2 before stopping")
    await asyncio.sleep(args.slow_seconds + 1)
    return times


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="moot-slow-inbox-bench-") as tmp:
        workdir = Path(tmp)
        async with throwaway_database(args.database_url, workdir) as database_url:
            print_machine(await engine_description(database_url))
            addresses = loopback_addresses(args.inboxes)
            receivers = Receivers(addresses, delays={addresses[-1]: args.slow_seconds})
            await receivers.start()
            try:
                base_url = f"http://127.0.0.1:{free_port()}"
                page = await populate(database_url, base_url, args.inboxes, receivers)
                say(f"{addresses[-1]} answers after {args.slow_seconds} s; the other {args.inboxes - 1} at once")
                async with moot_server(base_url, database_url, workdir, run_workers=True) as moot:
                    async with aiohttp.ClientSession() as session:
                        first, second = await two_posts(session, moot, page, receivers, args)
            finally:
                await receivers.close()
    say("results")
    say(f"  post 1 reached the fast inboxes in {first:.3f} s")
    say(f"  post 2, made while post 1 waited on the slow inbox: {second:.3f} s")
    held = second > args.slow_seconds / 2
    say("  verdict: " + ("the slow inbox held up every other delivery (head-of-line blocking)" if held
                         else "other deliveries went ahead while the slow inbox was waited for"))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="sqlite://PATH (a new file) or postgres://USER@HOST:PORT/DB "
                        "(a database bench_* is created there and dropped); default: a temporary SQLite file")
    parser.add_argument("--inboxes", type=positive, default=200, help="hosts, one follower each (default 200)")
    parser.add_argument("--slow-seconds", type=float, default=5.0,
                        help="how long the slow inbox takes to answer (default 5; Moot gives up after 15)")
    parser.add_argument("--timeout", type=float, default=30.0, help="extra seconds to wait before failing")
    args = parser.parse_args(argv)
    if args.inboxes < 2:
        parser.error("--inboxes must be at least 2 (one slow, the others fast)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    try:
        asyncio.run(run(args))
    except KeyboardInterrupt:
        say("interrupted; the Moot server was stopped and the temporary database removed")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
