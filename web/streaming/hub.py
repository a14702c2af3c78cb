"""One hub per process: it tails the post and notification tables and hands each new row to the connected
clients that may see it.

The database is the source of truth, so nothing depends on which process stored a row: a worker process on
PostgreSQL stores a remote post, a trigger NOTIFYs `moot_stream` on commit (models/migrations/0014_streaming.py),
the listener wakes every hub (server/streaming_listener.py), and each hub reads the new rows. A short poll
backs the wake-up up, and is all SQLite (one process) needs. Who may see a post is federation/audience.py's
rule, asked in one query per batch: the public streams as an anonymous reader, a person's home stream through
their home timeline's own filter (federation/timelines.py).
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from federation import audience, home_timeline, timelines
from federation.people.personal_filters import hidden_ids
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.notifications import Notification
from models.posts import ANNOUNCE, Interaction, Post
from web.streaming.streams import Stream, public_match

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
# Rows are read again this far below the newest id seen: on PostgreSQL a transaction that took a lower id can
# commit after a higher one was read. Ids already sent are remembered, so nothing goes out twice.
LOOKBACK_ROWS = 200
QUEUE_LIMIT = 500  # a client this far behind is disconnected rather than holding memory
FOLLOWS_REFRESH_SECONDS = 60.0

StatusSerializer = Callable[[Post], Awaitable[dict[str, Any]]]
NotificationSerializer = Callable[[Any], Awaitable[dict[str, Any] | None]]
EntrySerializer = Callable[[home_timeline.HomeEntry], Awaitable[dict[str, Any]]]


@dataclass(eq=False)
class Subscriber:
    actor: Actor | None
    streams: set[Stream]
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    closed: bool = False
    # What the home stream follows (as federation/timelines.py home_filter chooses), refreshed every minute.
    authors: set[int] = field(default_factory=set)
    groups: set[int] = field(default_factory=set)
    hidden: set[int] = field(default_factory=set)  # blocked and muted accounts (federation/people)
    follows_read_at: float = float("-inf")

    async def refresh_follows(self) -> None:
        if self.actor is None or time.monotonic() - self.follows_read_at < FOLLOWS_REFRESH_SECONDS:
            return
        follows = await Follow.filter(follower=self.actor, state=ACCEPTED).values_list("target_id", "target__type")
        self.groups = {target for target, kind in follows if kind == "Group"}
        self.authors = {target for target, kind in follows if kind != "Group"} | {self.actor.id}
        self.hidden = await hidden_ids(self.actor)
        self.follows_read_at = time.monotonic()

    def wants_at_home(self, post: Post) -> bool:
        """Would home_filter choose it (before the audience check)? Boosts are chosen in _dispatch_boosts."""
        return post.author_id not in self.hidden and (post.author_id in self.authors or post.visibility == "direct"
                or (post.group_id in self.groups and post.in_reply_to_uri is None))

    def send(self, stream: Stream, event: str, payload: dict[str, Any] | str) -> None:
        if self.closed:
            return
        message = json.dumps({"stream": stream.names(), "event": event,
                              "payload": payload if isinstance(payload, str) else json.dumps(payload)})
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.closed = True  # the connection handler sees it and hangs up


@dataclass
class Tail:
    """The newest ids handed out for one table, and those sent recently (for the lookback)."""

    high_water: int = 0
    sent: set[int] = field(default_factory=set)
    # Rows up to here existed before the hub woke for a new listener: never sent, even within the lookback.
    skipped: int = 0

    def skip_to(self, newest: int) -> None:
        self.high_water = max(self.high_water, newest)
        self.skipped = max(self.skipped, newest)

    def fresh(self, ids: list[int]) -> list[int]:
        new = [i for i in ids if i not in self.sent and i > self.skipped]
        self.sent.update(new)
        if ids:
            self.high_water = max(self.high_water, max(ids))
        floor = self.high_water - LOOKBACK_ROWS
        self.sent = {i for i in self.sent if i > floor}
        return sorted(new)


class StreamHub:
    def __init__(self, serialize_status: StatusSerializer, serialize_notification: NotificationSerializer,
                 poll_seconds: float = POLL_SECONDS, serialize_entry: EntrySerializer | None = None) -> None:
        self.subscribers: set[Subscriber] = set()
        self.serialize_status = serialize_status
        self.serialize_notification = serialize_notification
        self.serialize_entry = serialize_entry
        self.boosts = Tail()  # boosts (Interaction rows) for the user streams' home timelines
        self.poll_seconds = poll_seconds
        self.posts = Tail()
        self.notifications = Tail()
        self._wake = asyncio.Event()
        self._someone = asyncio.Event()  # set while at least one client is connected
        self._task: asyncio.Task[None] | None = None

    # --- connections ---------------------------------------------------------------------------

    async def subscribe(self, actor: Actor | None, streams: set[Stream]) -> Subscriber:
        if not self.subscribers:
            # The hub sleeps while nobody listens: start from now, not from where it stopped.
            await self._skip_ahead()
        subscriber = Subscriber(actor, streams)
        self.subscribers.add(subscriber)
        self._someone.set()
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        subscriber.closed = True
        self.subscribers.discard(subscriber)
        if not self.subscribers:
            self._someone.clear()

    def wake(self) -> None:
        self._wake.set()

    # --- the loop ------------------------------------------------------------------------------

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await self._someone.wait()  # no queries at all while nobody is connected
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            self._wake.clear()
            try:
                await self.dispatch_once()
            except Exception:  # the hub must outlive a bad row or a dropped connection
                log.exception("streaming: dispatch failed")
                await asyncio.sleep(self.poll_seconds)

    async def _skip_ahead(self) -> None:
        self.posts.skip_to(await _max_id(Post))
        self.notifications.skip_to(await _max_id(_notification_model()))
        self.boosts.skip_to(await _max_id(Interaction.filter(kind=ANNOUNCE)))

    async def dispatch_once(self) -> int:
        """Send what is new since the last pass; returns how many rows were new."""
        began = time.monotonic()
        post_ids = self.posts.fresh(await _ids_above(Post, self.posts.high_water - LOOKBACK_ROWS))
        model = _notification_model()
        notification_ids = self.notifications.fresh(
            await _ids_above(model, self.notifications.high_water - LOOKBACK_ROWS))
        boost_ids = self.boosts.fresh(await _ids_above(Interaction.filter(kind=ANNOUNCE),
                                                       self.boosts.high_water - LOOKBACK_ROWS))
        if post_ids:
            await self._dispatch_posts(post_ids)
        if boost_ids:
            await self._dispatch_boosts(boost_ids)
        if notification_ids:
            await self._dispatch_notifications(model, notification_ids)
        if post_ids or notification_ids:
            log.debug("streaming: %d posts, %d notifications to %d clients in %.1f ms", len(post_ids),
                      len(notification_ids), len(self.subscribers), (time.monotonic() - began) * 1000)
        return len(post_ids) + len(notification_ids) + len(boost_ids)

    async def _dispatch_posts(self, post_ids: list[int]) -> None:
        posts = {post.id: post for post in await Post.filter(id__in=post_ids, deleted_at=None, removed_at=None)}
        # Visible to anyone (and so to every subscriber), asked once for the batch.
        anyone = set(await Post.filter(audience.visible_posts(audience.ANONYMOUS), id__in=list(posts))
                     .values_list("id", flat=True)) if posts else set()
        public = {post.id: post for post in await Post.filter(
            timelines.public_filter(audience.ANONYMOUS), id__in=list(anyone))} if anyone else {}
        payloads: dict[int, dict[str, Any]] = {}

        async def payload(post: Post) -> dict[str, Any]:
            if post.id not in payloads:
                payloads[post.id] = await self.serialize_status(post)
            return payloads[post.id]

        for subscriber in list(self.subscribers):
            for stream in subscriber.streams:
                if stream.kind == "user" and subscriber.actor is not None:
                    for post in await self._home_posts(subscriber, posts, anyone):
                        subscriber.send(stream, "update", await payload(post))
                    continue
                if subscriber.actor is not None and public:
                    await subscriber.refresh_follows()  # also whom they block or mute (kept a minute)
                for post_id in sorted(public):
                    if public_match(stream, public[post_id]) and public[post_id].author_id not in subscriber.hidden:
                        subscriber.send(stream, "update", await payload(public[post_id]))

    async def _home_posts(self, subscriber: Subscriber, posts: dict[int, Post], anyone: set[int]) -> list[Post]:
        """The batch's posts that belong in this person's home timeline: chosen by what they follow (kept
        per connection, refreshed every minute), then, for what not everyone may see, the audience's answer."""
        assert subscriber.actor is not None
        await subscriber.refresh_follows()
        candidates = [post for post in posts.values() if subscriber.wants_at_home(post)]
        narrow = [post.id for post in candidates if post.id not in anyone]
        allowed = set(await Post.filter(audience.visible_posts(audience.viewer_of(subscriber.actor)),
                                        id__in=narrow).values_list("id", flat=True)) if narrow else set()
        return sorted((post for post in candidates if post.id in anyone or post.id in allowed), key=lambda p: p.id)

    async def _dispatch_boosts(self, boost_ids: list[int]) -> None:
        """A boost by someone a listener follows goes to their user stream as an `update`, shaped as in the
        home timeline (a reblog wrapper: web/api/home_entries.py); federation/timelines.py home_boosts_filter
        decides, as for the timeline itself."""
        if self.serialize_entry is None:
            return
        boosters = dict(await Interaction.filter(id__in=boost_ids).values_list("id", "actor_id"))
        payloads: dict[int, dict[str, Any]] = {}
        for subscriber in list(self.subscribers):
            streams = [stream for stream in subscriber.streams if stream.kind == "user"]
            if not streams or subscriber.actor is None:
                continue
            await subscriber.refresh_follows()
            mine = [i for i in boost_ids if boosters.get(i) in subscriber.authors]
            for entry in await home_timeline.home_entries_for(subscriber.actor, mine):
                if entry.id not in payloads:
                    payloads[entry.id] = await self.serialize_entry(entry)
                for stream in streams:
                    subscriber.send(stream, "update", payloads[entry.id])

    async def _dispatch_notifications(self, model: Any, notification_ids: list[int]) -> None:
        listeners = {s.actor.id: s for s in self.subscribers if s.actor is not None
                     and any(st.kind in ("user", "user:notification") for st in s.streams)}
        if not listeners:
            return
        rows = await model.filter(id__in=notification_ids, recipient_id__in=list(listeners)).order_by("id")
        for row in rows:
            body = await self.serialize_notification(row)
            if body is None:
                continue
            for subscriber in [s for s in self.subscribers if s.actor is not None and s.actor.id == row.recipient_id]:
                for stream in subscriber.streams:
                    if stream.kind in ("user", "user:notification"):
                        subscriber.send(stream, "notification", body)


def _notification_model() -> Any:
    return Notification


async def _max_id(model: Any) -> int:
    row = await model.all().order_by("-id").first().values_list("id", flat=True)
    return int(row or 0)


async def _ids_above(model: Any, floor: int) -> list[int]:
    return list(await model.filter(id__gt=max(floor, 0)).order_by("id").limit(1000).values_list("id", flat=True))
