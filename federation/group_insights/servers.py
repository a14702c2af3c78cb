"""The servers a local group's members come from: counted live, or from the nightly snapshot plus the joins
and leaves recorded since (checked against the members now)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.functions import Count
from tortoise.transactions import in_transaction

from federation.raw_sql import Params
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.group_insights import GroupServerCount
from models.insights import FOLLOWED, UNFOLLOWED, FollowEvent

TOP_SERVERS = 10


@dataclass(frozen=True)
class ServerShare:
    domain: str
    members: int


async def _servers_counted(group_id: int) -> dict[str, int]:
    counted: dict[str, int] = {}
    for domain, n in await (Follow.filter(target_id=group_id, state=ACCEPTED).annotate(n=Count("id"))
                            .group_by("follower__domain").values_list("follower__domain", "n")):
        counted[domain or ""] = counted.get(domain or "", 0) + n
    return counted


async def snapshot_servers(group_id: int, now: datetime) -> None:
    """Keep the members per server now (the nightly rollup): a page adds the joins and leaves since."""
    counted = await _servers_counted(group_id)
    async with in_transaction():
        await GroupServerCount.filter(group_id=group_id).delete()
        await GroupServerCount.bulk_create([GroupServerCount(group_id=group_id, domain=domain or "", members=n,
                                                             taken_at=now) for domain, n in counted.items()],
                                           batch_size=1000)


async def _servers_kept(group_id: int, members: int) -> dict[str, int] | None:
    """The snapshot plus the joins and leaves recorded since it was taken; None when there is none, or when
    the sum is not the members now (a membership that ended without an event): then it is counted live."""
    # The snapshot's time is read once, not with each of its (thousands of) rows: converting a stored time
    # costs ~10 µs, which made this read four times slower (insights bench: ~25 ms of a 90-day page view).
    taken = await GroupServerCount.filter(group_id=group_id).limit(1).values_list("taken_at", flat=True)
    if not taken:
        return None
    db = GroupServerCount._meta.db
    p = Params(db)
    counts = {row["domain"]: int(row["members"]) for row in await db.execute_query_dict(
        f"SELECT domain, members FROM group_server_count WHERE group_id = {p.add(group_id)}", p.values)}
    events = await FollowEvent.filter(target_id=group_id, created_at__gte=taken[0]).values_list("kind", "follower_uri")
    if events:
        domains = dict(await Actor.filter(uri__in=sorted({uri for _, uri in events})).values_list("uri", "domain"))
        for kind, uri in events:
            if uri not in domains:
                return None
            domain = domains[uri] or ""
            counts[domain] = counts.get(domain, 0) + (1 if kind == FOLLOWED else -1 if kind == UNFOLLOWED else 0)
    if sum(counts.values()) != members or any(n < 0 for n in counts.values()):
        return None
    return {domain: n for domain, n in counts.items() if n}


async def member_servers(group_id: int, members: int | None = None) -> tuple[list[ServerShare], int]:
    """The servers with the most members (most first), and how many servers members come from. With the
    members now given, from the nightly snapshot when it adds up to them."""
    counts = await _servers_kept(group_id, members) if members is not None else None
    if counts is None:
        counts = await _servers_counted(group_id)
    ordered = sorted(counts.items(), key=lambda row: (-row[1], row[0]))
    return [ServerShare(domain, n) for domain, n in ordered[:TOP_SERVERS]], len(ordered)
