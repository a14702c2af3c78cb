"""Group relay benchmark: one post into a group of 5,000 followers on 500 inboxes; how long until every
member server has it, and is it exactly one signed delivery per inbox per Announce?

Set-up (untimed): the Moot CLI creates an owner and the public group `gardening`; 4,999 remote follower
actors (10 per host, each host's shared inbox http://127.0.1.N:PORT/inbox) and their accepted Follows
of the group go straight into the database. One receiver app listens on 500 loopback addresses
(127.0.1.1 onwards), one port, and answers 202. The 5,000th member is a fake Lemmy user on the first
host, with a served key, who joins with a real signed Follow (so Moot fetches its key) before timing.
Moot runs as `moot serve` with its workers on.

Timed: the member POSTs a Lemmy-shaped Create{Page} to the group's inbox; the clock runs until both
relayed activities, Announce{Create} and Announce{post id}, have reached every inbox. Then it checks
one delivery per inbox per Announce (listening a moment longer to catch duplicates) and verifies a
sample of signatures against the group's key with federation.signatures.

    .venv/bin/python bench/group_relay_bench.py [--followers 5000] [--inboxes 500] [--database-url URL]

Needs Linux (all of 127.0.0.0/8 reaches loopback). Nothing leaves loopback. Exits 1 when a check fails.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from typing import Any, Sequence

import aiohttp
from aiohttp import web

from benchlib import (
    MachineCpu, cpu_report, database_session, engine_description, free_port, moot_environment,
    moot_server, positive, print_machine, run_benchmark, say, throwaway_database, run_cli,
)
from federation.signatures import (
    ACTIVITY_JSON, SignatureError, generate_rsa_keypair, parse_request_signature, sign_request, verify_signature,
)
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.queues import Delivery, InboxItem, OutboundActivity

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"
GROUP = "gardening"
OWNER = "benchowner"
MEMBER = "member"
GRACE = 1.0  # seconds to keep listening after the last expected delivery, to catch duplicates
BIND_ATTEMPTS = 3
SETUP_TIMEOUT = 30.0
# After the join, let the worker finish its passes and go idle: a wake-up that lands while a pass is
# still running is lost and costs up to its 1 s poll (see docs/performance-groups-moderation.md).
SETTLE = 2.0


@dataclass(frozen=True)
class Arrival:
    address: str  # the loopback address (the remote host) the delivery reached
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # perf_counter() when it had been read

    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receivers:
    """The remote member servers: one aiohttp app on many loopback addresses, one port."""

    addresses: list[str]
    port: int = 0
    member_pem: str = ""  # the member's public key, served at /users/member on the first host
    arrivals: list[Arrival] = field(default_factory=list)
    expected: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None

    def host(self, index: int) -> str:
        return f"{self.addresses[index]}:{self.port}"

    @property
    def member_uri(self) -> str:
        return f"http://{self.host(0)}/users/{MEMBER}"

    async def start(self) -> None:
        for attempt in range(1, BIND_ATTEMPTS + 1):  # the free port may be taken on another address
            app = web.Application()
            app.router.add_get(f"/users/{MEMBER}", self._member)
            app.router.add_post("/{path:.*}", self._inbox)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            port = free_port(self.addresses[0])
            try:
                for address in self.addresses:
                    await web.TCPSite(runner, address, port).start()
            except OSError:
                await runner.cleanup()
                if attempt == BIND_ATTEMPTS:
                    raise
                continue
            self._runner, self.port = runner, port
            return

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def expect(self, count: int) -> None:
        self.arrivals, self.expected = [], count
        self.done.clear()

    async def _member(self, request: web.Request) -> web.Response:
        if request.host != self.host(0):
            raise web.HTTPNotFound()
        uri = self.member_uri
        return web.json_response({
            "@context": [AS, "https://w3id.org/security/v1"], "id": uri, "type": "Person",
            "preferredUsername": MEMBER, "inbox": f"{uri}/inbox", "outbox": f"{uri}/outbox",
            "followers": f"{uri}/followers", "endpoints": {"sharedInbox": f"http://{self.host(0)}/inbox"},
            "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": self.member_pem},
        }, content_type=ACTIVITY_JSON)

    async def _inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        address = sockname[0] if sockname else "?"
        self.arrivals.append(Arrival(address, request.raw_path, dict(request.headers), body, time.perf_counter()))
        if len(self.arrivals) >= self.expected:
            self.done.set()
        return web.Response(status=202)


def loopback_addresses(count: int) -> list[str]:
    """127.0.1.1 onwards, skipping .0 and .255 in the last byte."""
    numbers = (n for n in range(256 + 1, 256 * 255) if n % 256 not in (0, 255))
    return [f"127.0.{n // 256}.{n % 256}" for n in islice(numbers, count)]


# --- set-up -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    uri: str
    inbox: str
    key_id: str
    public_pem: str


async def populate(database_url: str, receivers: Receivers, followers: int) -> Group:
    """followers - 1 remote followers of the group, straight into the database (the member joins later)."""
    now = datetime.now(timezone.utc)
    async with database_session(database_url):
        group = await Actor.get(group_name=GROUP)
        actors = [follower(index, receivers, now) for index in range(1, followers)]
        await Actor.bulk_create(actors, batch_size=500)
        ids = await Actor.filter(is_local=False).values_list("id", flat=True)
        follows = [Follow(follower_id=i, target_id=group.id, state=ACCEPTED, accepted_at=now) for i in ids]
        await Follow.bulk_create(follows, batch_size=500)
        say(f"  {len(ids):,} remote followers of {group.uri} on {len(receivers.addresses)} hosts")
        return Group(group.uri, group.inbox, group.public_key_id or "", group.public_key_pem or "")


def follower(index: int, receivers: Receivers, now: datetime) -> Actor:
    host = receivers.host(index % len(receivers.addresses))
    uri = f"http://{host}/u/reader{index}"
    return Actor(uri=uri, type="Person", username=f"reader{index}", domain=host, is_local=False,
                 inbox=f"{uri}/inbox", shared_inbox=f"http://{host}/inbox", followers_url=f"{uri}/followers",
                 fetched_at=now)


async def post_signed(session: aiohttp.ClientSession, url: str, activity: dict[str, Any], key_id: str,
                      private_pem: str) -> tuple[int, str]:
    body = json.dumps(activity).encode()
    headers = sign_request(method="POST", url=url, key_id=key_id, private_key_pem=private_pem, body=body,
                           content_type=ACTIVITY_JSON)
    async with session.post(url, data=body, headers=headers) as response:
        return response.status, await response.text()


async def join(session: aiohttp.ClientSession, receivers: Receivers, group: Group, private_pem: str) -> None:
    """The member's real Follow: Moot fetches its key and answers with an Accept to its inbox."""
    member = receivers.member_uri
    follow = {"@context": AS, "id": f"http://{receivers.host(0)}/activities/follow/{uuid.uuid4().hex}",
              "type": "Follow", "actor": member, "object": group.uri}
    receivers.expect(1)
    status, text = await post_signed(session, group.inbox, follow, f"{member}#main-key", private_pem)
    if status != 202:
        raise RuntimeError(f"the member's Follow was answered {status}: {text}")
    try:
        await asyncio.wait_for(receivers.done.wait(), SETUP_TIMEOUT)
    except TimeoutError:
        raise RuntimeError(f"no Accept within {SETUP_TIMEOUT:.0f} s of the member's Follow") from None
    say(f"  {member} joined: {receivers.arrivals[0].json().get('type')} received")


