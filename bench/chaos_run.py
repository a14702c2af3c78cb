"""The chaos run from start to verdict: set up, warm up, two phases under SIGKILL, drain, check.

Phase 1 sends Creates, Likes and boosts; phase 2 sends Undos of phase-1 Likes and more Creates and
boosts. Between the phases the inbox queue drains, so every Like is applied before its Undo arrives
(two workers may otherwise apply them in either order, which is not what is being tested here).
Kills run on their own clock across both phases and the processing after them.
"""
from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Awaitable, Callable

from tortoise.exceptions import OperationalError

from benchlib import database_session, free_port
from chaos import (
    SENDER_HOST, WATCHER_HOST, ChaosConfig, Fleet, Planned, Planner, Remote, SendStats, loadavg,
    loopback_addresses, send_all,
)
from chaos_checks import queue_states, verdict
from federation.actions.statuses import StatusInput, create_status
from federation.groups.admin import GroupSettings, create_group
from federation.local_actors import create_page, create_user
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.queues import DONE, PENDING, Delivery, FanOut, InboxItem
from server.lifecycle import build_federation, new_http_client
from server.settings import Settings

GRACE = 1.0  # seconds to keep listening once drained, to catch late duplicates
PROGRESS_EVERY = 5.0
LOCKED_RETRIES = 20


@dataclass
class World:
    group: Actor
    page: Actor
    fed: object  # the FederationContext the bench publishes the page's posts with

    async def page_post(self, number: int) -> str:
        for attempt in range(1, LOCKED_RETRIES + 1):
            try:
                post = await create_status(self.fed, self.page, StatusInput(text=f"Chaos page post {number}"))  # type: ignore[arg-type]
                return post.uri
            except OperationalError:  # SQLite: "database is locked" after its 5 s busy timeout, under load
                if attempt == LOCKED_RETRIES:
                    raise
                await asyncio.sleep(0.5)
        raise AssertionError("unreachable")


async def setup_world(cfg: ChaosConfig, base_url: str, remote: Remote) -> World:
    settings = Settings(base_url=base_url, listen=base_url.removeprefix("http://"), database_url=cfg.database_url,
                        allow_private_addresses=True)
    fed = build_federation(settings, new_http_client(settings))  # its HTTP client is never started
    owner = await create_user(fed, "chaosowner", password_hash=None)
    group = await create_group(fed, "chaos", owner, GroupSettings(display_name="Chaos garden"))
    page = await create_page(fed, "chaospage", owner=owner, display_name="Chaos page")
    now = datetime.now(timezone.utc)
    sender_domain = f"{SENDER_HOST}:{remote.port}"
    actors = [Actor(uri=s.uri, type="Person", username=s.name, domain=sender_domain, is_local=False,
                    inbox=f"{s.uri}/inbox", shared_inbox=f"{remote.base()}/inbox", followers_url=f"{s.uri}/followers",
                    public_key_id=s.key_id, public_key_pem=s.public_pem, fetched_at=now)
              for s in remote.senders.values()]
    watcher = f"{remote.base(WATCHER_HOST)}/users/watcher"
    actors.append(Actor(uri=watcher, type="Person", username="watcher", domain=f"{WATCHER_HOST}:{remote.port}",
                        is_local=False, inbox=f"{watcher}/inbox", shared_inbox=f"{remote.base(WATCHER_HOST)}/inbox",
                        fetched_at=now))
    for host in remote.fanout_hosts:
        uri = f"{remote.base(host)}/users/reader"
        actors.append(Actor(uri=uri, type="Person", username="reader", domain=f"{host}:{remote.port}",
                            is_local=False, inbox=f"{uri}/inbox", shared_inbox=f"{remote.base(host)}/inbox",
                            fetched_at=now))
    await Actor.bulk_create(actors, batch_size=500)
    members = await Actor.filter(is_local=False, domain__in=[sender_domain, f"{WATCHER_HOST}:{remote.port}"]) \
        .values_list("id", flat=True)
    readers = await Actor.filter(is_local=False, username="reader").values_list("id", flat=True)
    follows = [Follow(follower_id=i, target_id=group.id, state=ACCEPTED, accepted_at=now) for i in members]
    follows += [Follow(follower_id=i, target_id=page.id, state=ACCEPTED, accepted_at=now) for i in readers]
    await Follow.bulk_create(follows, batch_size=500)
    cfg.say(f"  group {group.uri}: {len(members)} members ({len(remote.senders)} senders and the watcher); "
            f"page {page.uri}: {len(readers)} followers on {len(readers)} hosts")
    return World(group, page, fed)


