"""Registrations and check-ins benchmark: what a registration for an event and a check-in cost the worker, and
do the outgoing Update{Event} stay bounded however many registrations come in?

Set-up (untimed):
- a local person creates, with the real action (events_manage.create_event), a public event in the public group
  `walkers` with --capacity seats (default 100), open registration;
- the same person runs a daily check-in in the public group `practice` (checkins.start_series; the "checkin.day"
  job posts today's thread). The series' zone is the Etc/GMT zone where it is about noon, so the day stays open
  for the whole run;
- --registrations + 200 remote people (the 200 are the warm-up) and --checkins + 200 remote members of `practice`
  (accepted Follows) go straight into the database with their keys, spread over --hosts hosts (127.0.1.N, on a
  port nothing listens on: no key is fetched, nothing is delivered). All share one RSA key; each signature names
  its own actor's keyId, as in poll_votes_bench.py.

Registrations: every person signs one Join{Event} shaped as Mobilizon sends it (participationMessage, to the
person and the organiser), POSTed to the organiser's inbox of a `moot serve` with its workers off (all must be
answered 202). Then the real worker pass (federation.work.run_intake_queues_once: the inbox, due jobs, fan-outs)
runs in this process until all are processed. The first --capacity take the seats (Accept{Join}), the rest go on
the waiting list. The warm-up's 200 are processed first with every SQL statement counted, separately for the
seated and the waiting; the timed registrations are all waiting-list ones when the capacity is at most 200.
Then the counts window passes (the "event.counts" job runs, as the worker would a minute later); the
Update{Event} made and their deliveries are counted.

Check-ins: every member signs a reply to the day's thread, half shaped as Lemmy sends a comment (cc and audience
the group), half as Mastodon sends a reply (to Public, cc the author's followers, no group named); all are POSTed
to the group's inbox (the inbox a reply arrives at does not change what the worker does). The worker runs as
above; then every member replies a second time, which must count no more (an ordinary reply).

Ceilings, measured in the same run for each part, the same number of times as the timed items (as in
poll_votes_bench.py): trivial inbox items (activities no handler takes: the queue's own cost per item) and bare
inserts (one EventParticipant, or one Checkin, row per statement, nothing else).

CPU is this process's (user + system), which on SQLite includes the database's work; on PostgreSQL the server's
CPU shows in the machine's line.

    .venv/bin/python bench/activity_costs_bench.py [--registrations 5000] [--checkins 2000] [--capacity 100]
        [--hosts 20] [--concurrency 64] [--database-url URL] [--show-sql]

Everything talks to 127.0.0.1 only. Exits 1 when a check fails.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

import aiohttp

from benchlib import (
    cpu_report, database_session, engine_description, free_port, moot_server, positive, print_machine,
    run_benchmark, say, throwaway_database, counting_sql,
)
from inbox_bench import NO_RATE_LIMITS, REQUEST_TIMEOUT, Sender, fire, in_threads, sign
from poll_votes_bench import AS, CHUNK, WARM_UP, Phase, StatementCounter, new_key, settings_for, timed, trivial_items
from federation.activities.checkins import parse_settings, start_series
from federation.activities.events import COUNTS_WINDOW
from federation.activities.events_manage import EventInput, create_event
from federation.delivery import expand_fanouts
from federation.groups.admin import GroupSettings, create_group
from federation.inbox.dispatch import process_inbox
from federation.jobs import run_due_jobs
from federation.local_actors import create_user
from federation.queue import utcnow
from federation.work import run_intake_queues_once
from models.actors import Actor
from models.checkins import Checkin, CheckinDay, CheckinSeries
from models.events import PARTICIPANT, WAITLISTED, Event, EventParticipant
from models.follows import ACCEPTED, Follow
from models.posts import Post
from models.queues import DONE, Delivery, InboxItem, OutboundActivity
from server.lifecycle import build_federation, new_http_client
from server.settings import Settings

PUBLIC = f"{AS}#Public"
MZ_CONTEXT = {"mz": "https://joinmobilizon.org/ns#",
              "participationMessage": {"@id": "mz:participationMessage", "@type": "sc:Text"}}
JOIN_MARK = "/join/event/"  # in the id of every Join sent (Mobilizon's shape)
REPLY_MARK = "/comment/"  # in the id of every reply sent


# --- measuring ----------------------------------------------------------------------------------


class StatementShapes(StatementCounter):
    """Counts the SQL statements, as poll_votes_bench.py does, and remembers their shapes (for --show-sql)."""

    def __init__(self) -> None:
        super().__init__()
        self.shapes: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        before = self.count
        super().emit(record)
        if self.count > before:
            self.shapes[" ".join(str(record.msg if not record.args else record.args[0]).split())[:120]] += 1




@dataclass
class Warmed:
    """SQL statements per item over one slice of the warm-up (untimed): handling the inbox item, then expanding
    the fan-outs it made (the relay of a group reply, an Accept)."""

    label: str
    items: int
    per_item: float
    fan_outs_per_item: float
    shapes: Counter[str]


async def drain(fed: Any) -> int:
    """The worker's pass, as `moot worker` runs it, until nothing is due; returns the inbox items it finished."""
    before = await InboxItem.filter(state=DONE).count()
    while await run_intake_queues_once(fed):
        pass
    return await InboxItem.filter(state=DONE).count() - before


