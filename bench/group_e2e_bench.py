"""End to end: signed group posts over HTTP, accepted by `moot serve`, then screened, stored and relayed into
fan-out rows by the workers. How many posts a second, from the first POST until the inbox queue is empty?

This is issue 14's headline measure (accepted, screened, stored, relayed into fan-out rows; `moot serve` and the
workers sharing the machine), where bench/group_posts_bench.py times the worker alone, in-process, and
bench/inbox_bench.py the intake alone.

Untimed set-up: a throwaway database (SQLite file or a new PostgreSQL database); `moot` commands make an owner
and the public group `gardening`. A fake remote server in this process serves --actors senders (their actor
documents and keys) and answers 202 to anything POSTed to it (the group's Accepts and relays: every sender's
shared inbox is on it). Each sender joins the group with a signed Follow, which the workers accept. Then every
timed request is signed before the clock starts: Create{Note} as Lemmy sends it into a group (to Public, cc and
audience the group), --replies of them comments on an earlier post (inReplyTo, and a Mention of its author).
Timed: load generator processes of their own POST them to Moot's shared inbox (as Mastodon delivers; Lemmy
uses the group's inbox, which takes the same path) with a fixed concurrency; the clock stops when the inbox
queue is empty. Processes: `moot serve` (with its workers, or --serve-processes N sharing the port with
workers off), plus --workers K `moot worker` processes (PostgreSQL only for either).
--deliveries after (PostgreSQL, with --workers) times exactly the issue's scope: the worker processes run
`moot worker --only intake`, so no relay is signed or sent while the clock runs; once the inbox queue is empty,
--workers `moot worker --only delivery` processes start, and the relays' delivery is timed on its own.
With --deliveries during (the default) the same workers sign and send the relays as they go, taking CPU from
the posts still coming in. --deliveries apart runs them at the same time but in processes of their own:
--workers `moot worker --only intake` beside as many `moot worker --only delivery` (the deployment the README
suggests when relays are heavy).
The ceiling, measured in the same run: the same requests to the bare handler of bench/ceiling_bench.py (body,
Digest, signature parse, JSON, one RSA verify; no database) with as many server processes.
Checks: every request answered 202, every post stored exactly once in the group with the right parent, every
inbox row done and applied, two Announces per post from the group (with --deliveries after: each received
by the member server once the deliveries are done). Exits 1 when a check fails.

    .venv/bin/python bench/group_e2e_bench.py [--posts 5000] [--replies 0.7] [--workers 1] [--database-url URL]
                                              [--deliveries during|apart|after]

Everything talks to 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import AsyncIterator, Sequence

import aiohttp

from benchlib import (
    MachineCpu, cpu_report, engine_description, fire_from_processes, free_port, is_sqlite, load_average,
    moot_environment, moot_server, moot_workers, positive, print_machine, run_benchmark, run_cli, say,
    throwaway_database, tree_cpu_seconds,
)
from ceiling_bench import describe, measure_ceiling
from group_posts_bench import MAX_DEPTH, create_note as group_post, note_uri, share, wrong_parents
from inbox_bench import AS, NO_RATE_LIMITS, KeyServer, Sender, in_threads, new_sender, sign
from moderation_load import query

OWNER = "gardener"
GROUP = "gardening"
DRAIN_POLL = 0.2
JOIN_TIMEOUT = 120.0


def create_note(senders: Sequence[Sender], group_uri: str, number: int, replies: float) -> bytes:
    """group_posts_bench's Create{Note} (a comment names its parent and mentions its author), as a body."""
    return json.dumps(group_post(sender_uris(senders), group_uri, number, replies)).encode()


def sender_uris(senders: Sequence[Sender]) -> list[str]:
    return [sender.uri for sender in senders]


def follow(sender: Sender, group_uri: str) -> bytes:
    return json.dumps({"@context": AS, "id": f"{sender.uri}/follows/{GROUP}", "type": "Follow",
                       "actor": sender.uri, "object": group_uri}).encode()