async def pending() -> dict[str, int]:
    return {label: await model.filter(state=PENDING).count()
            for label, model in (("inbox", InboxItem), ("fan-outs", FanOut), ("deliveries", Delivery))}


async def wait_drained(fleet: Fleet, labels: tuple[str, ...], timeout: float, say) -> float:  # type: ignore[no-untyped-def]
    """Seconds until none of the named queues has a pending row; raises on timeout."""
    start = last_said = time.monotonic()
    while True:
        fleet.watch()
        left = await pending()
        if not any(left[label] for label in labels):
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"queues not drained within {timeout:.0f} s: {left}")
        if time.monotonic() - last_said > PROGRESS_EVERY:
            last_said = time.monotonic()
            say(f"  draining: pending {left}; {loadavg()}")
        await asyncio.sleep(0.2)


def kill_order(fleet: Fleet, kills: int, rng: random.Random) -> list[str]:
    """Every process is killed at least once when there are enough kills; the rest at random."""
    order = list(fleet.names)[:kills]
    order += [rng.choice(fleet.names) for _ in range(kills - len(order))]
    rng.shuffle(order)
    return order


async def chaos_loop(fleet: Fleet, cfg: ChaosConfig, rng: random.Random, started: float,
                     progress: Callable[[], Awaitable[float]]) -> None:
    """SIGKILL at seeded random points of the work (0: nothing sent, 1: everything sent and handled), so the
    kills hit intake, processing and delivery alike whatever the machine's speed; then restart."""
    points = sorted(rng.uniform(0.02, 0.98) for _ in range(cfg.kills))
    for name, point in zip(kill_order(fleet, cfg.kills, rng), points, strict=True):
        while await progress() < point:
            await asyncio.sleep(0.25)
        fleet.down.add(name)
        fleet.kill(name)
        downtime = rng.uniform(0.1, 1.0)
        cfg.say(f"  {time.monotonic() - started:6.1f} s  SIGKILL {name} at {point:.0%} of the work; restarting it "
                f"in {downtime:.1f} s; {loadavg()}")
        await asyncio.sleep(downtime)
        fleet.start(name)
        fleet.down.discard(name)
        await asyncio.sleep(cfg.kill_gap)