async def worker_phase(fed: Any, what: str, warm_up: Sequence[tuple[str, int]]) -> tuple[Phase, list[Warmed]]:
    """The warm-up slices (every SQL statement counted), then the rest of the inbox, timed."""
    warmed: list[Warmed] = []
    for label, count in warm_up:
        if count <= 0:
            continue
        with counting_sql(StatementShapes()) as counter:
            handled = await process_inbox(fed, limit=count)
        with counting_sql(StatementShapes()) as fanning:
            while await expand_fanouts(fed):
                pass
        shapes = counter.shapes + Counter({f"[fan-out] {shape}": n for shape, n in fanning.shapes.items()})
        warmed.append(Warmed(label, handled, counter.count / max(1, handled), fanning.count / max(1, handled), shapes))
        say(f"  warm-up: {handled} {label}, {counter.count} SQL statements ({counter.count / max(1, handled):.1f} "
            f"each, the queue's own included), then {fanning.count} expanding their fan-outs")
    while await expand_fanouts(fed):  # nothing left normally: the clock starts on an empty fan-out queue
        pass
    say(f"timing the worker on the {what}")
    return await timed(lambda: drain(fed)), warmed


async def ceilings(fed: Any, count: int, sample_uri: str, insert: Callable[[int, int], Any]) -> tuple[Phase, Phase]:
    """The two ceilings, `count` times each: trivial inbox items, then bare inserts (insert(number, actor_id))."""
    say(f"timing the ceilings: {count:,} trivial inbox items, then {count:,} bare inserts")
    trivial = await timed(lambda: trivial_items(fed, count, sample_uri))
    ids = await Actor.filter(is_local=False).order_by("id").limit(count).values_list("id", flat=True)

    async def inserts() -> int:
        for number, actor_id in enumerate(ids):
            await insert(number, actor_id)
        return len(ids)
    return trivial, await timed(inserts)


def phase_lines(what: str, phase: Phase, trivial: Phase, bare: Phase, ceilings_too: bool = True) -> list[str]:
    """The phase's figure, the ceilings next to it (unless already printed), and who used the CPU."""
    each = phase.cpu / phase.items
    lines = [phase.line(what)]
    if ceilings_too:
        lines += [trivial.line("trivial inbox items"), bare.line("bare inserts")]
    lines.append(f"{what}: each costs {each / (trivial.cpu / trivial.items):.1f}x a trivial item and "
                 f"{each / (bare.cpu / bare.items):.1f}x a bare insert")
    lines += [f"{'CPU: ' if index == 0 else '     '}{line}"
              for index, line in enumerate(cpu_report(phase.elapsed, None, phase.cpu, phase.machine))]
    return lines


def sql_lines(warmed: Sequence[Warmed], show: bool) -> list[str]:
    lines = ["SQL statements per item (warm-up; the inbox queue's own included, + expanding the fan-outs made): "
             + "; ".join(f"{w.label} {w.per_item:.1f} + {w.fan_outs_per_item:.1f}" for w in warmed)]
    if show:
        for w in warmed:
            lines.append(f"statements per item, {w.label}:")
            lines += [f"  {n / w.items:5.2f}  {shape}" for shape, n in w.shapes.most_common(30)]
    return lines


# --- set-up -----------------------------------------------------------------------------------------


@dataclass
class World:
    organiser_uri: str
    organiser_inbox: str
    event_uri: str
    event_id: int
    group_uri: str
    group_inbox: str
    thread_uri: str
    thread_id: int
    series_id: int
    day: date
    registrants: list[Sender]
    members: list[Sender]