async def group_uri_of(base_url: str) -> str:
    host = base_url.removeprefix("http://")
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base_url}/.well-known/webfinger",
                               params={"resource": f"acct:{GROUP}@{host}"}) as response:
            links = (await response.json())["links"]
    return next(link["href"] for link in links if link.get("rel") == "self")


async def join_all(database_url: str, inbox_url: str, group_uri: str, senders: Sequence[Sender]) -> None:
    """Each sender follows the group (signed, through the inbox); returns once the workers accepted them all."""
    requests = [sign(sender, inbox_url, follow(sender, group_uri)) for sender in senders]
    async with aiohttp.ClientSession() as session:
        for request in requests:
            async with session.post(inbox_url, data=request.body, headers=request.headers) as response:
                if response.status != 202:
                    raise RuntimeError(f"Follow answered {response.status}: {await response.text()}")
    deadline = time.monotonic() + JOIN_TIMEOUT
    sql = (f"SELECT count(*) FROM follow f JOIN actor g ON g.id = f.target_id "
           f"WHERE g.uri = '{group_uri}' AND f.state = 'accepted'")
    while time.monotonic() < deadline:
        (accepted,), = await query(database_url, sql)
        if accepted >= len(senders):
            return
        await asyncio.sleep(DRAIN_POLL)
    raise RuntimeError(f"only {accepted} of {len(senders)} follows accepted after {JOIN_TIMEOUT:.0f} s")


async def wait_drained(database_url: str, expected: int, started: float, timeout: float) -> float | None:
    """perf_counter when every one of the `expected` timed rows is stored and none is pending, or None."""
    sql = "SELECT (SELECT count(*) FROM inbox_item), (SELECT count(*) FROM inbox_item WHERE state = 'pending')"
    last_said = 0.0
    while time.perf_counter() < started + timeout:
        (rows, pending), = await query(database_url, sql)
        now = time.perf_counter()
        if rows >= expected and pending == 0:
            return now
        if now - last_said >= 2.0:
            say(f"  {now - started:5.1f} s: {rows:,} inbox rows, {pending:,} pending")
            last_said = now
        await asyncio.sleep(DRAIN_POLL)
    return None


async def time_deliveries(args: argparse.Namespace, base_url: str, database_url: str, workdir: Path,
                          members: KeyServer, expected: int) -> bool:
    """--deliveries after: the fan-outs the intake workers made are expanded; now --workers delivery-only
    processes sign and send them. How many signed deliveries a second until none waits?"""
    sql = "SELECT (SELECT count(*) FROM fan_out WHERE state = 'pending'), " \
          "(SELECT count(*) FROM delivery WHERE state = 'pending'), (SELECT count(*) FROM delivery)"
    began = time.perf_counter()
    while (await query(database_url, sql))[0][0]:
        if time.perf_counter() - began > args.drain_timeout:
            say("CHECK FAILED: the intake workers did not expand every fan-out")
            return False
        await asyncio.sleep(DRAIN_POLL)  # the intake workers expand what is left
    (_, waiting, total), = await query(database_url, sql)
    say(f"deliveries: {waiting:,} waiting of {total:,}; starting {args.workers} moot worker --only delivery")
    # The clock starts before the processes do: they start sending before they answer /readyz, and their
    # start-up (imports, a second or so of CPU) counts against them.
    started = time.perf_counter()
    async with moot_workers(args.workers, base_url, database_url, workdir, extra_env=NO_RATE_LIMITS,
                            worker_args=["--only", "delivery"], name="delivery") as workers:
        pids = [worker.process.pid for worker in workers]
        while (await query(database_url, sql))[0][1] and time.perf_counter() - started < args.drain_timeout:
            await asyncio.sleep(DRAIN_POLL)
        elapsed, cpu = time.perf_counter() - started, cpu_of(pids)
    (_, left, _), = await query(database_url, sql)
    say(f"RESULT relays delivered: {waiting:,} signed deliveries in {elapsed:.2f} s ({waiting / elapsed:,.0f}/s, "
        f"{args.workers} delivery process(es), start-up included); {load_average()}")
    if cpu is not None:
        say(f"  delivery CPU per delivery: {cpu / max(waiting, 1) * 1000:.2f} ms (start-up included)")
    got = members.received.get("Announce", 0)
    if left or got != expected:
        say(f"CHECK FAILED: {left:,} deliveries still waiting; the member server received {got:,} Announces "
            f"(expected {expected:,})")
        return False
    return True


