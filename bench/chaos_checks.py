"""The chaos run's verdict: what the database holds and what the fake hosts received, against what was sent.

- exactly once: every Create answered 202 is one post in the group (and the group holds no other), every
  Like answered 202 is one vote unless its Undo was answered 202 too (then none), no one has two votes on a
  post, every boost is one row, every activity is one inbox row and it was handled;
- at least once: every page post reached every fan-out host, everything the group relays reached the
  watcher host (duplicates are counted and printed, not failed: delivery is at-least-once by design);
- drained: nothing pending or failed in the inbox, fan-out and delivery queues.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

from chaos import Planned, Remote, SendStats
from models.posts import ANNOUNCE, LIKE, Interaction, Post
from models.queues import DONE, FanOut, Delivery, InboxItem

MAX_SHOWN = 5


@dataclass
class Verdict:
    say: Callable[[str], None]
    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, label: str, detail: str, examples: Iterable[str] = ()) -> None:
        self.say(f"  {'ok  ' if ok else 'FAIL'} {label}: {detail}")
        if not ok:
            self.failures.append(label)
            for example in list(examples)[:MAX_SHOWN]:
                self.say(f"         e.g. {example}")


async def queue_states() -> dict[str, Counter[str]]:
    states: dict[str, Counter[str]] = {}
    for label, model in (("inbox", InboxItem), ("fan-outs", FanOut), ("deliveries", Delivery)):
        rows: list[str] = await model.all().values_list("state", flat=True)  # type: ignore[assignment]
        states[label] = Counter(rows)
    return states


async def verdict(sent: list[Planned], group_id: int, page_posts: list[str], remote: Remote, stats: SendStats,
                  say: Callable[[str], None]) -> Verdict:
    v = Verdict(say)
    say("checks")
    v.check(not stats.refused and not stats.gave_up, "senders", f"{stats.accepted:,} answered 2xx after "
            f"{stats.attempts:,} attempts ({stats.connection_errors:,} connection errors, {stats.server_errors:,} "
            f"5xx, {stats.rate_limited:,} 429); refused {len(stats.refused)}, gave up {len(stats.gave_up)}",
            stats.refused + stats.gave_up)
    await _inbox_rows(v, sent)
    await _posts(v, sent, group_id)
    await _votes(v, sent)
    _relays(v, sent, remote)
    _fanout(v, page_posts, remote)
    states = await queue_states()
    for label, counts in states.items():
        left = {state: n for state, n in counts.items() if state != DONE}
        v.check(not left, f"{label} queue", f"{counts.get(DONE, 0):,} done, left: {left or 'nothing'}")
    if remote.other:
        say(f"  also received: {dict(remote.other)}")
    return v


async def _inbox_rows(v: Verdict, sent: list[Planned]) -> None:
    ids = {item.id for item in sent}
    rows = await InboxItem.all().values_list("activity_id", "state", "outcome")
    mine = [(activity_id, state, outcome) for activity_id, state, outcome in rows if activity_id in ids]
    stored = Counter(activity_id for activity_id, _, _ in mine)
    missing = ids - set(stored)
    doubled = [a for a, n in stored.items() if n > 1]
    not_done = [f"{a} {state}" for a, state, _ in mine if state != DONE]
    outcomes = Counter(str(outcome) for _, _, outcome in mine)
    v.check(not missing and not doubled and not not_done, "inbox rows",
            f"{len(stored):,} of {len(ids):,} activities stored once each (missing {len(missing)}, "
            f"stored twice {len(doubled)}, not done {len(not_done)}); outcomes {dict(outcomes)}",
            [f"missing {a}" for a in missing] + [f"twice {a}" for a in doubled] + not_done)


async def _posts(v: Verdict, sent: list[Planned], group_id: int) -> None:
    notes = Counter(item.target for item in sent if item.kind == "create")
    in_group: list[str] = await Post.filter(group_id=group_id).values_list("uri", flat=True)  # type: ignore[assignment]
    held = await Post.filter(uri__in=list(notes), group_id=None).count() if notes else 0
    found = Counter(in_group)
    missing = [uri for uri in notes if uri not in found]
    extra = [uri for uri in found if uri not in notes]
    v.check(not missing and not extra and not held and max(notes.values(), default=1) == 1, "posts",
            f"{len(found):,} posts in the group for {len(notes):,} Creates (missing {len(missing)}, "
            f"unexpected {len(extra)}, outside the group {held})",
            [f"missing {u}" for u in missing] + [f"unexpected {u}" for u in extra])


async def _votes(v: Verdict, sent: list[Planned]) -> None:
    undone = {item.target for item in sent if item.kind == "undo"}
    likes = {item.id: item for item in sent if item.kind == "like"}
    boosts = {item.id for item in sent if item.kind == "announce"}
    rows = await Interaction.all().values_list("activity_uri", "actor_id", "post_id", "kind")
    like_rows = Counter(uri for uri, _, _, kind in rows if kind == LIKE)
    per_voter = Counter((actor, post) for _, actor, post, kind in rows if kind == LIKE)
    wrong = [f"{uri}: {like_rows.get(uri, 0)} rows, expected {0 if uri in undone else 1}"
             for uri in likes if like_rows.get(uri, 0) != (0 if uri in undone else 1)]
    strays = [uri for uri in like_rows if uri not in likes]
    doubled = [f"actor {a} on post {p}: {n} likes" for (a, p), n in per_voter.items() if n > 1]
    expected = sum(1 for uri in likes if uri not in undone)
    per_post_expected = Counter(item.target for uri, item in likes.items() if uri not in undone)
    v.check(not wrong and not strays and not doubled, "likes",
            f"{sum(like_rows.values()):,} like rows for {len(likes):,} Likes minus {len(undone):,} Undos = "
            f"{expected:,} expected on {len(per_post_expected)} posts (wrong {len(wrong)}, stray {len(strays)}, "
            f"double votes {len(doubled)})", wrong + strays + doubled)
    boost_rows = Counter(uri for uri, _, _, kind in rows if kind == ANNOUNCE)
    bad = [f"{uri}: {boost_rows.get(uri, 0)} rows" for uri in boosts if boost_rows.get(uri, 0) != 1]
    v.check(not bad and set(boost_rows) <= boosts, "boosts",
            f"{sum(boost_rows.values()):,} boost rows for {len(boosts):,} Announces (wrong {len(bad)})", bad)


def _relays(v: Verdict, sent: list[Planned], remote: Remote) -> None:
    relayed = [item.id for item in sent if item.relayed]
    missing = [i for i in relayed if remote.relayed.get(i, 0) == 0]
    duplicates = sum(remote.relayed.get(i, 0) - 1 for i in relayed if remote.relayed.get(i, 0) > 1)
    kinds = Counter(item.kind for item in sent if item.relayed)
    v.check(not missing, "group relays",
            f"{len(relayed) - len(missing):,} of {len(relayed):,} relayed activities ({dict(kinds)}) reached the "
            f"watcher at least once; {duplicates} duplicate deliveries", missing)


def _fanout(v: Verdict, page_posts: list[str], remote: Remote) -> None:
    expected = [(host, uri) for uri in page_posts for host in remote.fanout_hosts]
    missing = [f"{uri} at {host}" for host, uri in expected if remote.fanout.get((host, uri), 0) == 0]
    duplicates = sum(remote.fanout.get(pair, 0) - 1 for pair in expected if remote.fanout.get(pair, 0) > 1)
    v.check(not missing, "fan-out",
            f"{len(expected) - len(missing):,} of {len(expected):,} (post, inbox) deliveries arrived at least "
            f"once ({len(page_posts)} posts x {len(remote.fanout_hosts)} inboxes); {duplicates} duplicate "
            f"deliveries", missing)