async def run_chaos(cfg: ChaosConfig) -> bool:
    """The whole run; True when every check passed. cfg.database_url must be migrated and empty."""
    # Separate streams, so the activities and the kill points depend on the seed only, not on timing.
    rng, kill_rng, jitter = (random.Random(f"{cfg.seed}-{use}") for use in ("plan", "kills", "jitter"))
    say = cfg.say
    t0 = time.monotonic()
    remote = Remote(loopback_addresses(cfg.inboxes))
    await remote.start()
    fleet: Fleet | None = None
    try:
        remote.add_senders(cfg.senders)
        base_url = f"http://127.0.0.1:{free_port()}"
        fleet = Fleet(cfg, base_url)
        async with database_session(cfg.database_url):
            world = await setup_world(cfg, base_url, remote)
            planner = Planner(rng, uuid.UUID(int=rng.getrandbits(128)).hex[:8], world.group.uri, world.group.inbox,
                              world.page.inbox)
            senders = list(remote.senders.values())
            stats = SendStats()
            say(f"{time.monotonic() - t0:.1f} s: starting moot serve and {cfg.workers} worker(s) "
                f"(queue lease {cfg.lease:g} s) on {base_url}")
            await fleet.start_all()
            say(f"{time.monotonic() - t0:.1f} s: serving")
            notes = max(5, min(200, cfg.activities // 50))
            say(f"warm-up (no kills): {notes} group posts and the page's first post")
            warm = await send_all([planner.create(rng.choice(senders)) for _ in range(notes)], cfg.concurrency,
                                  stats, jitter, cfg.drain_timeout)
            page_posts = [await world.page_post(0)]
            await wait_drained(fleet, ("inbox",), cfg.drain_timeout, say)
            say(f"{time.monotonic() - t0:.1f} s: warmed up")
            planner.pairs = [(s, item.target, True) for s in senders for item in warm]
            planner.pairs += [(s, page_posts[0], False) for s in senders]
            rng.shuffle(planner.pairs)

            rate = cfg.rate
            handled_before = await InboxItem.filter(state=DONE).count()

            async def progress_now() -> float:
                handled = await InboxItem.filter(state=DONE).count() - handled_before
                return (sent_count + handled) / (2 * cfg.activities)

            first = int(cfg.activities * 0.6)
            phase1 = [_phase1(planner, rng, senders, page_posts[0]) for _ in range(first)]
            sent_count = 0
            posting_at = [(k * cfg.activities) // cfg.page_posts for k in range(1, cfg.page_posts)]

            def progress(accepted: int) -> None:
                nonlocal sent_count
                sent_count += 1

            async def page_poster() -> None:
                for number, at in enumerate(posting_at, start=1):
                    while sent_count < at:
                        await asyncio.sleep(0.05)
                    page_posts.append(await world.page_post(number))
                    say(f"  {time.monotonic() - started:6.1f} s  the page published post {number} "
                        f"(fan-out to {cfg.inboxes} inboxes)")

            async def reporter() -> None:
                while True:
                    await asyncio.sleep(PROGRESS_EVERY)
                    say(f"  {time.monotonic() - started:6.1f} s  {sent_count:,} of {cfg.activities:,} answered 202; "
                        f"kills {sum(fleet.kills.values())}; pending {await pending()}; {loadavg()}")

            started = time.monotonic()
            say(f"chaos: {cfg.activities:,} activities{f' at up to {rate:,.0f}/s' if rate else ''}, {cfg.kills} kills "
                f"(at least {cfg.kill_gap:g} s apart), seed {cfg.seed}")
            chaos = asyncio.create_task(chaos_loop(fleet, cfg, kill_rng, started, progress_now))
            helpers = [asyncio.create_task(page_poster()), asyncio.create_task(reporter())]
            sent = warm + await send_all(phase1, cfg.concurrency, stats, jitter, cfg.drain_timeout, progress, rate)
            say(f"  {time.monotonic() - started:6.1f} s  phase 1 sent; waiting for the inbox queue before the Undos")
            await wait_drained(fleet, ("inbox",), cfg.drain_timeout, say)
            likes = sorted((item for item in sent if item.kind == "like"), key=lambda item: item.id)
            rng.shuffle(likes)
            phase2 = [_phase2(planner, rng, senders, page_posts[0], likes) for _ in range(cfg.activities - first)]
            sent += await send_all(phase2, cfg.concurrency, stats, jitter, cfg.drain_timeout, progress, rate)
            await helpers[0]
            await chaos
            helpers[1].cancel()
            sending = time.monotonic() - started
            say(f"  {sending:6.1f} s  all sent, all kills done ({dict(fleet.kills)}); draining")
            drained = await wait_drained(fleet, ("inbox", "fan-outs", "deliveries"), cfg.drain_timeout, say)
            await asyncio.sleep(GRACE)
            fleet.stop_all()
            say(f"results ({loadavg()})")
            say(f"  {len(sent):,} activities answered 202 in {sending:.1f} s with {sum(fleet.kills.values())} kills "
                f"{dict(fleet.kills)}; queues drained {drained:.1f} s after that")
            result = await verdict(sent, world.group.id, page_posts, remote, stats, say)
            if fleet.crashes:
                result.check(False, "processes", f"{len(fleet.crashes)} exited on their own", fleet.crashes)
            logs = {name: dict(+counts) or "clean" for name, counts in fleet.log_counts().items()}
            say(f"  process logs: {logs}")
            states = await queue_states()
            say(f"  queue rows: {({k: dict(v) for k, v in states.items()})}")
            if result.failures:
                say(f"FAILED: {', '.join(result.failures)} (logs in {cfg.workdir})")
                for name in fleet.names:
                    say(f"--- {name} log (tail) ---\n{fleet.log_tail(name, 15)}")
            else:
                say("PASSED: every activity answered 202 was applied exactly once, every delivery arrived, "
                    "the queues drained")
            return not result.failures
    finally:
        if fleet is not None:
            fleet.stop_all()
        await remote.close()


def _phase1(planner: Planner, rng: random.Random, senders: list, page_post: str) -> Planned:  # type: ignore[type-arg]
    roll = rng.random()
    if roll < 0.35:
        like = planner.like()
        if like is not None:
            return like
    if roll > 0.8:
        return planner.announce(rng.choice(senders), page_post)
    return planner.create(rng.choice(senders))


def _phase2(planner: Planner, rng: random.Random, senders: list, page_post: str,  # type: ignore[type-arg]
            likes: list[Planned]) -> Planned:
    roll = rng.random()
    if roll < 0.4 and likes:
        return planner.undo(likes.pop())
    if roll > 0.85:
        return planner.announce(rng.choice(senders), page_post)
    return planner.create(rng.choice(senders))