async def check(database_url: str, senders: Sequence[Sender], group_uri: str, posts: int, replies: float,
                answered: Counter[int | str]) -> bool:
    ok = True
    if answered.get(202, 0) != posts:
        say(f"CHECK FAILED: answers {dict(answered)} (expected {posts:,} times 202)")
        ok = False
    rows = await query(database_url, f"SELECT p.id, p.uri, p.in_reply_to_id FROM post p JOIN actor g ON "
                                     f"g.id = p.group_id WHERE g.uri = '{group_uri}' AND NOT p.is_local")
    stored = Counter(uri for _, uri, _ in rows)
    expected = {note_uri(sender_uris(senders), n) for n in range(posts)}
    twice = [uri for uri, times in stored.items() if times > 1]
    if set(stored) != expected or twice:
        say(f"CHECK FAILED: {len(set(stored) & expected):,} of {posts:,} posts stored, {len(twice)} twice")
        ok = False
    wrong = wrong_parents(rows, sender_uris(senders), posts, replies)
    if wrong:
        say(f"CHECK FAILED: {len(wrong)} posts with the wrong parent (first: post {wrong[0]})")
        ok = False
    outcomes = Counter((state, outcome) for state, outcome in
                       await query(database_url, "SELECT state, outcome FROM inbox_item"))
    if outcomes != Counter({("done", "applied"): posts + len(senders)}):
        say(f"CHECK FAILED: inbox rows {dict(outcomes)} (expected {posts + len(senders):,} done and applied)")
        ok = False
    (announces,), = await query(database_url, f"SELECT count(*) FROM outbound_activity o JOIN actor g ON "
                                              f"g.id = o.actor_id WHERE g.uri = '{group_uri}' AND o.type = 'Announce'")
    if announces != 2 * posts:
        say(f"CHECK FAILED: {announces:,} Announces from the group (expected {2 * posts:,})")
        ok = False
    return ok


@contextlib.asynccontextmanager
async def moot_fleet(args: argparse.Namespace, base_url: str, database_url: str,
                     workdir: Path) -> AsyncIterator[list[int]]:
    """`moot serve` (workers on unless there are worker processes) and the worker processes; yields their pids."""
    serve_args = ["--processes", str(args.serve_processes)] if args.serve_processes > 1 else []
    worker_args = ["--only", "intake"] if args.deliveries != "during" else []
    senders = args.workers if args.deliveries == "apart" else 0
    async with moot_server(base_url, database_url, workdir, run_workers=args.workers == 0,
                           extra_env=NO_RATE_LIMITS, serve_args=serve_args) as moot:
        async with moot_workers(args.workers, base_url, database_url, workdir, extra_env=NO_RATE_LIMITS,
                                worker_args=worker_args) as workers, \
                moot_workers(senders, base_url, database_url, workdir, extra_env=NO_RATE_LIMITS,
                             worker_args=["--only", "delivery"], name="delivery") as delivering:
            yield [moot.process.pid, *(worker.process.pid for worker in [*workers, *delivering])]


def cpu_of(pids: Sequence[int]) -> float | None:
    seconds = [tree_cpu_seconds(pid) for pid in pids]
    return None if any(value is None for value in seconds) else sum(value or 0.0 for value in seconds)


