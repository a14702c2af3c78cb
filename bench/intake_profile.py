"""Intake CPU profile: CPU time per accepted inbox POST of one `moot serve` process, and where it goes.

The requests are inbox_bench.py's (signed Create{Note} from 50 senders, keys fetched once in a warm-up),
sent by its load generator processes, so the server's process does only the server's work. The window
is measured inside the server (bench/profiled_serve.py): time.process_time() over the timed requests,
and with --profile a cProfile of the event loop's thread over the same requests, printed as the top
functions by own time and the top by cumulative time. On a shared machine, judge by these (CPU per
request, profile shares), not by the wall-clock rate.

    .venv/bin/python bench/intake_profile.py [--requests 3000] [--profile | --py-spy PATH] [--database-url URL]

cProfile (--profile) about doubles the CPU per request and inflates functions called often; a sampling
profiler distorts less: --py-spy PATH attaches py-spy (not a dependency of Moot: install it anywhere with
pip) to the server for the window and prints the shares of on-CPU samples by function, own and inclusive.

Everything talks to 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import asyncio
import io
import json
import pstats
import signal
import subprocess
import sys
from collections import Counter
import tempfile
import time
from pathlib import Path
from typing import Sequence

import aiohttp

from benchlib import (
    engine_description, fire_from_processes, free_port, load_average, moot_server, positive, print_machine,
    run_benchmark, say, throwaway_database, tree_cpu_seconds,
)
from inbox_bench import NO_RATE_LIMITS, KeyServer, make_senders, sign_requests, stored_rows, warm_up

HERE = Path(__file__).resolve().parent
WINDOW_TIMEOUT = 30.0


async def _window_result(outdir: Path) -> float:
    path = outdir / "window.json"
    deadline = time.monotonic() + WINDOW_TIMEOUT
    while not path.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not write its CPU window")
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # the profile is dumped before the window file; let the write finish
    return float(json.loads(path.read_text())["cpu_seconds"])


def print_samples(path: Path, lines: int) -> None:
    """py-spy's raw output: one line per distinct stack, "frame;frame;... count", innermost last."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [frame.strip() for frame in stack.split(";")]
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    say(f"--- {total:,} on-CPU samples; top {lines} by own share ---")
    for frame, count in own.most_common(lines):
        say(f"  {count / total:6.1%}  {frame}")
    say(f"--- top {lines} by inclusive share ---")
    for frame, count in inclusive.most_common(lines):
        say(f"  {count / total:6.1%}  {frame}")


def start_sampler(py_spy: str, pid: int, out: Path) -> subprocess.Popen[bytes]:
    # Non-blocking: the server is never paused; idle threads (epoll, aiosqlite's queue wait) are not sampled.
    return subprocess.Popen([py_spy, "record", "--pid", str(pid), "--rate", "500", "--nonblocking",
                             "--format", "raw", "--output", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_sampler(sampler: subprocess.Popen[bytes]) -> None:
    sampler.send_signal(signal.SIGINT)  # py-spy writes its output on Ctrl+C
    sampler.wait(timeout=30)


def print_profile(path: Path, lines: int) -> None:
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(str(path), stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(lines)
        say(f"--- top {lines} by {order} ---")
        text = out.getvalue()
        say(text[text.find("   ncalls"):].rstrip())


async def run(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="moot-intake-profile-") as tmp:
        workdir = Path(tmp)
        async with throwaway_database(args.database_url, workdir) as database_url:
            print_machine(await engine_description(database_url))
            key_server = KeyServer()
            await key_server.start()
            try:
                await make_senders(key_server, args.actors)
                senders = list(key_server.senders.values())
                base_url = f"http://127.0.0.1:{free_port()}"
                inbox_url = f"{base_url}/inbox"
                launcher = [str(HERE / "profiled_serve.py"), str(workdir), "profile" if args.profile else "cpu"]
                async with moot_server(base_url, database_url, workdir, run_workers=False,
                                       extra_env=NO_RATE_LIMITS, launcher=launcher) as moot:
                    async with aiohttp.ClientSession() as session:
                        await warm_up(session, inbox_url, senders)
                    requests = await sign_requests(senders, inbox_url, args.requests)
                    say(f"timing {args.requests:,} POSTs; {load_average()}")
                    pid = moot.process.pid
                    tree_before = tree_cpu_seconds(pid)
                    sampler = start_sampler(args.py_spy, pid, workdir / "samples.txt") if args.py_spy else None
                    if sampler is not None:
                        await asyncio.sleep(1.0)  # attached before the clock starts
                    moot.process.send_signal(signal.SIGUSR1)
                    load = await asyncio.to_thread(fire_from_processes, inbox_url,
                                                   [(r.body, r.headers) for r in requests], args.concurrency,
                                                   args.generators)
                    moot.process.send_signal(signal.SIGUSR2)
                    if sampler is not None:
                        await asyncio.to_thread(stop_sampler, sampler)
                    cpu = await _window_result(workdir)
                    tree_after = tree_cpu_seconds(pid)
            finally:
                await key_server.close()
            stored = await stored_rows(database_url)
            accepted = load.statuses.get(202, 0)
            say(f"accepted (202): {accepted:,} of {args.requests:,}; stored rows {stored:,} "
                f"(expected {args.actors + args.requests:,}); {load_average()}")
            say(f"elapsed {load.elapsed:.2f} s, {accepted / load.elapsed:,.0f}/s (wall clock: shared machine)")
            say(f"server CPU in the window: {cpu:.3f} s = {cpu / max(accepted, 1) * 1e6:,.0f} µs per accepted "
                f"request{' (under cProfile)' if args.profile else ''}")
            if tree_before is not None and tree_after is not None:
                say(f"  (from /proc, window plus signalling: {(tree_after - tree_before) / max(accepted, 1) * 1e6:,.0f}"
                    " µs per request)")
            if args.py_spy:
                print_samples(workdir / "samples.txt", args.lines)
                if args.save_profile:
                    Path(args.save_profile).write_bytes((workdir / "samples.txt").read_bytes())
            if args.profile:
                print_profile(workdir / "profile.pstats", args.lines)
                if args.save_profile:
                    Path(args.save_profile).write_bytes((workdir / "profile.pstats").read_bytes())
            return accepted == args.requests and stored == args.actors + args.requests


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="as inbox_bench.py; default: a temporary SQLite file")
    parser.add_argument("--requests", type=positive, default=3000, help="timed requests (default 3000)")
    parser.add_argument("--concurrency", type=positive, default=64, help="requests in flight (default 64)")
    parser.add_argument("--actors", type=positive, default=50, help="remote senders, one key each (default 50)")
    parser.add_argument("--generators", type=positive, default=1, help="load generator processes (default 1)")
    parser.add_argument("--profile", action="store_true", help="run the window under cProfile and print it")
    parser.add_argument("--py-spy", metavar="PATH", help="sample the server with this py-spy binary")
    parser.add_argument("--lines", type=positive, default=40, help="functions printed per profile listing")
    parser.add_argument("--save-profile", help="also keep the .pstats file (or py-spy's samples) here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    return run_benchmark(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