def lemmy_page(member: str, host: str, group: Group) -> dict[str, Any]:
    """A Create{Page} as Lemmy sends it: to the group and Public, audience the group."""
    page = f"http://{host}/post/{uuid.uuid4().hex}"
    return {
        "@context": [AS, "https://w3id.org/security/v1"], "id": f"http://{host}/activities/create/{uuid.uuid4().hex}",
        "type": "Create", "actor": member, "to": [group.uri, PUBLIC], "cc": [], "audience": group.uri,
        "object": {"id": page, "type": "Page", "attributedTo": member, "to": [group.uri, PUBLIC], "cc": [],
                   "name": "Slugs ate my lettuce", "content": "<p>Ideas?</p>", "mediaType": "text/html",
                   "audience": group.uri, "published": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                   "sensitive": False},
    }


# --- checking what arrived -------------------------------------------------------------------------


def kind_of(arrival: Arrival, group: Group, create: dict[str, Any]) -> str:
    doc = arrival.json()
    if doc.get("type") != "Announce" or doc.get("actor") != group.uri:
        return f"other: {doc.get('type')}"
    inner = doc.get("object")
    if isinstance(inner, dict) and inner.get("id") == create["id"]:
        return "Announce{Create}"
    if inner == create["object"]["id"]:
        return "Announce{post id}"
    return "Announce{something else}"