async def run(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="moot-e2e-bench-") as tmp:
        workdir = Path(tmp)
        async with throwaway_database(args.database_url, workdir) as database_url:
            if is_sqlite(database_url) and (args.workers or args.serve_processes > 1):
                say("SQLite is a one-process engine: --workers and --serve-processes need PostgreSQL")
                return False
            print_machine(await engine_description(database_url))
            base_url = f"http://127.0.0.1:{free_port()}"
            env = moot_environment(base_url, database_url, workdir, False, {})
            for command in (("migrate",), ("user", "create", OWNER), ("group", "create", GROUP, "--owner", OWNER)):
                await asyncio.to_thread(run_cli, env, *command)
            members = KeyServer(takes_posts=True)
            await members.start()
            try:
                say(f"preparing {args.actors} senders on {members.base_url}")
                senders = await in_threads("RSA keys generated", [[n] for n in range(args.actors)],
                                           lambda chunk: [new_sender(members.base_url, f"member{n}") for n in chunk])
                members.senders = {sender.name: sender for sender in senders}
                return await timed(args, base_url, database_url, workdir, senders, members)
            finally:
                await members.close()


async def timed(args: argparse.Namespace, base_url: str, database_url: str, workdir: Path, senders: list[Sender],
                members: KeyServer) -> bool:
    inbox_url = f"{base_url}/inbox"
    async with moot_fleet(args, base_url, database_url, workdir) as pids:
        group_uri = await group_uri_of(base_url)
        say(f"{len(senders)} senders join {group_uri} (signed Follows, accepted by the workers)")
        await join_all(database_url, inbox_url, group_uri, senders)
        say(f"signing {args.posts:,} posts ({args.replies:.0%} replies) before the clock starts")
        numbers = [[n for n in range(start, min(args.posts, start + 250))] for start in range(0, args.posts, 250)]
        requests = await in_threads("requests signed", numbers, lambda chunk: [
            sign(senders[n % len(senders)], inbox_url, create_note(senders, group_uri, n, args.replies))
            for n in chunk])
        processes = f"moot serve{f' --processes {args.serve_processes}' if args.serve_processes > 1 else ''}" + \
            (f" (workers off) + {args.workers} moot worker" if args.workers else " (with its workers)") + \
            {"during": "", "apart": f" --only intake + {args.workers} --only delivery",
             "after": " --only intake (deliveries timed after)"}[args.deliveries]
        say(f"timing: {processes}, {args.concurrency} in flight from {args.generators} generator(s); {load_average()}")
        cpu_before, machine_before = cpu_of(pids), MachineCpu.now()
        serve_before = tree_cpu_seconds(pids[0])
        started = time.perf_counter()
        load = await asyncio.to_thread(fire_from_processes, inbox_url, [(r.body, r.headers) for r in requests],
                                       args.concurrency, args.generators)
        accepted_at = time.perf_counter()
        drained_at = await wait_drained(database_url, args.posts + len(senders), started, args.drain_timeout)
        cpu_after, machine_after = cpu_of(pids), MachineCpu.now()
        serve_after = tree_cpu_seconds(pids[0])
        # Untimed above: the intake workers stay up to expand the last fan-outs for the delivery-only ones.
        delivered = drained_at is None or args.deliveries != "after" or \
            await time_deliveries(args, base_url, database_url, workdir, members, 2 * args.posts)
    if drained_at is None:
        say(f"CHECK FAILED: the inbox queue was not empty after {args.drain_timeout:.0f} s")
        return False
    accepted = load.statuses.get(202, 0)
    elapsed = drained_at - started
    moot_cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    machine = None if machine_before is None or machine_after is None else machine_after.since(machine_before)
    say(f"RESULT accepted: {accepted:,} of {args.posts:,} in {accepted_at - started:.2f} s "
        f"({accepted / (accepted_at - started):,.0f}/s)")
    say(f"RESULT end to end: {args.posts / elapsed:,.0f} group posts/s accepted, screened, stored and relayed into "
        f"fan-out rows ({elapsed:.2f} s from the first POST until the inbox queue was empty); {load_average()}")
    if moot_cpu is not None:
        relays = "no relays: they are timed after" if args.deliveries == "after" else "the relays sent meanwhile too"
        say(f"  Moot CPU per post: {moot_cpu / args.posts * 1000:.2f} ms (all its processes while timed: the "
            f"fan-outs, and {relays})")
        if args.workers and serve_before is not None and serve_after is not None:
            serve_cpu = serve_after - serve_before
            say(f"  of which moot serve (intake) {serve_cpu / args.posts * 1000:.2f} ms, the moot worker processes "
                f"{(moot_cpu - serve_cpu) / args.posts * 1000:.2f} ms")
    for line in cpu_report(elapsed, moot_cpu, load.generator_cpu, machine, server_label="moot processes"):
        say(f"  {line}")
    say(f"  the member server received {dict(members.received)}")
    ok = await check(database_url, senders, group_uri, args.posts, args.replies, Counter(load.statuses)) and delivered
    if not args.no_ceiling:
        say("timing the same requests against the bare handler (the ceiling), same generator")
        keys = {sender.key_id: sender.public_pem for sender in senders}
        ceiling = await measure_ceiling("verify", max(args.serve_processes, 1), keys,
                                        [(r.body, r.headers) for r in requests], args.concurrency, args.generators,
                                        workdir)
        for line in describe(ceiling, "ceiling, same run: bare aiohttp handler (body, Digest, signature, JSON, "
                             "one RSA verify; nothing stored)"):
            say(f"  {line}")
        say(f"  ratio: end to end {args.posts / elapsed:,.0f}/s = "
            f"{args.posts / elapsed / ceiling.accepted_per_second:.0%} of the bare handler's intake")
    say("checks passed" if ok else "CHECKS FAILED")
    return ok


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="sqlite://PATH (a new file) or postgres://USER@HOST:PORT/DB "
                        "(a database bench_* is created there and dropped); default: a temporary SQLite file")
    parser.add_argument("--posts", type=positive, default=5000, help="timed posts (default 5000)")
    parser.add_argument("--replies", type=share, default=0.7,
                        help=f"the share of posts that are comments, at most {MAX_DEPTH} deep (default 0.7)")
    parser.add_argument("--actors", type=positive, default=50, help="remote members, one key each (default 50)")
    parser.add_argument("--workers", type=int, default=0,
                        help="moot worker processes; 0 (default): the workers of moot serve (PostgreSQL for >0)")
    parser.add_argument("--serve-processes", type=positive, default=1,
                        help="moot serve --processes N, workers off (PostgreSQL only for N>1; needs --workers)")
    parser.add_argument("--concurrency", type=positive, default=64, help="requests in flight (default 64)")
    parser.add_argument("--generators", type=positive, default=1, help="load generator processes (default 1)")
    parser.add_argument("--drain-timeout", type=float, default=600.0,
                        help="seconds to wait for the inbox queue to empty (default 600)")
    parser.add_argument("--deliveries", choices=("during", "apart", "after"), default="during",
                        help="during (default): the workers send the relays as they go; apart: as many more "
                             "workers run --only delivery beside --only intake ones; after: the workers run "
                             "--only intake while timed, then delivery-only workers send the relays, timed apart "
                             "(apart and after need --workers)")
    parser.add_argument("--no-ceiling", action="store_true", help="skip the bare-handler ceiling")
    args = parser.parse_args(argv)
    if args.deliveries != "during" and args.workers == 0:
        parser.error(f"--deliveries {args.deliveries} runs moot serve with its workers off: give --workers too")
    if args.serve_processes > 1 and args.workers == 0:
        parser.error("--serve-processes N runs moot serve with its workers off: give --workers too")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    return run_benchmark(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
