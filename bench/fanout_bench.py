"""Fan-out benchmark: one post by a page reaches every follower's inbox; how long until all are answered?

A page gets --followers remote followers spread over --inboxes distinct hosts (5 per host by
default), created directly in the database before anything is timed. One receiver aiohttp app listens
on one loopback address per host (127.0.0.2, 127.0.0.3, ... all on the same port) and answers 202;
each follower's shared inbox is http://127.0.0.N:PORT/inbox. Moot runs as a subprocess with its
workers on, so the real worker loop does the fan-out. The clock runs from the API call
`POST /api/v1/statuses` (as the page, with a bearer token) until the last delivery has been answered.
The ceiling, measured in the same run: RSA-2048 signatures per second on a pool of one thread per core
(the part of a delivery that cannot be skipped). The receivers run in this process and share the 2 cores.

--workers N (PostgreSQL only): `moot serve` runs with its workers off (MOOT_RUN_WORKERS=0) beside N `moot
worker` processes on the same database, which share the fan-out and its deliveries (claimed with SELECT ...
FOR UPDATE SKIP LOCKED), so claiming, sending and recording run on more than one event loop. Each worker
then gets cores // N signing threads (at least one; --signing-threads overrides): two processes on two
cores each have an event loop and a signer, rather than four signers fighting two event loops for the
cores. The bench reads each worker's deliveries from its /metrics and adds up the CPU of every Moot process.
The fan-out `moot serve` queues wakes them through PostgreSQL's NOTIFY (channel moot_queue); the sending span
(first to last delivery answered) is printed beside the time to the first delivery.

    .venv/bin/python bench/fanout_bench.py [--followers 1000] [--inboxes 200] [--per-host 8] [--database-url URL]
                                           [--workers N] [--signing-threads N]

Needs Linux, where all of 127.0.0.0/8 reaches the loopback interface. Nothing leaves loopback.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import aiohttp
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from benchlib import (
    MachineCpu, MootProcess, cpu_report, database_session, engine_description, free_port, is_sqlite, load_average,
    moot_server, moot_workers, positive, print_machine, run_benchmark, say, throwaway_database,
)
from federation.local_actors import create_page, create_token, create_user
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.queues import Delivery
from server.lifecycle import build_federation, new_http_client
from server.settings import Settings

GRACE = 0.5  # seconds to keep listening after the last expected delivery, to catch duplicates
BIND_ATTEMPTS = 3
_SIGNATURE_PARAM = re.compile(r'(\w+)="([^"]*)"')
_DELIVERIES_METRIC = re.compile(r'^moot_deliveries_total\{result="\w+"\} ([0-9.e+]+)$', re.MULTILINE)


@dataclass(frozen=True)
class Arrival:
    address: str  # the loopback address (the host) the delivery reached
    path: str
    headers: dict[str, str]
    body: bytes
    answered_at: float  # perf_counter() just before answering 202


@dataclass
class Receivers:
    """One aiohttp app on one loopback address per remote host, all on one port."""

    addresses: list[str]
    delays: dict[str, float] = field(default_factory=dict)  # address -> seconds to wait before answering
    port: int = 0
    arrivals: list[Arrival] = field(default_factory=list)
    expected: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/inbox", self._inbox)
        for attempt in range(1, BIND_ATTEMPTS + 1):
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            self.port = free_port()
            try:
                for address in self.addresses:
                    await web.TCPSite(self._runner, address, self.port).start()
                return
            except OSError as exc:
                await self._runner.cleanup()
                if attempt == BIND_ATTEMPTS:
                    raise RuntimeError(f"cannot listen on {address}:{self.port}: {exc} (Linux routes all of "
                                       "127.0.0.0/8 to loopback; other systems need aliases)") from exc
                app = web.Application()
                app.router.add_post("/inbox", self._inbox)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def expect(self, count: int) -> None:
        self.arrivals, self.expected = [], count
        self.done.clear()

    async def _inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        address = request.transport.get_extra_info("sockname")[0] if request.transport else "?"
        if address in self.delays:
            await asyncio.sleep(self.delays[address])
        self.arrivals.append(Arrival(address, request.path_qs, dict(request.headers), body, time.perf_counter()))
        if len(self.arrivals) >= self.expected:
            self.done.set()
        return web.Response(status=202)


def loopback_addresses(count: int) -> list[str]:
    """127.0.0.2 onwards, skipping .0 and .255 in the last byte (not usable as host addresses)."""
    addresses: list[str] = []
    number = 2
    while len(addresses) < count:
        if number % 256 not in (0, 255):
            addresses.append(f"127.0.{number // 256}.{number % 256}")
        number += 1
    return addresses


# --- setting up the page and its followers -----------------------------------------------------


@dataclass(frozen=True)
class Page:
    uri: str
    key_id: str
    public_pem: str
    token: str


async def populate(database_url: str, base_url: str, followers: int, receivers: Receivers) -> Page:
    """The page (with an owner and a token) and its remote followers, straight into the database."""
    settings = Settings(base_url=base_url, listen=base_url.removeprefix("http://"), database_url=database_url,
                        allow_private_addresses=True)
    async with database_session(database_url):
        # Creating local actors needs only the URLs; the HTTP client is never started.
        fed = build_federation(settings, new_http_client(settings))
        owner = await create_user(fed, "benchowner", password_hash=None)
        page = await create_page(fed, "benchpage", owner=owner, display_name="Benchmark page")
        token = await create_token(page, label="fanout bench")
        now = datetime.now(timezone.utc)
        actors = [remote_actor(index, receivers, now) for index in range(followers)]
        await Actor.bulk_create(actors, batch_size=500)
        ids = await Actor.filter(is_local=False).values_list("id", flat=True)
        follows = [Follow(follower_id=i, target_id=page.id, state=ACCEPTED, accepted_at=now) for i in ids]
        await Follow.bulk_create(follows, batch_size=500)
        say(f"  {len(ids):,} remote followers of {page.uri} on {len(receivers.addresses)} hosts")
        return Page(page.uri, page.public_key_id or "", page.public_key_pem or "", token)


def remote_actor(index: int, receivers: Receivers, now: datetime) -> Actor:
    host = f"{receivers.addresses[index % len(receivers.addresses)]}:{receivers.port}"
    uri = f"http://{host}/users/reader{index}"
    return Actor(uri=uri, type="Person", username=f"reader{index}", domain=host, is_local=False,
                 inbox=f"{uri}/inbox", shared_inbox=f"http://{host}/inbox", followers_url=f"{uri}/followers",
                 fetched_at=now)


# --- Moot's processes ---------------------------------------------------------------------------


@dataclass
class Fleet:
    """`moot serve` (workers on, or off beside `moot worker` processes) and how to read what each one did."""

    serve: MootProcess
    workers: list[MootProcess]
    metrics_token: str

    def cpu_seconds(self) -> list[float | None]:
        """CPU of each process: serve first, then the workers."""
        return [process.cpu_seconds() for process in (self.serve, *self.workers)]

    async def worker_deliveries(self, session: aiohttp.ClientSession) -> list[int]:
        """Delivery attempts each worker has made so far (its moot_deliveries_total, every result)."""
        counts = []
        for worker in self.workers:
            async with session.get(f"{worker.base_url}/metrics",
                                   headers={"Authorization": f"Bearer {self.metrics_token}"}) as response:
                text = await response.text()
                if response.status != 200:
                    raise RuntimeError(f"{worker.base_url}/metrics answered {response.status}: {text[:200]}")
            counts.append(round(sum(float(value) for value in _DELIVERIES_METRIC.findall(text))))
        return counts

    def log_tails(self) -> str:
        return "\n".join([self.serve.log_tail()] + [f"--- worker {n}:\n{w.log_tail()}"
                                                     for n, w in enumerate(self.workers, 1)])


def signing_threads_for(args: argparse.Namespace) -> int:
    """MOOT_SIGNING_THREADS for each Moot process: as asked, else with --workers the cores shared among the
    worker processes (at least one each), else 0 (Moot's default: one per core, at least two)."""
    if args.signing_threads:
        return int(args.signing_threads)
    return max(1, (os.cpu_count() or 2) // args.workers) if args.workers else 0


# --- checking what arrived ------------------------------------------------------------------------


def signature_problem(arrival: Arrival, page: Page, public_key: rsa.RSAPublicKey) -> str | None:
    """Verify one delivery independently of Moot's code: digest, covered headers, RSA signature."""
    headers = {name.lower(): value for name, value in arrival.headers.items()}
    params = dict(_SIGNATURE_PARAM.findall(headers.get("signature", "")))
    if params.get("keyId") != page.key_id:
        return f"keyId {params.get('keyId')!r} is not the page's key {page.key_id}"
    listed = params.get("headers", "").split()
    missing = {"(request-target)", "host", "date", "digest"} - set(listed)
    if missing:
        return f"signature does not cover {sorted(missing)}"
    expected_digest = "SHA-256=" + base64.b64encode(hashlib.sha256(arrival.body).digest()).decode()
    if headers.get("digest") != expected_digest:
        return "Digest does not match the body"
    lines = [f"(request-target): post {arrival.path}" if name == "(request-target)" else f"{name}: {headers[name]}"
             for name in listed]
    try:
        public_key.verify(base64.b64decode(params.get("signature", "")), "\n".join(lines).encode(),
                          padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return "RSA signature does not verify"
    return None


@dataclass
class PostResult:
    number: int
    api_seconds: float
    first_seconds: float
    total_seconds: float
    per_host: Counter[str]
    activity_ids: set[str]
    bad_signatures: list[str]
    sampled: int
    process_cpu: list[float | None]  # serve, then each worker
    worker_deliveries: list[int]  # each worker's delivery attempts for this post (empty without --workers)
    client_cpu: float
    machine_cpu: MachineCpu | None

    @property
    def server_cpu(self) -> float | None:
        """CPU of all Moot processes together."""
        return None if any(cpu is None for cpu in self.process_cpu) else sum(self.process_cpu)  # type: ignore[misc]


def _cpu_used(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def check_signatures(arrivals: Sequence[Arrival], page: Page, sample_size: int) -> tuple[int, list[str]]:
    """Verify an evenly spread sample; returns (how many were checked, the problems found)."""
    if sample_size <= 0:
        return 0, []
    public_key = serialization.load_pem_public_key(page.public_pem.encode())
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise RuntimeError(f"the page's key is {type(public_key).__name__}, expected RSA")
    sample = list(arrivals[:: max(1, len(arrivals) // sample_size)][:sample_size])
    return len(sample), [p for p in (signature_problem(a, page, public_key) for a in sample) if p]


async def publish_post(session: aiohttp.ClientSession, moot: MootProcess, page: Page, number: int) -> None:
    async with session.post(f"{moot.base_url}/api/v1/statuses",
                            json={"status": f"Benchmark post {number} to every follower", "visibility": "public"},
                            headers={"Authorization": f"Bearer {page.token}"}) as response:
        if response.status != 200:
            raise RuntimeError(f"POST /api/v1/statuses answered {response.status}: {await response.text()}")


async def post_once(session: aiohttp.ClientSession, fleet: Fleet, page: Page, receivers: Receivers,
                    number: int, args: argparse.Namespace) -> PostResult:
    receivers.expect(args.inboxes)
    sent_before = await fleet.worker_deliveries(session)  # read before the clock starts: it costs a query
    process_cpu, client_cpu, machine_cpu = fleet.cpu_seconds(), time.process_time(), MachineCpu.now()
    start = time.perf_counter()
    await publish_post(session, fleet.serve, page, number)
    api_seconds = time.perf_counter() - start
    try:
        await asyncio.wait_for(receivers.done.wait(), timeout=args.timeout)
    except TimeoutError:
        raise RuntimeError(f"only {len(receivers.arrivals)} of {args.inboxes} deliveries within {args.timeout} s:\n"
                           f"{fleet.log_tails()}") from None
    total_seconds = max(a.answered_at for a in receivers.arrivals) - start
    process_after, machine_after = fleet.cpu_seconds(), MachineCpu.now()
    client_used = time.process_time() - client_cpu
    await asyncio.sleep(GRACE)  # anything arriving now is a duplicate; the senders have counted theirs
    arrivals = list(receivers.arrivals)
    sent_after = await fleet.worker_deliveries(session)
    sampled, problems = check_signatures(arrivals, page, args.verify_sample)
    return PostResult(
        number=number, api_seconds=api_seconds, first_seconds=min(a.answered_at for a in arrivals) - start,
        total_seconds=total_seconds, per_host=Counter(a.address for a in arrivals),
        activity_ids={str(json.loads(a.body).get("id")) for a in arrivals}, bad_signatures=problems,
        sampled=sampled, process_cpu=[_cpu_used(b, a) for b, a in zip(process_cpu, process_after)],
        worker_deliveries=[a - b for b, a in zip(sent_before, sent_after)], client_cpu=client_used,
        machine_cpu=None if machine_cpu is None or machine_after is None else machine_after.since(machine_cpu),
    )


async def delivery_states() -> Counter[str]:
    states: list[str] = await Delivery.all().values_list("state", flat=True)  # type: ignore[assignment]
    return Counter(states)


# --- reporting ----------------------------------------------------------------------------------


def signing_ceiling(count: int) -> tuple[float, int]:
    """RSA-2048 signs per second over `count` delivery-shaped signing strings, on one thread per core
    (cryptography releases the GIL while signing); returns (signs/s, threads)."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    digest = "SHA-256=" + base64.b64encode(hashlib.sha256(b"x" * 1500).digest()).decode()
    texts = [(f"(request-target): post /inbox\nhost: 127.0.{n // 256}.{n % 256}:8080\n"
              f"date: Sun, 06 Nov 1994 08:49:37 GMT\ndigest: {digest}\ncontent-type: application/activity+json").encode()
             for n in range(count)]
    threads = max(2, os.cpu_count() or 2)

    def sign(chunk: list[bytes]) -> int:
        for text in chunk:
            key.sign(text, padding.PKCS1v15(), hashes.SHA256())
        return len(chunk)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        signed = sum(pool.map(sign, [texts[i::threads] for i in range(threads)]))
    return signed / (time.perf_counter() - started), threads


def report_post(result: PostResult, receivers: Receivers, args: argparse.Namespace) -> bool:
    deliveries = sum(result.per_host.values())
    exact = sum(1 for address in receivers.addresses if result.per_host.get(address) == 1)
    missing = [a for a in receivers.addresses if a not in result.per_host]
    duplicated = {a: n for a, n in result.per_host.items() if n > 1}
    say(f"post {result.number}: API answered in {result.api_seconds * 1000:.0f} ms; first delivery answered at "
        f"{result.first_seconds * 1000:.0f} ms, last at {result.total_seconds * 1000:.0f} ms")
    say(f"  total (API call -> last delivery answered): {result.total_seconds:.3f} s")
    say(f"  deliveries/s:    {deliveries / result.total_seconds:,.0f} ({deliveries} deliveries; {load_average()})")
    span = result.total_seconds - result.first_seconds
    if span > 0:
        say(f"  while sending:   {deliveries / span:,.0f} deliveries/s (first to last answered, {span:.3f} s)")
    say(f"  per inbox:       {exact} of {len(receivers.addresses)} got exactly one "
        f"(missing {len(missing)}, duplicated {len(duplicated)}); activities seen: {len(result.activity_ids)}")
    if args.verify_sample:
        say(f"  signatures:      {result.sampled - len(result.bad_signatures)} of {result.sampled} sampled verify"
            + (f"; e.g. {result.bad_signatures[0]}" if result.bad_signatures else ""))
    label = f"moot serve + {len(result.worker_deliveries)} workers" if result.worker_deliveries else "moot server"
    for index, line in enumerate(cpu_report(result.total_seconds, result.server_cpu, result.client_cpu,
                                            result.machine_cpu, label)):
        say(f"  {'CPU:' if index == 0 else '':17s}{line}")
    if result.server_cpu is not None and deliveries:
        say(f"  Moot CPU:        {result.server_cpu / deliveries * 1000:.2f} s per 1,000 deliveries (all its processes)")
    if result.worker_deliveries:
        serve_cpu, *worker_cpu = result.process_cpu
        say("  per process:     " + "; ".join(
            [f"serve {_seconds(serve_cpu)} CPU"] + [f"worker {n} {sent} deliveries, {_seconds(cpu)} CPU"
                                                    for n, (sent, cpu) in enumerate(zip(result.worker_deliveries,
                                                                                        worker_cpu), 1)]))
    return exact == len(receivers.addresses) and not result.bad_signatures and len(result.activity_ids) == 1


def _seconds(cpu: float | None) -> str:
    return "n/a" if cpu is None else f"{cpu:.2f} s"


def report_summary(results: list[PostResult], states: Counter[str], args: argparse.Namespace,
                   ceiling: tuple[float, int, str] | None = None) -> bool:
    totals = [r.total_seconds for r in results]
    say(f"results: {args.followers:,} followers on {args.inboxes} inboxes (distinct hosts), {len(results)} post(s)")
    say(f"  total time:      first post {totals[0]:.3f} s" + (
        f"; all posts median {statistics.median(totals):.3f} s, min {min(totals):.3f} s, max {max(totals):.3f} s"
        if len(totals) > 1 else ""))
    say(f"  deliveries/s:    {args.inboxes / totals[0]:,.0f} (first post)" + (
        f"; best post {args.inboxes / min(totals):,.0f}" if len(totals) > 1 else ""))
    if ceiling is not None:
        rate, threads, load = ceiling
        say(f"  ceiling (same run): {rate:,.0f} RSA-2048 signs/s on {threads} threads, nothing else ({load})")
        say(f"  ratio:           best post {args.inboxes / min(totals) / rate:.0%} of the signing ceiling")
    expected = args.inboxes * len(results)
    say(f"  delivery rows:   {dict(states)} (expected {expected} done)")
    return states.get("done", 0) == expected == sum(states.values())


async def run(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="moot-fanout-bench-") as tmp:
        workdir = Path(tmp)
        async with throwaway_database(args.database_url, workdir) as database_url:
            print_machine(await engine_description(database_url))
            receivers = Receivers(loopback_addresses(args.inboxes))
            say(f"listening on {args.inboxes} loopback addresses "
                f"({receivers.addresses[0]} ... {receivers.addresses[-1]})")
            await receivers.start()
            try:
                base_url = f"http://127.0.0.1:{free_port()}"
                say(f"creating the page and {args.followers:,} followers")
                page = await populate(database_url, base_url, args.followers, receivers)
                ok = True
                results: list[PostResult] = []
                token = secrets.token_urlsafe(16)
                env = {"MOOT_DELIVERY_PER_HOST": str(args.per_host), "MOOT_METRICS_TOKEN": token}
                if args.concurrency:
                    env["MOOT_DELIVERY_CONCURRENCY"] = str(args.concurrency)
                threads = signing_threads_for(args)
                if threads:
                    env["MOOT_SIGNING_THREADS"] = str(threads)
                say(f"starting moot serve on {base_url}, " + (
                    f"workers off, and {args.workers} moot worker processes" if args.workers else "workers on")
                    + f"; signing threads per process: {threads or 'Moot default (one per core, at least two)'}")
                async with AsyncExitStack() as stack:
                    serve = await stack.enter_async_context(
                        moot_server(base_url, database_url, workdir, run_workers=not args.workers, extra_env=env))
                    workers = await stack.enter_async_context(
                        moot_workers(args.workers, base_url, database_url, workdir, extra_env=env))
                    fleet = Fleet(serve, workers, token)
                    session = await stack.enter_async_context(aiohttp.ClientSession())
                    for number in range(1, args.posts + 1):
                        say(f"timing post {number} of {args.posts}")
                        results.append(await post_once(session, fleet, page, receivers, number, args))
                        ok = report_post(results[-1], receivers, args) and ok
            finally:
                await receivers.close()
            async with database_session(database_url):
                states = await delivery_states()
            say(f"measuring the signing ceiling ({args.inboxes} signatures); {load_average()}")
            rate, threads = await asyncio.to_thread(signing_ceiling, args.inboxes)
            return report_summary(results, states, args, (rate, threads, load_average())) and ok


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="sqlite://PATH (a new file) or postgres://USER@HOST:PORT/DB "
                        "(a database bench_* is created there and dropped); default: a temporary SQLite file")
    parser.add_argument("--followers", type=positive, default=1000, help="remote followers (default 1000)")
    parser.add_argument("--inboxes", type=positive, default=200,
                        help="distinct hosts, each with one shared inbox (default 200; at most 60,000)")
    parser.add_argument("--posts", type=positive, default=1,
                        help="posts to time one after another; the first is the headline (default 1)")
    parser.add_argument("--verify-sample", type=int, default=20,
                        help="deliveries per post whose signature is checked (default 20; 0 skips)")
    parser.add_argument("--per-host", type=positive, default=8, help="MOOT_DELIVERY_PER_HOST (default 8)")
    parser.add_argument("--concurrency", type=int, default=0,
                        help="MOOT_DELIVERY_CONCURRENCY (default: Moot's own default)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for all deliveries (default 60)")
    parser.add_argument("--workers", type=int, default=0, metavar="N",
                        help="PostgreSQL only: run moot serve with its workers off (MOOT_RUN_WORKERS=0) and N "
                             "`moot worker` processes sharing the deliveries (default 0: serve runs the workers)")
    parser.add_argument("--signing-threads", type=positive, metavar="N",
                        help="MOOT_SIGNING_THREADS for every Moot process (default: with --workers, the cores "
                             "divided among the workers, at least 1 each, so 1 for 2 workers on 2 cores; "
                             "without, Moot's own default of one per core)")
    args = parser.parse_args(argv)
    if args.workers < 0:
        parser.error("--workers cannot be negative")
    if args.workers and (args.database_url is None or is_sqlite(args.database_url)):
        parser.error("--workers needs PostgreSQL (--database-url postgres://...): on SQLite one process claims "
                     "the queues, so extra worker processes would only wait for its lock")
    if args.inboxes > args.followers:
        parser.error("--inboxes cannot exceed --followers (each inbox needs a follower)")
    if args.inboxes > 60_000:
        parser.error("--inboxes is at most 60,000")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    return run_benchmark(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