def signature_problem(arrival: Arrival, group: Group) -> str | None:
    try:
        path, _, query = arrival.path.partition("?")
        parsed = parse_request_signature(method="POST", path=path, query_string=query, headers=arrival.headers,
                                         body=arrival.body)
    except SignatureError as exc:
        return f"{arrival.address}: {exc}"
    if parsed.key_id != group.key_id:
        return f"{arrival.address}: keyId {parsed.key_id} is not the group's {group.key_id}"
    return None if verify_signature(parsed, group.public_pem) else f"{arrival.address}: signature does not verify"


def check(arrivals: Sequence[Arrival], group: Group, create: dict[str, Any], inboxes: int, sample: int) -> bool:
    kinds = [kind_of(arrival, group, create) for arrival in arrivals]
    ok = True
    for kind in ("Announce{Create}", "Announce{post id}"):
        mine = [arrival for arrival, its in zip(arrivals, kinds, strict=True) if its == kind]
        per_inbox = Counter(a.address for a in mine)
        paths, ids = {a.path for a in mine}, {a.json()["id"] for a in mine}
        once = sum(1 for count in per_inbox.values() if count == 1)
        twice = sum(1 for count in per_inbox.values() if count > 1)
        say(f"  {kind + ':':19s} {sum(per_inbox.values()):,} deliveries; {once} of {inboxes} inboxes exactly once, "
            f"{inboxes - len(per_inbox)} missed, {twice} more than once; paths {sorted(paths)}; {len(ids)} activity id")
        ok = ok and once == inboxes == len(per_inbox) and len(ids) == 1
    others = Counter(k for k in kinds if k not in ("Announce{Create}", "Announce{post id}"))
    say(f"  anything else:      {dict(others) or 'nothing'}")
    picked = list(arrivals[:: max(1, len(arrivals) // sample)][:sample])
    problems = [p for p in (signature_problem(a, group) for a in picked) if p]
    say(f"  signatures:         {len(picked) - len(problems)} of {len(picked)} sampled verify against {group.key_id}")
    for problem in problems[:5]:
        say(f"    {problem}")
    return ok and not others and not problems


async def server_side(database_url: str, create_id: str, posted: datetime) -> dict[str, int]:
    """When each stage happened by the rows' timestamps, relative to the POST; returns delivery states."""
    async with database_session(database_url):
        stored = await InboxItem.get(activity_id=create_id).values_list("created_at", flat=True)
        relays = await OutboundActivity.filter(type="Announce").values_list("created_at", flat=True)
        rows = await Delivery.filter(activity__type="Announce").values_list("state", "created_at")

    def after(moment: datetime) -> str:
        return f"{(moment - posted).total_seconds():.3f} s"

    created = [at for _, at in rows]
    say(f"  server side:        inbox row stored {after(stored)}, Announces recorded {after(min(relays))}, "
        f"delivery rows created {after(min(created))} to {after(max(created))}")
    return dict(Counter(state for state, _ in rows))


# --- the run --------------------------------------------------------------------------------------


@dataclass
class Relay:
    create: dict[str, Any]
    posted: datetime  # wall clock at the POST, to compare with the rows' timestamps
    answered: float  # seconds from the POST: the inbox's answer, the first and the last delivery
    first: float
    last: float
    arrivals: list[Arrival]
    cpu_lines: list[str]


async def relay_once(args: argparse.Namespace, database_url: str, workdir: Path, receivers: Receivers,
                     group: Group, base_url: str, member_pem: str) -> Relay:
    expected, key_id = 2 * len(receivers.addresses), f"{receivers.member_uri}#main-key"
    async with moot_server(base_url, database_url, workdir, run_workers=True, extra_env=args.env) as moot:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            say("the member joins (untimed)")
            await join(session, receivers, group, member_pem)
            await asyncio.sleep(SETTLE)
            create = lemmy_page(receivers.member_uri, receivers.host(0), group)
            receivers.expect(expected)
            say(f"timing: Create{{Page}} to {group.inbox}, until {expected:,} deliveries have arrived")
            server_cpu, client_cpu, machine_cpu = moot.cpu_seconds(), time.process_time(), MachineCpu.now()
            posted, start = datetime.now(timezone.utc), time.perf_counter()
            status, text = await post_signed(session, group.inbox, create, key_id, member_pem)
            answered = time.perf_counter() - start
            if status != 202:
                raise RuntimeError(f"the Create was answered {status}: {text}")
            try:
                await asyncio.wait_for(receivers.done.wait(), timeout=args.timeout)
            except TimeoutError:
                raise RuntimeError(f"only {len(receivers.arrivals)} of {expected} deliveries within "
                                   f"{args.timeout:.0f} s:\n{moot.log_tail()}") from None
            last = max(a.at for a in receivers.arrivals) - start
            server_after, machine_after = moot.cpu_seconds(), MachineCpu.now()
            client_used = time.process_time() - client_cpu
            await asyncio.sleep(GRACE)  # anything arriving now is a duplicate
    arrivals = list(receivers.arrivals)
    server_used = None if server_cpu is None or server_after is None else server_after - server_cpu
    machine = None if machine_cpu is None or machine_after is None else machine_after.since(machine_cpu)
    return Relay(create, posted, answered, min(a.at for a in arrivals) - start, last, arrivals,
                 cpu_report(last, server_used, client_used, machine))


async def report(args: argparse.Namespace, database_url: str, group: Group, inboxes: int, relay: Relay) -> bool:
    expected = 2 * inboxes
    say("results")
    say(f"  {args.followers:,} followers on {inboxes} inboxes; delivery concurrency "
        f"{args.env.get('MOOT_DELIVERY_CONCURRENCY', 'default (32)')}")
    say(f"  inbox answered:     {relay.answered * 1000:.1f} ms")
    say(f"  first delivery:     {relay.first:.3f} s after the POST")
    say(f"  all delivered:      {relay.last:.3f} s after the POST ({len(relay.arrivals):,} received in all)")
    say(f"  deliveries/s:       {expected / relay.last:,.0f} (from the POST), "
        f"{expected / (relay.last - relay.first):,.0f} (from the first delivery)")
    for index, line in enumerate(relay.cpu_lines):
        say(f"  {'CPU:' if index == 0 else '':20s}{line}")
    passed = check(relay.arrivals, group, relay.create, inboxes, args.verify_sample)
    states = await server_side(database_url, relay.create["id"], relay.posted)
    say(f"  Announce delivery rows in the database: {states}")
    return passed and states == {"done": expected}


async def run(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="moot-group-relay-") as tmp:
        workdir = Path(tmp)
        async with throwaway_database(args.database_url, workdir) as database_url:
            print_machine(await engine_description(database_url))
            receivers = Receivers(loopback_addresses(args.inboxes))
            await receivers.start()
            try:
                base_url = f"http://127.0.0.1:{free_port()}"
                member_pem, receivers.member_pem = generate_rsa_keypair()
                say(f"receivers on {receivers.host(0)} ... {receivers.host(-1)}; Moot will be {base_url}")
                env = moot_environment(base_url, database_url, workdir, False, args.env)
                steps = [(("user", "create", OWNER, "--password-stdin"), "bench-password-not-secret\n"),
                         (("group", "create", GROUP, "--owner", OWNER), None)]
                for cli_args, stdin in steps:
                    await asyncio.to_thread(run_cli, env, *cli_args, stdin=stdin)
                    say(f"  moot {' '.join(cli_args)}")
                group = await populate(database_url, receivers, args.followers)
                relay = await relay_once(args, database_url, workdir, receivers, group, base_url, member_pem)
            finally:
                await receivers.close()
            return await report(args, database_url, group, len(receivers.addresses), relay)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="sqlite://PATH (a new file) or postgres://USER@HOST:PORT/DB "
                        "(a database moot_bench_* is created there and dropped); default: a temporary SQLite file")
    parser.add_argument("--followers", type=positive, default=5000, help="group followers (default 5000)")
    parser.add_argument("--inboxes", type=positive, default=500, help="distinct hosts/shared inboxes (default 500)")
    parser.add_argument("--delivery-concurrency", type=positive,
                        help="MOOT_DELIVERY_CONCURRENCY for the server (default: the server's, 32)")
    parser.add_argument("--verify-sample", type=positive, default=20, help="signatures to verify (default 20)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for all deliveries (default 300)")
    args = parser.parse_args(argv)
    if args.followers < args.inboxes:
        parser.error("--followers must be at least --inboxes, so every inbox has a follower")
    if args.inboxes > 60_000:
        parser.error("--inboxes: at most 60,000 (loopback addresses 127.0.1.1 to 127.0.254.254)")
    concurrency = args.delivery_concurrency
    args.env = {} if concurrency is None else {"MOOT_DELIVERY_CONCURRENCY": str(concurrency)}
    return args


def main(argv: Sequence[str] | None = None) -> int:
    return run_benchmark(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
