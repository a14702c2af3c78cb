"""Poll votes benchmark: a burst of remote votes on one poll. What does a vote cost the worker, and do the
outgoing Update{Question} stay bounded however many votes come in?

Set-up (untimed): a local person posts a single-choice poll with 4 options; --votes remote voters (plus 200 for
the warm-up), spread over --hosts hosts (127.0.1.N, on a port nothing listens on: no fetch is needed, since
their actor rows and keys are written straight into the database, and nothing is delivered), each sign one vote
shaped as Mastodon's VoteSerializer writes it: Create{Note} with `name` = the option, `inReplyTo` = the
Question, to the author only. All voters share one RSA key (a key per actor would only slow the set-up; each
signature still names its own actor's keyId and is verified against the key Moot has for that actor).

Intake (timed, reported for context): `moot serve` with workers off takes every signed POST at the author's
inbox, as Mastodon delivers a vote; all must be answered 202.

The worker (timed, the figure this benchmark is about): in this process, the real worker pass
(federation.work.run_intake_queues_once: the inbox, due jobs, fan-outs) runs until every vote is processed.
Reported: votes/s and ms of CPU per vote (this process's CPU, which includes SQLite's own work; on PostgreSQL
the database server's CPU shows in the machine's figure), and the SQL statements per vote, counted over the
warm-up's 200 votes. Two ceilings measured in the same run, the same number of times:
- trivial inbox items: activities with no handler (the queue's own cost per item: claim, parse, mark done);
- bare inserts: one PollVote row written per statement, nothing else.

The results: the batch window passes (the results job runs, as the worker would after 3 minutes), then the
poll's end; the Update{Question} activities made and their deliveries are counted. Bounded means: one Update per
window plus the final one, whatever the number of votes, and one delivery per server each.

    .venv/bin/python bench/poll_votes_bench.py [--votes 10000] [--hosts 20] [--concurrency 64] [--database-url URL]

Everything talks to 127.0.0.1 only. Exits 1 when a check fails.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Sequence

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from benchlib import (
    MachineCpu, StatementCounter, cpu_report, database_session, engine_description, free_port, moot_server, positive, print_machine,
    run_benchmark, say, throwaway_database, counting_sql,
)
from inbox_bench import NO_RATE_LIMITS, REQUEST_TIMEOUT, Sender, fire, in_threads, sign
from federation.actions import StatusInput, create_status
from federation.actions.statuses import PollInput
from federation.activities.polls import RESULTS_DELAY
from federation.delivery import expand_fanouts
from federation.inbox.dispatch import process_inbox
from federation.jobs import run_due_jobs
from federation.local_actors import create_user
from federation.queue import utcnow
from federation.work import run_intake_queues_once
from models.actors import Actor
from models.polls import Poll, PollVote
from models.posts import Post
from models.queues import DONE, Delivery, InboxItem, OutboundActivity
from server.lifecycle import build_federation, new_http_client
from server.settings import Settings

AS = "https://www.w3.org/ns/activitystreams"
OPTIONS = ("Rye", "Spelt", "Sourdough", "Brioche")
WARM_UP = 200
CHUNK = 250


@dataclass
class Phase:
    """One timed worker phase: how many items, how long, how much CPU."""

    items: int
    elapsed: float
    cpu: float
    machine: MachineCpu | None

    def line(self, what: str) -> str:
        return (f"{what:<22} {self.items / self.elapsed:8,.0f}/s   {1000 * self.cpu / self.items:6.2f} ms CPU each   "
                f"({self.items:,} in {self.elapsed:.2f} s)")


def vote_body(voter: Sender, question: str, author: str, choice: str) -> bytes:
    note = f"{voter.uri}#votes/1"
    return json.dumps({
        "@context": AS, "id": f"{note}/activity", "type": "Create", "actor": voter.uri, "to": author,
        "object": {"id": note, "type": "Note", "name": choice, "attributedTo": voter.uri, "inReplyTo": question,
                   "to": author},
    }).encode()


def new_key() -> tuple[rsa.RSAPrivateKey, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    return key, pem


def settings_for(base_url: str, database_url: str, workdir: Path) -> Settings:
    return Settings(base_url=base_url, listen=base_url.removeprefix("http://"), database_url=database_url,
                    data_dir=workdir / "data", allow_private_addresses=True, run_workers=False)


async def set_up(settings: Settings, voters: int, hosts: int) -> tuple[str, str, list[Sender]]:
    """The author, the poll, and the voters' rows; returns (author inbox, question uri, voters)."""
    fed = build_federation(settings, new_http_client(settings))
    author = await create_user(fed, "pollster", password_hash=None)
    post = await create_status(fed, author, StatusInput(
        text="Which bread for the weekend?", poll=PollInput(options=OPTIONS, expires_in=86400)))
    key, pem = new_key()
    port = free_port()  # nothing listens there: Moot never needs to reach the voters' servers
    now = datetime.now(timezone.utc)
    senders, rows = [], []
    for index in range(voters):
        host = f"127.0.1.{index % hosts + 1}:{port}"
        uri = f"http://{host}/users/voter{index}"
        senders.append(Sender(name=f"voter{index}", uri=uri, key=key, public_pem=pem))
        rows.append(Actor(uri=uri, type="Person", username=f"voter{index}", domain=host, is_local=False,
                          inbox=f"{uri}/inbox", shared_inbox=f"http://{host}/inbox", followers_url=f"{uri}/followers",
                          public_key_id=f"{uri}#main-key", public_key_pem=pem, fetched_at=now))
    await Actor.bulk_create(rows, batch_size=500)
    return author.inbox, post.uri, senders


