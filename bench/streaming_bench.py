"""Streaming benchmark: how long until a new post reaches 1,000 connected apps, and a notification its one?

--clients local people (each with a bearer token) follow a poster and hold a WebSocket on Mastodon's `user`
stream (/api/v1/streaming). The poster posts --rounds times through POST /api/v1/statuses; the clock runs
from the API request until each client has the `update` event. Then, --rounds times, one listener likes the
poster's post and the clock runs until the poster's own `user:notification` stream has the `notification`.

On PostgreSQL two `moot serve` processes share the database: half the clients are connected to each, and
the posts and likes go through the first, so half the updates cross processes (NOTIFY). SQLite runs one.
Every client must get every post exactly once, and the poster every notification: the run fails otherwise.

    .venv/bin/python bench/streaming_bench.py [--clients 1000] [--rounds 5] [--database-url URL ...]

Everything talks to 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Sequence

import aiohttp

from benchlib import (
    database_session, engine_description, free_port, is_sqlite, moot_server, percentile, positive, print_machine,
    run_benchmark, say, throwaway_database,
)
from federation.local_actors import create_token, create_user, hash_token  # noqa: E402
from models.actors import Actor, ApiToken  # noqa: E402
from models.follows import ACCEPTED, Follow  # noqa: E402
from server.lifecycle import build_federation, new_http_client  # noqa: E402
from server.settings import Settings  # noqa: E402

TARGET_P50_MS = 1000.0
CONNECT_BATCH = 100


async def populate(database_url: str, base_url: str, clients: int) -> tuple[str, list[str]]:
    """The poster and `clients` listeners who follow it, with tokens; listeners share the poster's keys
    (generating a thousand RSA keys would take longer than the benchmark)."""
    settings = Settings(base_url=base_url, listen=base_url.removeprefix("http://"), database_url=database_url,
                        allow_private_addresses=True)
    async with database_session(database_url):
        fed = build_federation(settings, new_http_client(settings))
        poster = await create_user(fed, "poster", password_hash=None)
        poster_token = await create_token(poster, label="streaming bench")
        template = {k: v for k, v in poster.__dict__.items() if not k.startswith("_") and k not in ("id",)}
        rows = []
        for n in range(clients):
            uri = poster.uri.replace("/poster", f"/listener{n}")
            rows.append(Actor(**{**template, "uri": uri, "username": f"listener{n}", "local_name": f"listener{n}",
                                 "inbox": f"{uri}/inbox", "outbox": f"{uri}/outbox",
                                 "followers_url": f"{uri}/followers", "following_url": f"{uri}/following",
                                 "featured_url": f"{uri}/featured", "url": f"{base_url}/@listener{n}",
                                 "public_key_id": f"{uri}#main-key"}))
        await Actor.bulk_create(rows, batch_size=500)
        listeners = await Actor.filter(username__startswith="listener").order_by("id")
        await Follow.bulk_create([Follow(follower=actor, target=poster, state=ACCEPTED,
                                         activity_uri=f"{actor.uri}#follow") for actor in listeners], batch_size=500)
        tokens = [f"bench-{n}-{actor.id}" for n, actor in enumerate(listeners)]
        await ApiToken.bulk_create([ApiToken(token_hash=hash_token(token), actor=actor, label="bench")
                                    for token, actor in zip(tokens, listeners)], batch_size=500)
        return poster_token, tokens


async def connect_all(session: aiohttp.ClientSession, urls: list[str], tokens: list[str],
                      stream: str) -> list[aiohttp.ClientWebSocketResponse]:
    sockets = []
    for first in range(0, len(tokens), CONNECT_BATCH):
        batch = tokens[first:first + CONNECT_BATCH]
        sockets += await asyncio.gather(*(
            session.ws_connect(f"{urls[(first + i) % len(urls)]}/api/v1/streaming?stream={stream}&access_token={token}")
            for i, token in enumerate(batch)))
    await asyncio.sleep(0.5)  # every hub has its subscribers
    return sockets


async def first_event(socket: aiohttp.ClientWebSocketResponse, event: str, wanted_id: str, deadline: float
                      ) -> float | None:
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            message = await socket.receive_json(timeout=remaining)
        except (asyncio.TimeoutError, TypeError):
            return None
        if message.get("event") != event:
            continue
        payload = json.loads(message["payload"])
        found = payload.get("id") if event == "update" else (payload.get("status") or {}).get("id")
        if found == wanted_id:
            return time.monotonic()


async def one_engine(args: argparse.Namespace, database_url: str | None) -> bool:
    with tempfile.TemporaryDirectory(prefix="moot-streaming-bench-") as tmp:
        workdir = Path(tmp)
        async with throwaway_database(database_url, workdir) as url:
            say(f"\nengine: {await engine_description(url)}")
            processes = 1 if is_sqlite(url) else 2
            base_urls = [f"http://127.0.0.1:{free_port()}" for _ in range(processes)]
            poster_token, tokens = await populate(url, base_urls[0], args.clients)
            async with AsyncExitStack() as stack:
                for n, base_url in enumerate(base_urls):
                    (workdir / f"p{n}").mkdir()
                    await stack.enter_async_context(moot_server(base_url, url, workdir / f"p{n}", run_workers=n == 0))
                session = await stack.enter_async_context(aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(limit=0)))
                say(f"  {processes} moot serve process(es); connecting {args.clients:,} clients ...")
                sockets = await connect_all(session, base_urls, tokens, "user")
                poster_socket = (await connect_all(session, base_urls[:1], [poster_token], "user:notification"))[0]
                headers = {"Authorization": f"Bearer {poster_token}"}
                update_ms: list[float] = []
                missing = 0
                post_ids = []
                for round_ in range(args.rounds):
                    answered = time.monotonic()  # from the request: the event may come before the answer
                    async with session.post(f"{base_urls[0]}/api/v1/statuses", headers=headers,
                                            json={"status": f"Round {round_}"}) as response:
                        body = await response.json()
                    post_ids.append(body["id"])
                    arrivals = await asyncio.gather(*(first_event(s, "update", body["id"], answered + 10)
                                                      for s in sockets))
                    missing += sum(1 for a in arrivals if a is None)
                    update_ms += [(a - answered) * 1000 for a in arrivals if a is not None]
                notification_ms: list[float] = []
                for round_ in range(args.rounds):
                    liker = {"Authorization": f"Bearer {tokens[round_]}"}
                    answered = time.monotonic()
                    async with session.post(f"{base_urls[-1]}/api/v1/statuses/{post_ids[0]}/favourite",
                                            headers=liker) as response:
                        assert response.status == 200, await response.text()
                    arrived = await first_event(poster_socket, "notification", post_ids[0], answered + 10)
                    if arrived is None:
                        missing += 1
                    else:
                        notification_ms.append((arrived - answered) * 1000)
                for socket in [*sockets, poster_socket]:
                    await socket.close()
            ok = missing == 0
            for label, samples in (("update to every client", update_ms), ("notification", notification_ms)):
                ordered = sorted(samples)
                if ordered:
                    say(f"  {label:<24} n={len(ordered):>6}  p50 {statistics.median(ordered):7.1f} ms  "
                        f"p95 {percentile(ordered, 0.95):7.1f} ms  max {ordered[-1]:7.1f} ms")
            p50 = statistics.median(sorted(update_ms)) if update_ms else float("inf")
            ok = ok and p50 <= TARGET_P50_MS
            say(f"  missing events: {missing}; {'within' if ok else 'OVER'} the {TARGET_P50_MS:.0f} ms target")
            return ok


async def run(args: argparse.Namespace) -> bool:
    print_machine("see each engine below")
    say(f"clients: {args.clients:,}; rounds: {args.rounds}")
    ok = True
    for url in args.database_url or [None]:
        ok = await one_engine(args, url) and ok
    return ok


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=positive, default=1000)
    parser.add_argument("--rounds", type=positive, default=5)
    parser.add_argument("--database-url", action="append",
                        help="sqlite://PATH or postgres://... (repeat for several engines; default: a SQLite file)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    return run_benchmark(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
