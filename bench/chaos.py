"""The chaos run, shared by bench/chaos_bench.py and tests/operations/test_chaos_short.py.

Real processes: `moot serve` (workers off) and one or more `moot worker` processes, started with
subprocess and killed with SIGKILL at seeded random moments, then restarted, while:
- remote senders (RSA keys served over HTTP on loopback) POST signed Create{Note}, Like, Announce and
  Undo{Like} activities to a local group and a local page, retrying on a connection error, a 5xx or a
  429 as a real server does, so "answered 202" is the sender's own knowledge;
- a local page with one follower on each of --inboxes loopback hosts publishes posts (fan-out);
- one more group follower (the watcher host, 127.0.0.2) receives everything the group relays.
Afterwards bench/chaos_checks.py compares the database and what the fake hosts received with what was
sent. Nothing leaves loopback; needs Linux (all of 127.0.0.0/8 reaches loopback).
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from typing import Any, Callable

import aiohttp
from aiohttp import web

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from benchlib import free_port, moot_environment, spawn_moot  # noqa: E402 (after the path fix above)
from federation.signatures import ACTIVITY_JSON, generate_rsa_keypair, sign_request  # noqa: E402

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"
LAUNCHER = BENCH / "chaos_launch.py"
SENDER_HOST = "127.0.0.1"
WATCHER_HOST = "127.0.0.2"  # a group follower that is no sender: every relay must reach it
# All senders share one fake host; Moot's per-domain inbox limit would (rightly) throttle it.
NO_RATE_LIMITS = {"MOOT_INBOX_RATE_PER_ACTOR": "0", "MOOT_INBOX_RATE_PER_DOMAIN": "0"}
STOP_TIMEOUT = 15.0


@dataclass
class ChaosConfig:
    database_url: str  # an already migrated, empty database
    workdir: Path
    activities: int = 10_000
    inboxes: int = 1000
    kills: int = 10
    workers: int = 1
    seed: int = 1
    senders: int = 50
    page_posts: int = 3  # the first before the chaos starts, the others while it runs
    kill_gap: float = 1.0  # at least this many seconds between kills
    lease: float = 20.0  # queue lease in the Moot processes (bench/chaos_launch.py)
    concurrency: int = 16  # activities in flight at once
    rate: float = 0.0  # activities sent per second at most; 0: as fast as Moot answers
    drain_timeout: float = 300.0
    say: Callable[[str], None] = print


# --- Moot's processes -------------------------------------------------------------------------


class Fleet:
    """`moot serve` (workers off) and `moot worker` processes, each killable and restartable by name."""

    def __init__(self, cfg: ChaosConfig, base_url: str) -> None:
        self.cfg, self.base_url = cfg, base_url
        self.env = moot_environment(base_url, cfg.database_url, cfg.workdir, False, NO_RATE_LIMITS)
        self.names = ["serve"] + [f"worker{n}" for n in range(1, cfg.workers + 1)]
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.kills: Counter[str] = Counter()
        self.crashes: list[str] = []  # processes that exited without being killed
        self.down: set[str] = set()  # killed on purpose and not restarted yet

    def start(self, name: str) -> None:
        moot_args = ["serve", "--no-migrate"] if name == "serve" else ["worker"]
        self.processes[name] = spawn_moot(moot_args, self.env, self.cfg.workdir / f"{name}.log",
                                          launcher=(str(LAUNCHER), str(self.cfg.lease)))

    def kill(self, name: str) -> None:
        process = self.processes[name]
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            self.kills[name] += 1

    def watch(self) -> None:
        """Restart any process that exited on its own (and remember it: that is a finding)."""
        for name, process in list(self.processes.items()):
            if name not in self.down and process.poll() is not None:
                self.crashes.append(f"{name} exited {process.returncode}: {self.log_tail(name, 5)}")
                self.start(name)

    async def start_all(self, timeout: float = 60.0) -> None:
        for name in self.names:
            self.start(name)
        await self.wait_serving(timeout)

    async def wait_serving(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                serve = self.processes["serve"]
                if serve.poll() is not None and "serve" not in self.down:
                    raise RuntimeError(f"moot serve exited {serve.returncode}:\n{self.log_tail('serve')}")
                try:
                    async with session.get(f"{self.base_url}/.well-known/nodeinfo") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"moot serve did not answer within {timeout:.0f} s:\n{self.log_tail('serve')}")

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes.values():
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def log_counts(self) -> dict[str, Counter[str]]:
        """Per process: how many tracebacks, errors and SQLite lock timeouts its log shows (for the report)."""
        counts: dict[str, Counter[str]] = {}
        for name in self.names:
            try:
                text = (self.cfg.workdir / f"{name}.log").read_text(errors="replace")
            except OSError:
                continue
            counts[name] = Counter({label: text.count(needle) for label, needle in (
                ("tracebacks", "Traceback"), ("errors", "ERROR"), ("database is locked", "database is locked"))})
        return counts

    def log_tail(self, name: str, lines: int = 30) -> str:
        try:
            text = (self.cfg.workdir / f"{name}.log").read_text(errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"
        return "\n".join(text.splitlines()[-lines:])


# --- the remote side ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sender:
    name: str
    uri: str
    private_pem: str
    public_pem: str

    @property
    def key_id(self) -> str:
        return f"{self.uri}#main-key"


def loopback_addresses(count: int) -> list[str]:
    """127.0.1.1 onwards, skipping .0 and .255 in the last byte: one fake host each."""
    numbers = (n for n in range(256 + 1, 256 * 255) if n % 256 not in (0, 255))
    return [f"127.0.{n // 256}.{n % 256}" for n in islice(numbers, count)]


@dataclass
class Remote:
    """One aiohttp app on the senders' host, the watcher host and every fan-out host (one port)."""

    fanout_hosts: list[str]
    port: int = 0
    senders: dict[str, Sender] = field(default_factory=dict)
    relayed: Counter[str] = field(default_factory=Counter)  # the group's Announces at the watcher, by inner id
    fanout: Counter[tuple[str, str]] = field(default_factory=Counter)  # (host, post uri) Create arrivals
    other: Counter[str] = field(default_factory=Counter)  # anything else, by host kind and type
    _runner: web.AppRunner | None = None

    def base(self, address: str = SENDER_HOST) -> str:
        return f"http://{address}:{self.port}"

    async def start(self) -> None:
        for attempt in range(3):  # the free port may be taken on another address
            app = web.Application(client_max_size=1 << 20)
            app.router.add_get("/users/{name}", self._actor)
            app.router.add_post("/{path:.*}", self._inbox)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            port = free_port()
            try:
                for address in [SENDER_HOST, WATCHER_HOST, *self.fanout_hosts]:
                    await web.TCPSite(runner, address, port).start()
            except OSError:
                await runner.cleanup()
                if attempt == 2:
                    raise
                continue
            self._runner, self.port = runner, port
            return

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def add_senders(self, count: int) -> None:
        for index in range(count):
            private_pem, public_pem = generate_rsa_keypair()
            name = f"s{index}"
            self.senders[name] = Sender(name, f"{self.base()}/users/{name}", private_pem, public_pem)

    def actor_document(self, sender: Sender) -> dict[str, Any]:
        return {"@context": [AS, "https://w3id.org/security/v1"], "id": sender.uri, "type": "Person",
                "preferredUsername": sender.name, "inbox": f"{sender.uri}/inbox", "outbox": f"{sender.uri}/outbox",
                "followers": f"{sender.uri}/followers", "endpoints": {"sharedInbox": f"{self.base()}/inbox"},
                "publicKey": {"id": sender.key_id, "owner": sender.uri, "publicKeyPem": sender.public_pem}}

    async def _actor(self, request: web.Request) -> web.Response:
        sender = self.senders.get(request.match_info["name"])
        if sender is None or request.host != f"{SENDER_HOST}:{self.port}":
            raise web.HTTPNotFound()
        return web.json_response(self.actor_document(sender), content_type=ACTIVITY_JSON)

    async def _inbox(self, request: web.Request) -> web.Response:
        try:
            doc = json.loads(await request.read())
        except ValueError:
            raise web.HTTPBadRequest() from None
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        address = sockname[0] if sockname else "?"
        kind = doc.get("type") if isinstance(doc, dict) else None
        inner = doc.get("object") if isinstance(doc, dict) else None
        inner_id = inner.get("id") if isinstance(inner, dict) else inner
        if address == WATCHER_HOST and kind == "Announce" and isinstance(inner_id, str):
            self.relayed[inner_id] += 1
        elif address not in (SENDER_HOST, WATCHER_HOST) and kind == "Create" and isinstance(inner_id, str):
            self.fanout[(address, inner_id)] += 1
        else:
            where = {SENDER_HOST: "senders' host", WATCHER_HOST: "watcher"}.get(address, "fan-out host")
            self.other[f"{kind} at the {where}"] += 1
        return web.Response(status=202)