async def sign_votes(senders: Sequence[Sender], inbox: str, question: str, author: str) -> list[Any]:
    jobs = [(sender, OPTIONS[index % 3 if index % 10 else 3]) for index, sender in enumerate(senders)]
    chunks = [jobs[start:start + CHUNK] for start in range(0, len(jobs), CHUNK)]
    return await in_threads("votes signed", chunks, lambda chunk: [
        sign(sender, inbox, vote_body(sender, question, author.removesuffix("/inbox"), choice))
        for sender, choice in chunk])


async def intake(args: argparse.Namespace, database_url: str, workdir: Path, base_url: str,
                 requests: list[Any], inbox: str) -> tuple[Counter[Any], float]:
    say(f"starting moot serve on {base_url} (workers off: the votes wait in the inbox queue)")
    async with moot_server(base_url, database_url, workdir, run_workers=False, extra_env=NO_RATE_LIMITS):
        connector = aiohttp.TCPConnector(limit=args.concurrency)
        async with aiohttp.ClientSession(connector=connector,
                                         timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session:
            start = time.perf_counter()
            outcomes = await fire(session, inbox, requests, args.concurrency, progress=True)
            elapsed = time.perf_counter() - start
    return Counter(outcome.status for outcome in outcomes), elapsed


async def timed(work: Any) -> Phase:
    machine, cpu, start = MachineCpu.now(), time.process_time(), time.perf_counter()
    items = await work()
    elapsed, cpu_used, machine_after = time.perf_counter() - start, time.process_time() - cpu, MachineCpu.now()
    return Phase(items, elapsed, cpu_used, machine_after.since(machine) if machine and machine_after else None)


async def drain_votes(fed: Any) -> int:
    """The worker's pass, as `moot worker` runs it, until the inbox is empty."""
    handled = 0
    while await InboxItem.filter(state="pending").exists():
        await run_intake_queues_once(fed)
        handled = await InboxItem.filter(state=DONE).count()
    return handled


async def trivial_items(fed: Any, count: int, actor_uri: str) -> int:
    """The ceiling: inbox items no handler takes (the queue's own work per item)."""
    now = utcnow()
    await InboxItem.bulk_create([
        InboxItem(activity_id=f"{actor_uri}#trivial/{n}", actor_uri=actor_uri, recipient_uri=None, next_attempt_at=now,
                  activity={"@context": AS, "id": f"{actor_uri}#trivial/{n}", "type": "View", "actor": actor_uri,
                            "object": f"{actor_uri}#thing"})
        for n in range(count)], batch_size=500)

    async def work() -> int:
        done = 0
        while (handled := await process_inbox(fed)) > 0:
            done += handled
        return done
    return await work()


async def worker_phases(settings: Settings, voters: int) -> tuple[Phase, Phase, Phase, float, int]:
    fed = build_federation(settings, new_http_client(settings))
    # Warm-up (untimed): the first 200 votes, with every SQL statement counted.
    with counting_sql(StatementCounter()) as counter:
        warmed = await process_inbox(fed, limit=WARM_UP)
    per_vote = counter.count / max(1, warmed)
    say(f"  warm-up: {warmed} votes, {counter.count} SQL statements ({per_vote:.1f} per vote, the queue's own included)")
    say(f"timing the worker on {voters - warmed:,} votes")
    votes = await timed(lambda: drain_votes(fed))
    votes.items -= warmed
    say(f"timing the ceilings: {votes.items:,} trivial inbox items, then {votes.items:,} bare inserts")
    sample = await Actor.filter(is_local=False).first()
    assert sample is not None
    trivial = await timed(lambda: trivial_items(fed, votes.items, sample.uri))
    # The bare inserts go to a poll of their own (no closing job: it sends nothing), removed afterwards.
    author = await Actor.get(local_name="pollster")
    spare_post = await Post.create(uri=f"{settings.base_url}/posts/bench-spare", author=author, type="Question",
                                   is_local=True, content="", visibility="direct", to=[], cc=[], published=utcnow())
    spare = await Poll.create(post=spare_post, options=[{"title": "A", "votes_count": 0}])
    ids = await Actor.filter(is_local=False).limit(votes.items).values_list("id", flat=True)

    async def inserts() -> int:
        for number, voter_id in enumerate(ids):
            await PollVote.create(poll_id=spare.id, voter_id=voter_id, choice=0, activity_uri=f"urn:bench:{number}")
        return len(ids)
    bare = await timed(inserts)
    await spare_post.delete()
    return votes, trivial, bare, per_vote, warmed


async def results(settings: Settings) -> tuple[list[dict[str, Any]], int]:
    """The batch window passes, then the poll's end: the Update{Question} made, and their deliveries."""
    fed = build_federation(settings, new_http_client(settings))
    await run_due_jobs(fed, now=utcnow() + RESULTS_DELAY + timedelta(seconds=30))
    await run_due_jobs(fed, now=utcnow() + timedelta(days=2))
    while await expand_fanouts(fed):
        pass
    updates = await OutboundActivity.filter(type="Update").order_by("id")
    deliveries = await Delivery.filter(activity_id__in=[row.id for row in updates]).count()
    return [row.payload for row in updates], deliveries


async def run(args: argparse.Namespace) -> bool:
    total = args.votes + WARM_UP
    with tempfile.TemporaryDirectory(prefix="moot-poll-bench-") as tmp:
        workdir = Path(tmp)
        async with throwaway_database(args.database_url, workdir) as database_url:
            print_machine(await engine_description(database_url))
            base_url = f"http://127.0.0.1:{free_port()}"
            settings = settings_for(base_url, database_url, workdir)
            async with database_session(database_url):
                say(f"set-up: a poll, and {total:,} remote voters on {args.hosts} hosts")
                inbox, question, senders = await set_up(settings, total, args.hosts)
                posts_before = await Post.all().count()
            requests = await sign_votes(senders, inbox, question, inbox)
            statuses, intake_seconds = await intake(args, database_url, workdir, base_url, requests, inbox)
            say(f"intake: {sum(statuses.values()):,} POSTs in {intake_seconds:.2f} s "
                f"({sum(statuses.values()) / intake_seconds:,.0f}/s), statuses {dict(statuses)}")
            async with database_session(database_url):
                votes, trivial, bare, per_vote, warmed = await worker_phases(settings, total)
                outcomes = Counter(await InboxItem.exclude(activity_id__contains="#trivial/")
                                   .values_list("outcome", flat=True))
                counted = await PollVote.all().count()
                posts_after = await Post.all().count()
                updates, deliveries = await results(settings)
            return report(args, total, statuses, votes, trivial, bare, per_vote, outcomes, counted,
                          posts_after - posts_before, updates, deliveries)


def report(args: argparse.Namespace, total: int, statuses: Counter[Any], votes: Phase, trivial: Phase, bare: Phase,
           per_vote: float, outcomes: Counter[Any], counted: int, new_posts: int, updates: list[dict[str, Any]],
           deliveries: int) -> bool:
    say(f"results: {args.votes:,} remote votes on one poll (+{WARM_UP} warm-up), {args.hosts} voter hosts")
    say("  worker, per item (this process's CPU):")
    say("    " + votes.line("votes"))
    say("    " + trivial.line("trivial inbox items"))
    say("    " + bare.line("bare inserts"))
    say(f"    a vote costs {votes.cpu / votes.items / (trivial.cpu / trivial.items):.1f}x a trivial item and "
        f"{votes.cpu / votes.items / (bare.cpu / bare.items):.1f}x a bare insert; "
        f"{per_vote:.1f} SQL statements per vote")
    for index, line in enumerate(cpu_report(votes.elapsed, None, votes.cpu, votes.machine)):
        say(f"    {'CPU (votes): ' if index == 0 else '             '}{line}")
    say(f"  inbox outcomes: {dict(outcomes)}; votes counted: {counted:,}; posts made by votes: {new_posts}")
    final = updates[-1]["object"] if updates else {}
    tallies = [item.get("replies", {}).get("totalItems") for item in final.get("oneOf", [])]
    windows = int(votes.elapsed // RESULTS_DELAY.total_seconds()) + 1
    say(f"  Update{{Question}} sent: {len(updates)} for {total:,} votes (one per batch window: {windows} in this run, "
        f"plus the final one); deliveries: {deliveries} ({args.hosts} servers each)")
    say(f"  final counts {tallies}, votersCount {final.get('votersCount')}, closed {final.get('closed')}")
    checks = {
        "every vote accepted (202)": statuses.get(202, 0) == total,
        "every vote applied": outcomes.get("applied", 0) == total,
        "every vote counted once": counted == total,
        "no vote stored as a post": new_posts == 0,
        # The worker's own clock ran the whole time: a run longer than a window may send one Update more per window.
        f"Updates bounded (2 to {windows + 1})": 2 <= len(updates) <= windows + 1,
        "one delivery per server per Update": deliveries == len(updates) * args.hosts,
        "final counts add up": sum(t or 0 for t in tallies) == total and final.get("votersCount") == total,
    }
    for name, ok in checks.items():
        say(f"  check: {name}: {'ok' if ok else 'FAILED'}")
    return all(checks.values())


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="sqlite://PATH (a new file) or postgres://USER@HOST:PORT/DB "
                        "(a database bench_* is created there and dropped); default: a temporary SQLite file")
    parser.add_argument("--votes", type=positive, default=10_000, help="timed votes, one voter each (default 10000)")
    parser.add_argument("--hosts", type=positive, default=20, help="servers the voters live on (default 20)")
    parser.add_argument("--concurrency", type=positive, default=64, help="POSTs in flight at intake (default 64)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    return run_benchmark(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