def zone_near_noon(now: datetime) -> str:
    """The Etc/GMT zone where it is now about noon: the check-in day then stays open for hours."""
    offset = 12 - now.hour  # Etc/GMT-5 is five hours ahead of UTC
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def remote_people(prefix: str, count: int, hosts: int, port: int, key: Any, pem: str,
                  now: datetime) -> tuple[list[Sender], list[Actor]]:
    senders, rows = [], []
    for index in range(count):
        host = f"127.0.1.{index % hosts + 1}:{port}"
        uri = f"http://{host}/users/{prefix}{index}"
        senders.append(Sender(name=f"{prefix}{index}", uri=uri, key=key, public_pem=pem))
        rows.append(Actor(uri=uri, type="Person", username=f"{prefix}{index}", domain=host, is_local=False,
                          inbox=f"{uri}/inbox", shared_inbox=f"http://{host}/inbox", followers_url=f"{uri}/followers",
                          public_key_id=f"{uri}#main-key", public_key_pem=pem, fetched_at=now))
    return senders, rows


async def set_up(settings: Settings, args: argparse.Namespace) -> World:
    fed = build_federation(settings, new_http_client(settings))
    now = datetime.now(timezone.utc)
    organiser = await create_user(fed, "organiser", password_hash=None)
    walkers = await create_group(fed, "walkers", organiser, GroupSettings(display_name="Walkers"))
    starts = (now + timedelta(days=10)).replace(hour=17, minute=0, second=0, microsecond=0)
    post = await create_event(fed, organiser, EventInput(
        title="Canal walk", description="Meet at the bridge.", starts_at=starts, ends_at=starts + timedelta(hours=2),
        time_zone="Europe/Amsterdam", place_name="Magere Brug", place_address="Amstel, 1017 Amsterdam",
        capacity=args.capacity), group=walkers)
    event = await Event.get(post_id=post.id)
    practice = await create_group(fed, "practice", organiser, GroupSettings(display_name="Daily practice"))
    series = await start_series(fed, organiser, practice, parse_settings("Today's practice", zone_near_noon(now), None),
                                now=now)
    await run_due_jobs(fed, now=now)  # the "checkin.day" job: today's thread
    day = await CheckinDay.get(series=series, thread_id__not_isnull=True).prefetch_related("thread")
    assert day.thread is not None
    key, pem = new_key()
    port = free_port()  # nothing listens there: Moot never needs to reach these servers
    registrants, rows = remote_people("walker", args.registrations + WARM_UP, args.hosts, port, key, pem, now)
    members, member_rows = remote_people("member", args.checkins + WARM_UP, args.hosts, port, key, pem, now)
    await Actor.bulk_create(rows + member_rows, batch_size=500)
    ids = await Actor.filter(uri__in=[m.uri for m in members]).values_list("id", flat=True)
    await Follow.bulk_create([Follow(follower_id=i, target_id=practice.id, state=ACCEPTED, accepted_at=now)
                              for i in ids], batch_size=500)
    while await expand_fanouts(fed):  # the set-up's own Create{Event} and day thread
        pass
    return World(organiser.uri, organiser.inbox, post.uri, event.id, practice.uri, practice.inbox, day.thread.uri,
                 day.thread.id, series.id, day.day, registrants, members)


# --- the activities ------------------------------------------------------------------------------


def host_of(sender: Sender) -> str:
    return sender.uri.split("/users/", 1)[0]


def join_body(person: Sender, index: int, world: World) -> bytes:
    """Mobilizon's Join of an event: its own id, the participation message (null when none), addressed to the
    participant and the organiser."""
    return json.dumps({
        "@context": [AS, MZ_CONTEXT], "id": f"{host_of(person)}{JOIN_MARK}{index:08x}", "type": "Join",
        "actor": person.uri, "object": world.event_uri,
        "participationMessage": "Bringing a flask" if index % 5 == 0 else None,
        "to": [person.uri, world.organiser_uri], "cc": [],
    }).encode()