# --- the activities ---------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Planned:
    """One activity to send: where, as whom, and what the checks expect of it."""

    kind: str  # create | like | announce | undo
    sender: Sender
    inbox: str
    activity: dict[str, Any]
    target: str = ""  # the liked or boosted post, the undone Like's id
    relayed: bool = False  # the group relays it (the watcher must receive an Announce of it)

    @property
    def id(self) -> str:
        return str(self.activity["id"])


class Planner:
    """Seeded activities with unique ids; Undo only of Likes sent in an earlier phase."""

    def __init__(self, rng: random.Random, run_tag: str, group: str, group_inbox: str, page_inbox: str) -> None:
        self.rng, self.tag, self.group, self.group_inbox, self.page_inbox = rng, run_tag, group, group_inbox, page_inbox
        self.count = 0
        self.pairs: list[tuple[Sender, str, bool]] = []  # (who, which post, in the group) not liked yet

    def _id(self, sender: Sender, kind: str) -> str:
        self.count += 1
        return f"{sender.uri}/{kind}/{self.tag}-{self.count}"

    def create(self, sender: Sender) -> Planned:
        note = self._id(sender, "notes")
        activity = {"@context": AS, "id": self._id(sender, "activities/create"), "type": "Create",
                    "actor": sender.uri, "to": [self.group, PUBLIC], "cc": [], "audience": self.group,
                    "object": {"id": note, "type": "Note", "attributedTo": sender.uri, "to": [self.group, PUBLIC],
                               "cc": [], "audience": self.group, "published": _now(),
                               "content": f"<p>Chaos note {self.count}: the lettuce survived the slugs.</p>"}}
        return Planned("create", sender, self.group_inbox, activity, target=note, relayed=True)

    def like(self) -> Planned | None:
        if not self.pairs:
            return None
        sender, post, in_group = self.pairs.pop()
        activity = {"@context": AS, "id": self._id(sender, "activities/like"), "type": "Like",
                    "actor": sender.uri, "object": post}
        if in_group:
            activity["audience"] = self.group
        return Planned("like", sender, self.group_inbox if in_group else self.page_inbox, activity, target=post,
                       relayed=in_group)

    def announce(self, sender: Sender, post: str) -> Planned:
        activity = {"@context": AS, "id": self._id(sender, "activities/announce"), "type": "Announce",
                    "actor": sender.uri, "object": post, "to": [PUBLIC], "published": _now()}
        return Planned("announce", sender, self.page_inbox, activity, target=post)

    def undo(self, like: Planned) -> Planned:
        activity = {"@context": AS, "id": self._id(like.sender, "activities/undo"), "type": "Undo",
                    "actor": like.sender.uri, "object": like.activity}
        return Planned("undo", like.sender, like.inbox, activity, target=like.id, relayed=like.relayed)


