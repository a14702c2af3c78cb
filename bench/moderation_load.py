"""Mixed moderation load: 10,000 activities from 50 remote actors on 5 fake domains (one suspended, one
limited), some tripping content rules, some malformed or badly signed. Every one must end as planned
(accepted, held, rejected or refused), nothing lost, and the server must keep answering throughout.

Untimed set-up: fake domains on loopback (127.0.3.1-5, one port) serve the actors' keys; the Moot CLI
creates an admin, the public group `gardening`, a suspend and a limit policy (naming host:port) and a
reject and a hold rule; bench/loadmix.py plans the load and every request is signed (draft-cavage).
Timed: `moot serve` (workers on, inbox rate limits off) gets the POSTs at the group's inbox with a fixed
concurrency while a probe GETs /.well-known/nodeinfo every 100 ms; then the run waits until no queue
row is pending (read straight from the database). An activity's end is its HTTP answer, or else
inbox_item.outcome.

    .venv/bin/python bench/moderation_load.py [--activities 10000] [--concurrency 64] [--database-url URL]

Needs Linux (all of 127.0.0.0/8 reaches loopback). Nothing leaves loopback. Exits 1 on any mismatch.
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from benchlib import (
    MachineCpu, cpu_report, engine_description, free_port, is_sqlite, moot_environment, moot_server,
    percentile, positive, print_machine, run_benchmark, say, sqlite_path, throwaway_database, run_cli,
)
from federation.signatures import ACTIVITY_JSON, generate_rsa_keypair, sign_request
from loadmix import EXPECTED, HOLD_WORD, REJECT_WORD, LoadActor, Planned, Tally, http_end, plan

GROUP = "gardening"
ADMIN = "benchadmin"
# One role per fake domain: three ordinary servers, one suspended, one limited.
DOMAIN_ROLES = ("normal", "normal", "normal", "suspended", "limited")
NO_RATE_LIMITS = {"MOOT_INBOX_RATE_PER_ACTOR": "0", "MOOT_INBOX_RATE_PER_DOMAIN": "0"}
REQUEST_TIMEOUT = 60.0
PROBE_INTERVAL = 0.1  # seconds between responsiveness probes
DRAIN_POLL = 0.25  # seconds between queue checks: the resolution of "time to fully processed"
PENDING_SQL = ("SELECT (SELECT count(*) FROM inbox_item WHERE state = 'pending'), "
               "(SELECT count(*) FROM fan_out WHERE state = 'pending'), "
               "(SELECT count(*) FROM delivery WHERE state = 'pending')")
ROWS_SQL = "SELECT activity_id, state, outcome FROM inbox_item"
T = TypeVar("T")


@dataclass(frozen=True)
class Answer:
    status: int | None  # None when the request itself failed (connection error, timeout)
    body: dict[str, Any]
    error: str = ""


# --- the fake remote domains, the probe, reading the database ------------------------------------


class FakeDomains:
    """Fake remote servers, one loopback address each (127.0.3.1, ...) on one port, serving actor documents."""

    def __init__(self, count: int) -> None:
        self.addresses = [f"127.0.3.{number}" for number in range(1, count + 1)]
        self.port = 0
        self.public_pems: dict[str, str] = {}  # actor URI -> its public key
        self.fetched: Counter[str] = Counter()  # actor URI -> times its document (and key) was fetched
        self.deliveries = 0  # anything Moot POSTs back (nothing is expected)
        self._runner: web.AppRunner | None = None

    def host(self, index: int) -> str:
        return f"{self.addresses[index]}:{self.port}"

    def add_actor(self, index: int, name: str, public_pem: str) -> str:
        uri = f"http://{self.host(index)}/users/{name}"
        self.public_pems[uri] = public_pem
        return uri

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/users/{name}", self._actor)
        app.router.add_post("/{path:.*}", self._inbox)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self.port = free_port(self.addresses[0])  # 127.0.3.x is ours alone, so the port is free on each
        for address in self.addresses:
            await web.TCPSite(self._runner, address, self.port).start()

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _actor(self, request: web.Request) -> web.Response:
        uri = f"http://{request.host}/users/{request.match_info['name']}"
        if uri not in self.public_pems:
            raise web.HTTPNotFound()
        self.fetched[uri] += 1
        return web.json_response(_person(uri, request.host, self.public_pems[uri]), content_type=ACTIVITY_JSON)

    async def _inbox(self, request: web.Request) -> web.Response:
        await request.read()
        self.deliveries += 1
        return web.Response(status=202)


def _person(uri: str, host: str, public_pem: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": uri, "type": "Person", "preferredUsername": uri.rsplit("/", 1)[1], "inbox": f"{uri}/inbox",
        "outbox": f"{uri}/outbox", "followers": f"{uri}/followers", "following": f"{uri}/following",
        "endpoints": {"sharedInbox": f"http://{host}/inbox"},
        "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": public_pem},
    }


class Probe:
    """GETs /.well-known/nodeinfo every 100 ms from a thread of its own with a blocking client, so the
    load generator's busy event loop does not queue the probe behind its own work."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self._address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.samples: list[tuple[float, float, int | str]] = []  # (started, seconds, status or error)
        self.phases: dict[str, list[float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="probe", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        connection: http.client.HTTPConnection | None = None
        while not self._stop.is_set():
            started = time.perf_counter()
            status: int | str
            try:
                connection = connection or http.client.HTTPConnection(*self._address, timeout=10)
                connection.request("GET", "/.well-known/nodeinfo")
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:  # recorded as a failed probe, then reconnect
                status = f"{type(exc).__name__}: {exc}"
                if connection is not None:
                    connection.close()
                connection = None
            self.samples.append((started, time.perf_counter() - started, status))
            self._stop.wait(max(0.0, started + PROBE_INTERVAL - time.perf_counter()))
        if connection is not None:
            connection.close()

    def mark(self, started: float, sent: float, done: float) -> None:
        """Split the samples into the sending phase and the draining phase."""
        def between(low: float, high: float) -> list[float]:
            return sorted(seconds for began, seconds, _ in self.samples if low <= began < high)

        self.phases = {"probe, sending": between(started, sent), "probe, draining": between(sent, done)}

    def failures(self) -> list[int | str]:
        return [status for _, _, status in self.samples if status != 200]


def latency_line(seconds: Sequence[float]) -> str:
    if not seconds:
        return "no samples"
    ms = [value * 1000 for value in seconds]
    return (f"{len(ms)} samples, p50 {percentile(ms, 0.5):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms, "
            f"max {ms[-1]:.1f} ms")


def _sqlite_rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as connection:
        return connection.execute(sql).fetchall()


async def query(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows straight from the database, beside the running server (never through its ORM)."""
    if is_sqlite(database_url):
        return await asyncio.to_thread(_sqlite_rows, sqlite_path(database_url), sql)
    import asyncpg

    connection = await asyncpg.connect("postgresql://" + database_url.split("://", 1)[1])
    try:
        return [tuple(row) for row in await connection.fetch(sql)]
    finally:
        await connection.close()


# --- set-up ------------------------------------------------------------------------------------------


async def in_threads(label: str, items: Sequence[Any], work: Callable[[Any], T], chunk: int) -> list[T]:
    """work(item) for every item on all cores (RSA releases the GIL), with progress per chunk."""
    loop = asyncio.get_running_loop()
    chunks = [items[start:start + chunk] for start in range(0, len(items), chunk)]
    results: list[T] = []
    pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 2)
    try:
        futures = [loop.run_in_executor(pool, lambda part=part: [work(item) for item in part]) for part in chunks]
        for done, future in enumerate(futures, start=1):
            results.extend(await future)
            if done % max(1, len(futures) // 5) == 0 or done == len(futures):
                say(f"  {label}: {len(results):,}/{len(items):,}")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # on Ctrl+C, do not finish the rest first
    return results


async def make_actors(domains: FakeDomains, count: int) -> list[LoadActor]:
    """`count` actors spread evenly over the fake domains, each with its own RSA key, served by its domain."""
    keys = await in_threads("RSA keys", list(range(count)), lambda _: generate_rsa_keypair(), chunk=5)
    actors = []
    for index, (private_pem, public_pem) in enumerate(keys):
        domain = index % len(DOMAIN_ROLES)
        uri = domains.add_actor(domain, f"actor{index}", public_pem)
        actors.append(LoadActor(uri, f"{uri}#main-key", private_pem, DOMAIN_ROLES[domain]))
    return actors


async def configure_moot(env: dict[str, str], domains: FakeDomains) -> None:
    """The admin, the group, the domain policies and the content rules, through the CLI."""
    steps: list[tuple[tuple[str, ...], str | None]] = [
        (("user", "create", ADMIN, "--admin", "--password-stdin"), "bench-password-not-secret\n"),
        (("group", "create", GROUP, "--owner", ADMIN), None),
        (("admin", "domain", "set", domains.host(DOMAIN_ROLES.index("suspended")), "suspend"), None),
        (("admin", "domain", "set", domains.host(DOMAIN_ROLES.index("limited")), "limit"), None),
        (("admin", "rule", "add", REJECT_WORD, "--action", "reject"), None),
        (("admin", "rule", "add", HOLD_WORD, "--action", "hold"), None),
    ]
    for args, stdin in steps:
        await asyncio.to_thread(run_cli, env, *args, stdin=stdin)
        say(f"  moot {' '.join(args)}")


def sign_one(item: Planned, inbox: str, impostor_pem: str) -> dict[str, str]:
    return sign_request(method="POST", url=inbox, key_id=item.sender.key_id,
                        private_key_pem=impostor_pem if item.wrong_key else item.sender.private_pem,
                        body=item.body, content_type=ACTIVITY_JSON)


# --- the timed phase ------------------------------------------------------------------------------


async def post_one(session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]) -> Answer:
    try:
        async with session.post(url, data=body, headers=headers) as response:
            status, text = response.status, await response.text()
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Answer(None, {}, f"{type(exc).__name__}: {exc}")
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:  # keep the status; the body is only needed to tell 202s apart
        parsed = {"text": text[:200]}
    return Answer(status, parsed if isinstance(parsed, dict) else {"json": parsed})


async def send_all(url: str, planned: Sequence[Planned], headers: Sequence[dict[str, str]],
                   concurrency: int) -> list[Answer]:
    """POST everything with `concurrency` requests in flight; answers in the order planned."""
    answers: list[Answer | None] = [None] * len(planned)
    indexes = iter(range(len(planned)))
    finished = 0

    async def lane(session: aiohttp.ClientSession) -> None:
        nonlocal finished
        for index in indexes:  # one shared iterator: each request is sent once
            answers[index] = await post_one(session, url, planned[index].body, headers[index])
            finished += 1

    async def progress() -> None:
        started = time.perf_counter()
        while True:
            await asyncio.sleep(1.0)
            say(f"  {finished:,}/{len(planned):,} answered after {time.perf_counter() - started:.1f} s")

    connector, timeout = aiohttp.TCPConnector(limit=concurrency), aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        reporter = asyncio.create_task(progress())
        try:
            await asyncio.gather(*(lane(session) for _ in range(concurrency)))
        finally:
            reporter.cancel()
    missing = [index for index, answer in enumerate(answers) if answer is None]
    if missing:  # a lane died; never account for a shifted list
        raise RuntimeError(f"{len(missing)} requests were never answered, e.g. #{missing[0]}")
    return [answer for answer in answers if answer is not None]


async def wait_until_processed(database_url: str, timeout: float) -> tuple[float | None, float | None]:
    """Poll the queues until nothing is pending. Returns when the inbox queue, then every queue, was
    first seen empty (perf_counter), each None when the time ran out first."""
    deadline = time.perf_counter() + timeout
    last_said, inbox_empty = 0.0, None
    while time.perf_counter() < deadline:
        (inbox, fanouts, deliveries), = await query(database_url, PENDING_SQL)
        now = time.perf_counter()
        inbox_empty = inbox_empty or (now if inbox == 0 else None)
        if inbox == fanouts == deliveries == 0:
            return inbox_empty, now
        if now - last_said >= 2.0:
            say(f"  pending: {inbox:,} inbox items, {fanouts:,} fan-outs, {deliveries:,} deliveries")
            last_said = now
        await asyncio.sleep(DRAIN_POLL)
    return inbox_empty, None


# --- accounting -------------------------------------------------------------------------------------


def account(planned: Sequence[Planned], answers: Sequence[Answer], rows: dict[str, tuple[str, str | None]]) -> Tally:
    tally = Tally()
    for item, answer in zip(planned, answers, strict=True):
        if answer.status is None:
            tally.add(item.category, f"client error: {answer.error[:60]}")
            continue
        end = http_end(answer.status, answer.body)
        if end is None:
            state, outcome = rows.get(item.activity_id, ("", None))
            end = outcome or (f"unprocessed ({state})" if state else "lost")
        tally.add(item.category, end)
    return tally


def print_tally(planned: Sequence[Planned], tally: Tally) -> bool:
    sent = Counter(item.category for item in planned)
    say(f"  {'category':14s} {'sent':>6s}  {'expected end':14s} actual ends")
    for category, expected in EXPECTED.items():
        ends = tally.ends.get(category, Counter())
        actual = ", ".join(f"{end} {count:,}" for end, count in ends.most_common()) or "-"
        say(f"  {category:14s} {sent[category]:6,}  {expected:14s} {actual}")
    accounted = sum(sum(counter.values()) for counter in tally.ends.values())
    lost = sum(counter.get("lost", 0) for counter in tally.ends.values())
    counts_match = all(sum(tally.ends.get(c, Counter()).values()) == n for c, n in sent.items())
    say(f"  accounted for: {accounted:,} of {len(planned):,} sent; lost: {lost}")
    mismatches = tally.mismatches()
    if mismatches:
        say(f"  MISMATCH: {mismatches}")
    return not mismatches and counts_match and accounted == len(planned) and lost == 0


# --- the run ----------------------------------------------------------------------------------------


@dataclass
class Measurement:
    answers: list[Answer]
    rows: dict[str, tuple[str, str | None]]  # activity id -> (state, outcome)
    sending: float
    inbox_processed: float | None  # seconds from the first POST; None: not within the time allowed
    processed: float | None
    probe: Probe
    cpu_lines: list[str]


async def prepare(args: argparse.Namespace, env: dict[str, str], database_url: str,
                  domains: FakeDomains) -> tuple[str, list[Planned], list[dict[str, str]]]:
    """Actors, Moot's configuration, the plan and every request signed: all before the clock starts."""
    say(f"fake domains: {', '.join(f'{domains.host(i)} ({role})' for i, role in enumerate(DOMAIN_ROLES))}")
    actors = await make_actors(domains, args.actors)
    impostor_pem, _ = generate_rsa_keypair()  # signs the bad_signature ones; never served
    say("configuring Moot with the CLI")
    await configure_moot(env, domains)
    (group_uri, inbox), = await query(database_url, f"SELECT uri, inbox FROM actor WHERE group_name = '{GROUP}'")
    planned = plan(actors, group_uri, args.activities, seed=args.seed)
    say(f"signing {len(planned):,} requests to {inbox} (before the clock starts)")
    headers = await in_threads("signed", planned, lambda item: sign_one(item, inbox, impostor_pem), chunk=250)
    return inbox, planned, headers


async def measure(args: argparse.Namespace, database_url: str, workdir: Path, base_url: str, inbox: str,
                  planned: list[Planned], headers: list[dict[str, str]]) -> Measurement:
    say(f"starting moot serve on {base_url} (workers on, inbox rate limits off)")
    async with moot_server(base_url, database_url, workdir, run_workers=True, extra_env=NO_RATE_LIMITS) as moot:
        probe = Probe(base_url)
        probe.start()
        try:
            server_cpu, client_cpu, machine_cpu = moot.cpu_seconds(), time.process_time(), MachineCpu.now()
            say(f"timing {len(planned):,} POSTs, {args.concurrency} in flight; probe every 100 ms")
            started = time.perf_counter()
            answers = await send_all(inbox, planned, headers, args.concurrency)
            sent_at = time.perf_counter()
            say("waiting until the queues are empty")
            inbox_at, drained_at = await wait_until_processed(database_url, args.drain_timeout)
            done_at = time.perf_counter()
        finally:
            probe.stop()
        server_after, machine_after = moot.cpu_seconds(), MachineCpu.now()
        rows = {a: (s, o) for a, s, o in await query(database_url, ROWS_SQL)}
    probe.mark(started, sent_at, done_at)
    server = None if server_cpu is None or server_after is None else server_after - server_cpu
    machine = None if machine_cpu is None or machine_after is None else machine_after.since(machine_cpu)
    cpu_lines = cpu_report(done_at - started, server, time.process_time() - client_cpu, machine)
    return Measurement(answers, rows, sent_at - started, None if inbox_at is None else inbox_at - started,
                       None if drained_at is None else drained_at - started, probe, cpu_lines)


def report(args: argparse.Namespace, planned: Sequence[Planned], result: Measurement, domains: FakeDomains) -> bool:
    say("results")
    statuses = Counter(a.status for a in result.answers)
    stored = sum(1 for a in result.answers if a.status == 202 and http_end(202, a.body) is None)
    say(f"  HTTP answers:    {dict(sorted(statuses.items(), key=str))}")
    say(f"  sending:         {result.sending:.2f} s: {len(result.answers) / result.sending:,.0f} answered/s, "
        f"{stored / result.sending:,.0f} accepted (stored)/s at the inbox")
    inbox, every = result.inbox_processed, result.processed
    say("  inbox processed: " + (f"{inbox:.2f} s after the first POST ({len(result.rows) / inbox:,.0f} items/s)"
                                 if inbox else "NOT within --drain-timeout"))
    say("  all queues empty: " + (f"{every:.2f} s after the first POST" if every else "NOT within --drain-timeout"))
    say(f"  inbox rows:      {len(result.rows):,} (answers saying stored: {stored:,})")
    needing_key = {p.sender.uri for p in planned if p.category not in ("suspended", "malformed")}
    forged = {p.sender.uri for p in planned if p.wrong_key}
    say(f"  key fetches:     {sum(domains.fetched.values())} for {len(domains.fetched)} actors (at least "
        f"{len(needing_key) + len(forged)}: {len(needing_key)} first fetches, {len(forged)} refetches after a "
        f"bad signature); deliveries back to the fake domains: {domains.deliveries}")
    for label, samples in result.probe.phases.items():
        say(f"  {label + ':':17s}{latency_line(samples)}")
    for index, line in enumerate(result.cpu_lines):
        say(f"  {'CPU:' if index == 0 else '':17s}{line}")
    balanced = print_tally(planned, account(planned, result.answers, result.rows))
    failures = result.probe.failures()
    if failures:
        say(f"  probe failures: {len(failures)}, e.g. {failures[:3]}")
    return balanced and every is not None and not failures and len(result.rows) == stored


async def run(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="moot-moderation-load-") as tmp:
        workdir = Path(tmp)
        async with throwaway_database(args.database_url, workdir) as database_url:
            print_machine(await engine_description(database_url))
            domains = FakeDomains(len(DOMAIN_ROLES))
            await domains.start()
            try:
                base_url = f"http://127.0.0.1:{free_port()}"
                env = moot_environment(base_url, database_url, workdir, False, NO_RATE_LIMITS)
                inbox, planned, headers = await prepare(args, env, database_url, domains)
                result = await measure(args, database_url, workdir, base_url, inbox, planned, headers)
            finally:
                await domains.close()
            return report(args, planned, result, domains)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="sqlite://PATH (a new file) or postgres://USER@HOST:PORT/DB "
                        "(a database moot_bench_* is created there and dropped); default: a temporary SQLite file")
    parser.add_argument("--activities", type=positive, default=10_000, help="activities sent (default 10000)")
    parser.add_argument("--actors", type=positive, default=50, help="remote actors over 5 domains (default 50)")
    parser.add_argument("--concurrency", type=positive, default=64, help="requests in flight (default 64)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the load plan (default 7)")
    parser.add_argument("--drain-timeout", type=float, default=900.0,
                        help="seconds to wait for the queues to empty after sending (default 900)")
    args = parser.parse_args(argv)
    if args.actors < 2 * len(DOMAIN_ROLES):
        parser.error(f"--actors must be at least {2 * len(DOMAIN_ROLES)}, so every domain has actors")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    return run_benchmark(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