def reply_body(member: Sender, index: int, round_: int, world: World) -> bytes:
    """A reply to the day's thread: Lemmy's comment (even index) or Mastodon's reply (odd index)."""
    note_id = f"{host_of(member)}{REPLY_MARK}{index}-{round_}"
    text = f"<p>{'Twenty minutes of scales' if round_ == 1 else 'And ten more'}</p>"
    if index % 2 == 0:
        to, cc, extra = [PUBLIC], [world.group_uri], {"audience": world.group_uri}
    else:
        to, cc, extra = [PUBLIC], [f"{member.uri}/followers"], {}
    note = {"id": note_id, "type": "Note", "attributedTo": member.uri, "inReplyTo": world.thread_uri,
            "content": text, "to": to, "cc": cc, "published": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"), **extra}
    return json.dumps({"@context": AS, "id": f"{note_id}/activity", "type": "Create", "actor": member.uri,
                       "to": to, "cc": cc, **extra, "object": note}).encode()


async def sign_all(label: str, senders: Sequence[Sender], inbox: str,
                   body: Callable[[Sender, int], bytes]) -> list[Any]:
    jobs = list(enumerate(senders))
    chunks = [jobs[start:start + CHUNK] for start in range(0, len(jobs), CHUNK)]
    return await in_threads(label, chunks, lambda chunk: [sign(s, inbox, body(s, i)) for i, s in chunk])


async def post_all(args: argparse.Namespace, database_url: str, workdir: Path, base_url: str, requests: list[Any],
                   inbox: str, what: str) -> Counter[Any]:
    """`moot serve` with its workers off takes every signed POST (they wait in the inbox queue)."""
    say(f"intake: {len(requests):,} {what} POSTed to {inbox} (moot serve, workers off)")
    async with moot_server(base_url, database_url, workdir, run_workers=False, extra_env=NO_RATE_LIMITS):
        connector = aiohttp.TCPConnector(limit=args.concurrency)
        async with aiohttp.ClientSession(connector=connector,
                                         timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session:
            start = time.perf_counter()
            outcomes = await fire(session, inbox, requests, args.concurrency, progress=True)
            elapsed = time.perf_counter() - start
    statuses = Counter(outcome.status for outcome in outcomes)
    say(f"  {len(outcomes):,} in {elapsed:.2f} s ({len(outcomes) / elapsed:,.0f}/s), statuses {dict(statuses)}")
    return statuses


def outcomes_of(mark: str) -> Any:
    return InboxItem.filter(activity_id__contains=mark).values_list("outcome", flat=True)


# --- registrations -------------------------------------------------------------------------------


async def registrations(args: argparse.Namespace, settings: Settings, database_url: str, workdir: Path,
                        world: World) -> bool:
    total = args.registrations + WARM_UP
    requests = await sign_all("Joins signed", world.registrants, world.organiser_inbox,
                              lambda person, index: join_body(person, index, world))
    statuses = await post_all(args, database_url, workdir, settings.base_url, requests, world.organiser_inbox,
                              "Join{Event}")
    async with database_session(database_url):
        fed = build_federation(settings, new_http_client(settings))
        seated = min(args.capacity, WARM_UP)
        started = time.perf_counter()
        phase, warmed = await worker_phase(fed, f"{args.registrations:,} registrations",
                                           [("seated (Accept)", seated), ("waitlisted", WARM_UP - seated)])
        worker_seconds = time.perf_counter() - started
        sample = await Actor.get(uri=world.registrants[0].uri)
        organiser = await Actor.get(uri=world.organiser_uri)
        spare_post = await Post.create(uri=f"{settings.base_url}/posts/bench-spare-event", author=organiser,
                                       type="Event", is_local=True, content="", visibility="direct", to=[], cc=[],
                                       published=utcnow())
        spare = await Event.create(post=spare_post, starts_at=utcnow() + timedelta(days=10), capacity=1)

        async def insert(number: int, actor_id: int) -> None:
            await EventParticipant.create(event_id=spare.id, actor_id=actor_id, state=WAITLISTED,
                                          join_uri=f"urn:bench:{number}")
        trivial, bare = await ceilings(fed, phase.items, sample.uri, insert)
        await spare_post.delete()
        outcomes = Counter(await outcomes_of(JOIN_MARK))
        arrival = list(await InboxItem.filter(activity_id__contains=JOIN_MARK).order_by("next_attempt_at", "id")
                       .values_list("actor_uri", flat=True))
        rows = await EventParticipant.filter(event_id=world.event_id).order_by("queued_at", "id") \
            .values("state", "actor__uri", "join_uri")
        # The counts window passes: the "event.counts" job runs as the worker would a minute later.
        await run_due_jobs(fed, now=utcnow() + COUNTS_WINDOW + timedelta(seconds=30))
        while await expand_fanouts(fed):
            pass
        accepts = await OutboundActivity.filter(type="Accept").order_by("id")
        accept_deliveries = await Delivery.filter(activity_id__in=[a.id for a in accepts]) \
            .values_list("activity_id", "inbox_url")
        updates = await OutboundActivity.filter(type="Update").order_by("id")
        update_deliveries = await Delivery.filter(activity_id__in=[u.id for u in updates]) \
            .values_list("activity_id", "host")
    participants = [row["actor__uri"] for row in rows if row["state"] == PARTICIPANT]
    waiting = [row["actor__uri"] for row in rows if row["state"] == WAITLISTED]
    joins = {row["actor__uri"]: row["join_uri"] for row in rows}
    inbox_of = {person.uri: f"{person.uri}/inbox" for person in world.registrants}
    accepted = [(a.payload["object"]["actor"], a.payload["object"]["id"]) for a in accepts]
    final = updates[-1].payload["object"] if updates else {}
    windows = int(worker_seconds // COUNTS_WINDOW.total_seconds()) + 1
    per_update = sorted(Counter(activity for activity, _ in update_deliveries).values())
    update_hosts = len({host for _, host in update_deliveries})

    say(f"results: registrations: {args.registrations:,} remote Join{{Event}} (+{WARM_UP} warm-up) for one event "
        f"with {args.capacity} seats, {args.hosts} hosts")
    say("  worker, per item (this process's CPU):")
    for line in phase_lines("registrations", phase, trivial, bare) + sql_lines(warmed, args.show_sql):
        say(f"    {line}")
    say(f"  inbox outcomes: {dict(outcomes)}")
    say(f"  participants {len(participants):,}, waitlisted {len(waiting):,}, other states "
        f"{len(rows) - len(participants) - len(waiting)}")
    say(f"  Accept{{Join}} queued: {len(accepts)}, deliveries {len(accept_deliveries)}")
    say(f"  Update{{Event}} sent: {len(updates)} for {total:,} registrations (one per counts window: {windows} in "
        f"this run's {worker_seconds:.0f} s of worker, plus the one after); deliveries per Update {per_update}, to "
        f"{update_hosts} servers; final participantCount {final.get('participantCount')}, remainingAttendeeCapacity "
        f"{final.get('remainingAttendeeCapacity')}")
    checks = {
        "every Join accepted (202)": statuses.get(202, 0) == total,
        "every Join applied": outcomes.get("applied", 0) == total,
        f"exactly {args.capacity} participants": len(participants) == args.capacity,
        "the rest waitlisted": len(waiting) == total - args.capacity and len(rows) == total,
        "seats and waiting list in arrival order": participants + waiting == arrival,
        "one Accept per seated person, naming their Join": sorted(accepted) == sorted(
            (uri, joins[uri]) for uri in participants),
        "each Accept queued for delivery once, to that person": sorted(accept_deliveries) == sorted(
            (a.id, inbox_of[a.payload["object"]["actor"]]) for a in accepts),
        f"Update{{Event}} bounded (1 to {windows + 1})": 1 <= len(updates) <= windows + 1,
        "the last Update's counts are right": final.get("participantCount") == args.capacity
        and final.get("remainingAttendeeCapacity") == 0,
    }
    return report_checks(checks)


def report_checks(checks: dict[str, bool]) -> bool:
    for name, ok in checks.items():
        say(f"  check: {name}: {'ok' if ok else 'FAILED'}")
    return all(checks.values())


# --- check-ins -----------------------------------------------------------------------------------


async def checkins(args: argparse.Namespace, settings: Settings, database_url: str, workdir: Path,
                   world: World) -> bool:
    total = args.checkins + WARM_UP
    firsts = await sign_all("first replies signed", world.members, world.group_inbox,
                            lambda member, index: reply_body(member, index, 1, world))
    seconds = await sign_all("second replies signed", world.members, world.group_inbox,
                             lambda member, index: reply_body(member, index, 2, world))
    first_statuses = await post_all(args, database_url, workdir, settings.base_url, firsts, world.group_inbox,
                                    "replies to the day's thread")
    async with database_session(database_url):
        fed = build_federation(settings, new_http_client(settings))
        phase, warmed = await worker_phase(fed, f"{args.checkins:,} check-ins", [("check-ins", WARM_UP)])
        first_outcomes = Counter(await outcomes_of(REPLY_MARK))
        counted = await Checkin.filter(series_id=world.series_id, day=world.day, post_id__not_isnull=True).count()
    second_statuses = await post_all(args, database_url, workdir, settings.base_url, seconds, world.group_inbox,
                                     "second replies from the same members")
    async with database_session(database_url):
        fed = build_federation(settings, new_http_client(settings))
        again, warmed_again = await worker_phase(fed, f"{args.checkins:,} second replies",
                                                 [("second replies", WARM_UP)])
        all_outcomes = Counter(await outcomes_of(REPLY_MARK))
        counted_after = await Checkin.filter(series_id=world.series_id).count()
        replies = await Post.filter(in_reply_to_id=world.thread_id).count()
        relayed = await OutboundActivity.filter(type="Announce", actor__uri=world.group_uri).count()
        sample = await Actor.get(uri=world.members[0].uri)
        spare = await CheckinSeries.create(group_id=(await Actor.get(uri=world.group_uri)).id, prompt="spare",
                                           active=False)

        async def insert(number: int, actor_id: int) -> None:
            await Checkin.create(series_id=spare.id, actor_id=actor_id, day=world.day, note="Twenty minutes of scales")
        trivial, bare = await ceilings(fed, phase.items, sample.uri, insert)
        await spare.delete()

    say(f"results: check-ins: {args.checkins:,} remote members (+{WARM_UP} warm-up) reply to the day's thread, "
        f"then reply again; {args.hosts} hosts")
    say("  worker, per item (this process's CPU):")
    lines = phase_lines("check-ins", phase, trivial, bare) + sql_lines(warmed, args.show_sql)
    lines += phase_lines("second replies", again, trivial, bare, ceilings_too=False)
    lines += sql_lines(warmed_again, args.show_sql)
    for line in lines:
        say(f"    {line}")
    say(f"  inbox outcomes: first replies {dict(first_outcomes)}; all replies {dict(all_outcomes)}")
    say(f"  check-ins for {world.day}: {counted:,} after the first replies, {counted_after:,} after the second; "
        f"replies stored {replies:,}; the group relayed {relayed:,} Announce")
    checks = {
        "every reply accepted (202)": first_statuses.get(202, 0) == total and second_statuses.get(202, 0) == total,
        "every reply applied": all_outcomes.get("applied", 0) == 2 * total,
        f"{total:,} check-ins, each with its reply": counted == total,
        "a second reply counts no more": counted_after == total,
        "every reply stored as a reply": replies == 2 * total,
    }
    return report_checks(checks)


# --- the run ---------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> bool:
    if args.capacity >= args.registrations + WARM_UP:
        raise SystemExit("--capacity must be smaller than the registrations, so that some wait")
    with tempfile.TemporaryDirectory(prefix="moot-activity-bench-") as tmp:
        workdir = Path(tmp)
        async with throwaway_database(args.database_url, workdir) as database_url:
            print_machine(await engine_description(database_url))
            settings = settings_for(f"http://127.0.0.1:{free_port()}", database_url, workdir)
            async with database_session(database_url):
                say(f"set-up: an event with {args.capacity} seats, a daily check-in, "
                    f"{args.registrations + WARM_UP:,} people and {args.checkins + WARM_UP:,} members on "
                    f"{args.hosts} hosts")
                world = await set_up(settings, args)
            ok = await registrations(args, settings, database_url, workdir, world)
            return await checkins(args, settings, database_url, workdir, world) and ok


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="sqlite://PATH (a new file) or postgres://USER@HOST:PORT/DB "
                        "(a database bench_* is created there and dropped); default: a temporary SQLite file")
    parser.add_argument("--registrations", type=positive, default=5_000,
                        help="timed registrations, one person each (default 5000)")
    parser.add_argument("--checkins", type=positive, default=2_000,
                        help="timed check-ins, one member each (default 2000)")
    parser.add_argument("--capacity", type=positive, default=100, help="the event's seats (default 100)")
    parser.add_argument("--hosts", type=positive, default=20, help="servers the people live on (default 20)")
    parser.add_argument("--concurrency", type=positive, default=64, help="POSTs in flight at intake (default 64)")
    parser.add_argument("--show-sql", action="store_true",
                        help="also print the statements of the warm-up, by shape, per item")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    return run_benchmark(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