# --- sending, as a real server does -------------------------------------------------------------------


@dataclass
class SendStats:
    accepted: int = 0
    attempts: int = 0
    connection_errors: int = 0
    server_errors: int = 0  # 5xx
    rate_limited: int = 0  # 429
    refused: list[str] = field(default_factory=list)  # another 4xx: a finding
    gave_up: list[str] = field(default_factory=list)


async def send(session: aiohttp.ClientSession, item: Planned, stats: SendStats, rng: random.Random,
               give_up_at: float) -> bool:
    """POST until answered 2xx; retry on a connection error, a 5xx or a 429 with backoff (max 2 s)."""
    body = json.dumps(item.activity).encode()
    delay = 0.1
    while True:
        stats.attempts += 1
        headers = sign_request(method="POST", url=item.inbox, key_id=item.sender.key_id,
                               private_key_pem=item.sender.private_pem, body=body, content_type=ACTIVITY_JSON)
        try:
            async with session.post(item.inbox, data=body, headers=headers) as response:
                text = await response.text()
                if 200 <= response.status < 300:
                    stats.accepted += 1
                    return True
                if response.status == 429:
                    stats.rate_limited += 1
                elif response.status >= 500:
                    stats.server_errors += 1
                else:
                    stats.refused.append(f"{item.kind} {item.id}: {response.status} {text[:200]}")
                    return False
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
            stats.connection_errors += 1
        if time.monotonic() > give_up_at:
            stats.gave_up.append(item.id)
            return False
        await asyncio.sleep(delay * rng.uniform(0.5, 1.5))
        delay = min(2.0, delay * 2)


async def send_all(items: list[Planned], concurrency: int, stats: SendStats, rng: random.Random,
                   give_up_after: float, on_progress: Callable[[int], None] | None = None,
                   rate: float = 0.0) -> list[Planned]:
    """Send with `concurrency` in flight, starting at most `rate` a second (0: no limit); returns the
    items answered 2xx."""
    accepted: list[Planned] = []
    queue = iter(enumerate(items))
    start = time.monotonic()
    give_up_at = start + give_up_after
    timeout = aiohttp.ClientTimeout(total=15)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        async def lane() -> None:
            for number, item in queue:
                if rate > 0:
                    await asyncio.sleep(max(0.0, start + number / rate - time.monotonic()))
                if await send(session, item, stats, rng, give_up_at):
                    accepted.append(item)
                    if on_progress is not None:
                        on_progress(len(accepted))

        await asyncio.gather(*(lane() for _ in range(concurrency)))
    return accepted


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"
