"""Inbox benchmark: signed Create{Note} activities accepted per second by Moot's shared inbox.

Moot runs as a subprocess (`moot serve`, workers off unless --with-workers, so intake is what is
measured). A fake remote server in this process serves the senders' actor documents, so Moot fetches
each key once during the warm-up. Every timed request is signed before the clock starts (draft-cavage
rsa-sha256 over "(request-target) host date digest content-type", written here with `cryptography`,
independently of Moot's own signing code), then all are POSTed over keep-alive connections with a
fixed concurrency, from --generators load generator processes of their own. Each must be answered 202.
The same requests then go to the bare handler of ceiling_bench.py (same machine, same generator, same
number of server processes): the ceiling, printed with the ratio. --processes N runs `moot serve
--processes N` (PostgreSQL only). On a 2-core machine the generators and the server share the cores.

    .venv/bin/python bench/inbox_bench.py [--requests 5000] [--concurrency 64] [--processes 1] [--database-url URL]

Everything talks to 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Callable, Sequence

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from benchlib import (
    LoadResult, MachineCpu, MootProcess, cpu_report, database_session, engine_description, fire_from_processes,
    free_port, load_average, moot_server, percentile, positive, print_machine, run_benchmark, say,
    throwaway_database, tree_cpu_seconds,
)
from ceiling_bench import CeilingResult, describe, measure_ceiling
from models.queues import InboxItem

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"
ACTIVITY_JSON = "application/activity+json"
SIGNED_HEADERS = "(request-target) host date digest content-type"
REQUEST_TIMEOUT = 60.0
# Every sender lives on one fake host, which Moot's per-domain and per-actor inbox rate limits would
# (rightly) throttle long before the server runs out of capacity; capacity is what is measured here.
NO_RATE_LIMITS = {"MOOT_INBOX_RATE_PER_ACTOR": "0", "MOOT_INBOX_RATE_PER_DOMAIN": "0"}
PROGRESS_EVERY = 1.0  # seconds between progress lines while timing


@dataclass(frozen=True)
class Sender:
    """A remote actor on the fake server, with its RSA key."""

    name: str
    uri: str
    key: rsa.RSAPrivateKey
    public_pem: str

    @property
    def key_id(self) -> str:
        return f"{self.uri}#main-key"

    def document(self, base_url: str) -> dict[str, Any]:
        return {
            "@context": [AS, "https://w3id.org/security/v1"],
            "id": self.uri,
            "type": "Person",
            "preferredUsername": self.name,
            "inbox": f"{self.uri}/inbox",
            "outbox": f"{self.uri}/outbox",
            "followers": f"{self.uri}/followers",
            "following": f"{self.uri}/following",
            "endpoints": {"sharedInbox": f"{base_url}/inbox"},
            "publicKey": {"id": self.key_id, "owner": self.uri, "publicKeyPem": self.public_pem},
        }


@dataclass(frozen=True)
class SignedRequest:
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    status: int | str  # the HTTP status, or the name of the client error
    seconds: float
    detail: str = ""


class KeyServer:
    """The fake remote: serves /users/{name} so Moot can fetch (and cache) each sender's key. With
    `takes_posts`, it also answers 202 to anything POSTed to it (what Moot delivers to the senders' inboxes),
    counting what it received by type."""

    def __init__(self, *, takes_posts: bool = False) -> None:
        self.base_url = ""
        self.senders: dict[str, Sender] = {}
        self.fetches = 0
        self.takes_posts = takes_posts
        self.received: Counter[str] = Counter()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_get("/users/{name}", self._actor)
        if self.takes_posts:
            app.router.add_post("/{path:.*}", self._inbox)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.base_url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _actor(self, request: web.Request) -> web.Response:
        sender = self.senders.get(request.match_info["name"])
        if sender is None:
            raise web.HTTPNotFound()
        self.fetches += 1
        return web.json_response(sender.document(self.base_url), content_type=ACTIVITY_JSON)

    async def _inbox(self, request: web.Request) -> web.Response:
        with contextlib.suppress(ValueError, AttributeError):
            self.received[str(json.loads(await request.read()).get("type"))] += 1
        return web.Response(status=202)


# --- building and signing requests --------------------------------------------------------------


def new_sender(base_url: str, name: str) -> Sender:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
    return Sender(name=name, uri=f"{base_url}/users/{name}", key=key, public_pem=public_pem)


def create_note(sender: Sender, number: str) -> bytes:
    """A Create{Note} shaped like Mastodon's (about 1.7 KB)."""
    note_id = f"{sender.uri}/statuses/{number}"
    published = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = f"<p>Benchmark post {number}. " + "The quick brown fox jumps over the lazy dog. " * 5 + "</p>"
    note = {
        "id": note_id, "type": "Note", "summary": None, "inReplyTo": None, "published": published,
        "url": f"{sender.uri}/{number}", "attributedTo": sender.uri, "to": [PUBLIC],
        "cc": [f"{sender.uri}/followers"], "sensitive": False, "atomUri": note_id,
        "conversation": f"tag:bench,2024:objectId={number}:objectType=Conversation",
        "content": text, "contentMap": {"en": text}, "attachment": [], "tag": [],
        "replies": {"id": f"{note_id}/replies", "type": "Collection",
                    "first": {"type": "CollectionPage", "next": f"{note_id}/replies?page=true",
                              "partOf": f"{note_id}/replies", "items": []}},
    }
    activity = {
        "@context": [AS, {"ostatus": "http://ostatus.org#", "atomUri": "ostatus:atomUri",
                          "sensitive": "as:sensitive", "toot": "http://joinmastodon.org/ns#"}],
        "id": f"{note_id}/activity", "type": "Create", "actor": sender.uri, "published": published,
        "to": [PUBLIC], "cc": [f"{sender.uri}/followers"], "object": note,
    }
    return json.dumps(activity).encode()


def sign(sender: Sender, inbox_url: str, body: bytes) -> SignedRequest:
    """draft-cavage-http-signatures-12, rsa-sha256, as Mastodon signs a delivery."""
    host, path = inbox_url.removeprefix("http://").split("/", 1)
    digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
    date = format_datetime(datetime.now(timezone.utc), usegmt=True)
    signing_string = "\n".join([
        f"(request-target): post /{path}", f"host: {host}", f"date: {date}", f"digest: {digest}",
        f"content-type: {ACTIVITY_JSON}",
    ]).encode()
    signature = base64.b64encode(sender.key.sign(signing_string, padding.PKCS1v15(), hashes.SHA256())).decode()
    headers = {
        "Host": host, "Date": date, "Digest": digest, "Content-Type": ACTIVITY_JSON,
        "Signature": f'keyId="{sender.key_id}",algorithm="rsa-sha256",headers="{SIGNED_HEADERS}",'
                     f'signature="{signature}"',
    }
    return SignedRequest(body, headers)


def sign_chunk(jobs: Sequence[tuple[Sender, str]], inbox_url: str) -> list[SignedRequest]:
    return [sign(sender, inbox_url, create_note(sender, number)) for sender, number in jobs]


async def in_threads(label: str, chunks: Sequence[Any], work: Callable[[Any], list[Any]]) -> list[Any]:
    """Run work(chunk) on all cores (RSA releases the GIL), printing progress per chunk."""
    loop = asyncio.get_running_loop()
    results: list[Any] = []
    pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 2)
    try:
        futures = [loop.run_in_executor(pool, work, chunk) for chunk in chunks]
        for done, future in enumerate(futures, start=1):
            results.extend(await future)
            if done % max(1, len(futures) // 10) == 0 or done == len(futures):
                say(f"  {label}: {len(results):,}")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # on Ctrl+C, do not sign the rest first
    return results


async def make_senders(server: KeyServer, count: int) -> None:
    names = [[f"sender{index}"] for index in range(count)]
    senders = await in_threads("RSA keys generated", names,
                               lambda chunk: [new_sender(server.base_url, name) for name in chunk])
    server.senders = {sender.name: sender for sender in senders}


async def sign_requests(senders: Sequence[Sender], inbox_url: str, count: int) -> list[SignedRequest]:
    jobs = [(senders[index % len(senders)], f"{index}") for index in range(count)]
    chunks = [jobs[start:start + 250] for start in range(0, count, 250)]
    return await in_threads("requests signed", chunks, lambda chunk: sign_chunk(chunk, inbox_url))


# --- sending -------------------------------------------------------------------------------------


async def post_one(session: aiohttp.ClientSession, url: str, request: SignedRequest) -> Outcome:
    start = time.perf_counter()
    try:
        async with session.post(url, data=request.body, headers=request.headers) as response:
            text = await response.text()
            status: int | str = response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Outcome(type(exc).__name__, time.perf_counter() - start, str(exc))
    return Outcome(status, time.perf_counter() - start, "" if status == 202 else text[:200])


async def report_progress(outcomes: list[Outcome], total: int) -> None:
    started = time.perf_counter()
    while True:
        await asyncio.sleep(PROGRESS_EVERY)
        say(f"  {len(outcomes):,}/{total:,} answered after {time.perf_counter() - started:.1f} s")


async def fire(
    session: aiohttp.ClientSession, url: str, requests: Sequence[SignedRequest], concurrency: int, progress: bool
) -> list[Outcome]:
    """POST every request with `concurrency` requests in flight; returns the outcomes as they finished."""
    outcomes: list[Outcome] = []
    pending = iter(requests)

    async def lane() -> None:
        for request in pending:  # one shared iterator: each request is sent once
            outcomes.append(await post_one(session, url, request))

    reporter = asyncio.create_task(report_progress(outcomes, len(requests))) if progress else None
    try:
        await asyncio.gather(*(lane() for _ in range(concurrency)))
    finally:
        if reporter is not None:
            reporter.cancel()
    return outcomes


async def warm_up(session: aiohttp.ClientSession, inbox_url: str, senders: Sequence[Sender]) -> None:
    """One activity per sender, so Moot fetches and caches every key before the clock starts."""
    requests = [sign(sender, inbox_url, create_note(sender, f"warm-{sender.name}")) for sender in senders]
    outcomes = await fire(session, inbox_url, requests, concurrency=16, progress=False)
    failed = [o for o in outcomes if o.status != 202]
    if failed:
        raise RuntimeError(f"warm-up: {len(failed)} of {len(outcomes)} not accepted, e.g. {failed[0]}")


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Measurement:
    load: LoadResult
    elapsed: float
    server_cpu: float | None
    client_cpu: float  # the load generator processes
    machine_cpu: MachineCpu | None
    load_average: str = ""
    ceiling: CeilingResult | None = None


async def measure(moot: MootProcess, inbox_url: str, requests: Sequence[SignedRequest], concurrency: int,
                  generators: int) -> Measurement:
    """Time the POSTs from load generator processes of their own; the server's CPU counts all its processes."""
    pid = moot.process.pid
    server_cpu, machine_cpu = tree_cpu_seconds(pid), MachineCpu.now()
    load = await asyncio.to_thread(fire_from_processes, inbox_url, [(r.body, r.headers) for r in requests],
                                   concurrency, generators)
    server_after, machine_after = tree_cpu_seconds(pid), MachineCpu.now()
    server_used = None if server_cpu is None or server_after is None else server_after - server_cpu
    machine_used = None if machine_cpu is None or machine_after is None else machine_after.since(machine_cpu)
    return Measurement(load, load.elapsed, server_used, load.generator_cpu, machine_used, load_average())


async def stored_rows(database_url: str) -> int:
    async with database_session(database_url):
        return await InboxItem.all().count()


def report(args: argparse.Namespace, result: Measurement, stored: int, key_fetches: int) -> bool:
    statuses = Counter(result.load.statuses)
    accepted = statuses.get(202, 0)
    latencies = [seconds * 1000 for seconds in result.load.latencies]
    errors = {status: count for status, count in statuses.items() if status != 202}
    expected_rows = args.actors + args.requests
    say(f"results: {args.requests:,} signed Create{{Note}} to /inbox, concurrency {args.concurrency}, "
        f"workers {'on' if args.with_workers else 'off'}, {args.processes} moot process(es), "
        f"{args.generators} load generator process(es)")
    say(f"  accepted (202):  {accepted:,} of {sum(statuses.values()):,}")
    say(f"  errors:          {dict(errors) or 'none'}")
    for sample in result.load.sample_errors:
        say(f"    e.g. {sample}")
    say(f"  elapsed:         {result.elapsed:.2f} s ({result.load_average})")
    say(f"  accepted/s:      {accepted / result.elapsed:,.0f}")
    if result.server_cpu is not None and accepted:
        say(f"  CPU a request:   {result.server_cpu / accepted * 1e6:,.0f} µs (moot, all its processes)")
    say(f"  latency:         p50 {percentile(latencies, 0.50):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms, "
        f"max {latencies[-1]:.1f} ms")
    for index, line in enumerate(cpu_report(result.elapsed, result.server_cpu, result.client_cpu, result.machine_cpu)):
        say(f"  {'CPU:' if index == 0 else '':17s}{line}")
    say(f"  stored:          {stored:,} inbox rows (expected {expected_rows:,}: {args.actors} warm-up + timed)")
    say(f"  key fetches:     {key_fetches} (one per sender expected: {args.actors})")
    ok = accepted == sum(statuses.values()) == args.requests and stored == expected_rows
    if result.ceiling is not None:
        ceiling = result.ceiling
        for line in describe(ceiling, "ceiling, same run: bare aiohttp handler (body, Digest, signature, JSON, "
                             "one RSA verify)"):
            say(f"  {line}")
        say(f"  ratio:           moot {accepted / result.elapsed:,.0f}/s = "
            f"{accepted / result.elapsed / ceiling.accepted_per_second:.0%} of the ceiling")
        ok = ok and ceiling.load.statuses.get(202, 0) == args.requests
    return ok


async def against_moot(
    args: argparse.Namespace, database_url: str, workdir: Path, senders: list[Sender]
) -> Measurement:
    """Start Moot, warm it up, sign, then time the POSTs."""
    base_url = f"http://127.0.0.1:{free_port()}"
    inbox_url = f"{base_url}/inbox"
    say(f"starting moot serve on {base_url}")
    serve_args = ["--processes", str(args.processes)] if args.processes > 1 else []
    async with moot_server(base_url, database_url, workdir, run_workers=args.with_workers,
                           extra_env=NO_RATE_LIMITS, serve_args=serve_args) as moot:
        connector = aiohttp.TCPConnector(limit=args.concurrency)  # keep-alive, one connection per lane
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            say(f"warming up: one activity per sender ({len(senders)} key fetches)")
            await warm_up(session, inbox_url, senders)
            say(f"signing {args.requests:,} requests (before the clock starts)")
            requests = await sign_requests(senders, inbox_url, args.requests)
            say(f"timing {args.requests:,} POSTs, {args.concurrency} in flight, from {args.generators} "
                f"load generator process(es); {load_average()}")
            result = await measure(moot, inbox_url, requests, args.concurrency, args.generators)
    if not args.no_ceiling:
        say("timing the same requests against the bare handler (the ceiling), same generator")
        keys = {sender.key_id: sender.public_pem for sender in senders}
        result.ceiling = await measure_ceiling("verify", args.processes, keys, [(r.body, r.headers) for r in requests],
                                               args.concurrency, args.generators, workdir)
    return result


async def run(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="moot-inbox-bench-") as tmp:
        workdir = Path(tmp)
        async with throwaway_database(args.database_url, workdir) as database_url:
            print_machine(await engine_description(database_url))
            key_server = KeyServer()
            await key_server.start()
            try:
                say(f"preparing {args.actors} senders on {key_server.base_url}")
                await make_senders(key_server, args.actors)
                result = await against_moot(args, database_url, workdir, list(key_server.senders.values()))
            finally:
                await key_server.close()
            return report(args, result, await stored_rows(database_url), key_server.fetches)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="sqlite://PATH (a new file) or postgres://USER@HOST:PORT/DB "
                        "(a database bench_* is created there and dropped); default: a temporary SQLite file")
    parser.add_argument("--requests", type=positive, default=5000, help="timed requests (default 5000)")
    parser.add_argument("--concurrency", type=positive, default=64, help="requests in flight (default 64)")
    parser.add_argument("--actors", type=positive, default=50, help="remote senders, one key each (default 50)")
    parser.add_argument("--processes", type=positive, default=1,
                        help="moot serve --processes N, and as many bare-handler processes (PostgreSQL only for N>1)")
    parser.add_argument("--generators", type=positive, default=2, help="load generator processes (default 2)")
    parser.add_argument("--no-ceiling", action="store_true", help="skip the bare-handler ceiling")
    parser.add_argument("--with-workers", action="store_true",
                        help="also run Moot's queue workers, which then process the activities while timing")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    return run_benchmark(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
