"""What every inbox item of a batch re-reads, read once for the batch, and what it writes, written once
(federation/inbox/dispatch.py).

The worker applies a run of group posts in one transaction. While it does, this module holds for that run:
the senders' actor rows and which of the activities a moderator approved (read once per claim, again after
any item applied alone), and for each group its profile, moderators, and the bans, mutes and memberships of
the batch's senders, whether anyone elsewhere follows it and whether it runs check-ins (seven queries per
group and batch instead of five per post); the posts its replies answer (one SELECT for the batch's parents)
and every post a thread walk reads, by URI and by id. Which of the batch's posts are stored already is read
once too (one SELECT), so a new post is inserted without a lookup.

Writes wait for flush(), just before the commit: the new posts whose follow-ups write nothing that names them
(most posts and comments: federation/remote_posts.py decides) in one INSERT, with ids reserved from the post
sequence up front so the items can name them meanwhile; the replies linked to parents that came late; the
Announces the relay makes and their fan-outs (one multi-row INSERT each, and no fan-out for a group with no
remote followers); and the boost ids of posts inserted at once (one UPDATE).

Invalidation: the cache lives for one batch transaction only (at most BATCH_SECONDS) and is dropped at its
commit. A batch holds only Creates of posts, which change none of what is cached (a ban, a mute, a role, a
membership, a group's settings, an approval or a thread's lock come from other activities or from local
actions, and those are applied outside any batch, or commit while this batch runs and apply from the next).
The posts the batch stores itself are added to what it knows as it stores them, so a reply to a post of the
same batch finds it. Outside a batch (current() is None) every caller reads the database as before.
"""
from __future__ import annotations

import json
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from federation.protocol.common import ProtocolError, type_of
from federation.queue import utcnow
from federation.raw_sql import Params, insert_rows
from federation.reply_links import link_replies
from federation.resolve import ACTOR_MAX_AGE
from federation.status_ids import reserve_status_ids
from federation.vocab import POST_TYPES
from models.actors import Actor
from models.follows import ACCEPTED
from models.groups import APPROVED, GroupBan, GroupMute, GroupProfile, HeldActivity
from models.posts import Post
from models.queues import PENDING, FanOut, InboxItem, OutboundActivity
from models.storable_text import keep_text_storable, storable

_ACTIVITY_TYPES = frozenset({"Create"})
PLAIN_TYPES = frozenset({"Note", "Article", "Page"})
# What flush() writes; every other column of these tables may be NULL.
_OUTBOUND_COLUMNS = ("uri", "actor_id", "type", "payload", "public", "created_at")
_FANOUT_COLUMNS = ("activity_id", "audience", "state", "attempts", "next_attempt_at", "created_at")


@dataclass
class GroupFacts:
    """One group as decide() sees it, for the senders of one batch."""

    profile: GroupProfile | None
    moderators: frozenset[int]
    members: frozenset[int]
    bans: dict[int, GroupBan]
    mutes: dict[int, GroupMute]
    actor_ids: frozenset[int]  # the actors these facts cover (the batch's senders)
    has_remote_followers: bool
    has_checkins: bool  # a check-in series runs: a reply may count as a check-in (a row naming the reply)


@dataclass
class Batch:
    """The run of inbox items being applied together, with what they share."""

    actors: dict[str, Actor]  # sender URI -> its row (known, fresh, remote)
    approved: set[str]  # activity ids a moderator approved
    is_local: Callable[[str], bool] = lambda uri: True  # a URL of this server (unknown: assume it may be)
    groups: dict[tuple[str, ...], Actor | None] = field(default_factory=dict)  # local addressees -> the group
    senders: list[int] = field(default_factory=list)  # the actor ids of the batch being applied
    object_ids: frozenset[str] = frozenset()  # the ids of the posts the batch's Creates embed
    parent_ids: frozenset[str] = frozenset()  # the posts those reply to
    _maybe_stored: set[str] | None = None  # of those, the stored ones and the ones this batch inserted
    _facts: dict[int, GroupFacts] = field(default_factory=dict)
    _outbound: list[tuple[Actor, dict[str, Any], bool]] = field(default_factory=list)
    _announce_uris: list[tuple[str, int, str]] = field(default_factory=list)  # (post uri, group id, boost id)
    _posts: dict[str, Post] = field(default_factory=dict)  # URI -> new post whose INSERT waits for flush_posts()
    _new: list[Post] = field(default_factory=list)  # every post this batch stores, for link_replies at flush()
    _by_uri: dict[str, Post | None] = field(default_factory=dict)  # posts read or stored in this batch
    _by_id: dict[int, Post] = field(default_factory=dict)  # (None: not stored when read)
    _parents_read: bool = False
    _post_ids: list[int] = field(default_factory=list)  # ids reserved for them, not handed out yet

    def batchable(self, item: InboxItem) -> bool:
        """A first attempt at a Create of an embedded post by a known, fresh remote actor: nothing to fetch."""
        activity = item.activity if isinstance(item.activity, dict) else {}
        obj = activity.get("object")
        try:
            if type_of(activity, _ACTIVITY_TYPES) != "Create" or not isinstance(obj, dict):
                return False
            if type_of(obj, POST_TYPES) not in POST_TYPES:
                return False
        except ProtocolError:
            return False
        return item.attempts == 0 and item.actor_uri in self.actors

    def needs_posts(self, item: InboxItem) -> bool:
        """The item may refer to a post this batch holds back (it replies to it, or creates it again): an item
        applied in a savepoint writes them first (flush_posts inside its savepoint would undo them with it)."""
        if not self._posts:
            return False
        obj = item.activity.get("object") if isinstance(item.activity, dict) else None
        if not isinstance(obj, dict):
            return False
        return obj.get("id") in self._posts or obj.get("inReplyTo") in self._posts

    @staticmethod
    def plain(item: InboxItem) -> bool:
        """A Create of a Note, Article or Page (a post or a reply; not a poll vote, a Note with a name): it runs
        without a savepoint, and anything it raises fails the whole batch (federation/inbox/dispatch.py)."""
        obj = item.activity.get("object") if isinstance(item.activity, dict) else None
        if not isinstance(obj, dict) or obj.get("type") not in PLAIN_TYPES:
            return False
        return obj.get("type") != "Note" or "name" not in obj

    def approved_here(self, activity_id: str) -> bool:
        return activity_id in self.approved

    async def facts(self, group: Actor) -> GroupFacts:
        facts = self._facts.get(group.id)
        if facts is None:
            facts = self._facts[group.id] = await _load_facts(group, self.senders)
        return facts

    async def may_be_stored(self, uri: str) -> bool:
        """False when no post `uri` is stored: neither before the batch (one SELECT for all its posts, on first
        use) nor by an earlier item of it. True may be stale (an item that inserted it was rolled back), so a
        caller then looks it up; an insert of a post False said was new can still collide with another
        worker's, and the item is then applied again alone (federation/inbox/dispatch.py)."""
        if self._maybe_stored is None:
            self._maybe_stored = await _stored_posts(self.object_ids)
        return uri in self._maybe_stored or uri not in self.object_ids

    async def post(self, uri: str) -> Post | None:
        """The stored post `uri`, read once per batch: the parents its replies name in one SELECT on first use,
        any other on demand; a post this batch stores is known from then on (stored_new)."""
        if not self._parents_read:
            self._parents_read = True
            for post in await _posts_with_uri(self.parent_ids - self._by_uri.keys()):
                self._remember(post)
        if uri not in self._by_uri:
            post = await Post.filter(uri=uri).first()
            if post is None:
                self._by_uri[uri] = None
            else:
                self._remember(post)
        return self._by_uri[uri]

    async def post_by_id(self, post_id: int) -> Post | None:
        if post_id not in self._by_id:
            post = await Post.filter(id=post_id).first()
            if post is None:
                return None
            self._remember(post)
        return self._by_id[post_id]

    def stored_new(self, post: Post) -> None:
        """A post this batch stores (now, or at flush_posts): known to later items, and linked to its replies
        that came first, or to its parent should that be stored meanwhile, at flush(). A second Create of it in
        the batch takes the lookup path."""
        if self._maybe_stored is not None:
            self._maybe_stored.add(post.uri)
        self._remember(post)
        self._new.append(post)

    def _remember(self, post: Post) -> None:
        self._by_uri[post.uri] = post
        self._by_id[post.id] = post

    async def defer_post(self, uri: str, fields: dict[str, Any]) -> Post:
        """A new post whose INSERT waits for flush_posts(): its id is reserved now (one statement for the
        batch), so what the item does next can name it. Only for a post whose follow-ups write nothing that
        refers to it (federation/remote_posts.py decides), since its row does not exist before the flush."""
        if not self._post_ids:
            self._post_ids = await reserve_status_ids(max(1, len(self.object_ids)))
        post = Post(id=self._post_ids.pop(0), uri=uri, **fields)
        # Counted as saved, so a reply in the batch may name it; its row is written by flush_posts (nothing
        # saves a post the batch holds back: its follow-ups write nothing, see federation/remote_posts.py).
        post._saved_in_db = True
        self._posts[uri] = post
        self.stored_new(post)
        return post

    def held_back(self, uri: str) -> Post | None:
        """The new post `uri` if this batch holds its INSERT back."""
        return self._posts.get(uri)

    async def flush_posts_before(self, parent: Post | None) -> None:
        """A plain item is about to insert a post now that replies to `parent`: if the batch holds the parent
        back, write the held posts first, so the reply's row can name it. (A plain item has no savepoint that
        could undo them; a savepoint item had them written before it started: needs_posts.)"""
        if parent is not None and self._posts.get(parent.uri) is parent:
            await self.flush_posts()

    async def flush_posts(self) -> None:
        """INSERT the posts held back, in one statement (inside the batch's transaction)."""
        if not self._posts:
            return
        posts = list(self._posts.values())
        for post in posts:
            await keep_text_storable(Post, post, None, None)  # what save()'s pre_save hook would do
        await Post.bulk_create(posts)
        self._posts.clear()

    def defer_publish(self, actor: Actor, activity: dict[str, Any], *, public: bool) -> None:
        """outbox.publish(actor, activity, to_followers=True, public=public), written at flush()."""
        self._outbound.append((actor, activity, public))

    def defer_announce_uri(self, post_uri: str, group_id: int, announce_uri: str) -> None:
        """Post.group_announce_uri (the id-form boost a later Undo names), written at flush()."""
        post = self._posts.get(post_uri)
        if post is not None and post.group_id == group_id:
            post.group_announce_uri = announce_uri  # not inserted yet: it goes in with the row
            return
        self._announce_uris.append((post_uri, group_id, announce_uri))

    async def flush(self) -> None:
        """Write the deferred activities, their fan-outs and the posts' boost ids; call inside the batch's
        transaction. Plain multi-row INSERTs: a model object per Announce and per fan-out cost more than the
        statements (bulk_create also skips the pre_save hook that keeps NULs out, so they are dropped here)."""
        await self.flush_posts()
        if self._new:
            await link_replies([post.uri for post in self._new],
                               [post.id for post in self._new if post.in_reply_to_uri and post.in_reply_to_id is None])
            self._new.clear()
        await self._flush_announce_uris()
        if not self._outbound:
            return
        db = OutboundActivity._meta.db
        now = utcnow()
        activities = [(activity["id"], actor.id, activity["type"], json.dumps(storable(activity)), public, now)
                      for actor, activity, public in self._outbound]
        inserted = await insert_rows(db, OutboundActivity._meta.db_table, _OUTBOUND_COLUMNS, activities,
                                     returning=("uri", "id"))
        ids = {row["uri"]: row["id"] for row in inserted}
        fanouts = []
        for actor, activity, _ in self._outbound:
            facts = self._facts.get(actor.id)
            if facts is not None and not facts.has_remote_followers:
                continue  # nobody on another server follows the group: nothing to deliver
            audience = json.dumps({"followers_of": [actor.id], "inboxes": []})
            fanouts.append((ids[activity["id"]], audience, PENDING, 0, now, now))
        await insert_rows(db, FanOut._meta.db_table, _FANOUT_COLUMNS, fanouts)
        self._outbound.clear()

    async def _flush_announce_uris(self) -> None:
        if not self._announce_uris:
            return
        db = OutboundActivity._meta.db
        for start in range(0, len(self._announce_uris), 200):  # well under either engine's parameter limit
            chunk = self._announce_uris[start:start + 200]
            p = Params(db)
            cases = " ".join(f"WHEN {p.add(uri)} THEN {p.add(announce)}" for uri, _, announce in chunk)
            keys = " OR ".join(f"(uri = {p.add(uri)} AND group_id = {p.add(group_id)})" for uri, group_id, _ in chunk)
            await db.execute_query(f"UPDATE post SET group_announce_uri = CASE uri {cases} END WHERE {keys}",
                                   p.values)
        self._announce_uris.clear()

    def mark(self) -> tuple[int, int, int, int]:
        """Where the deferred writes stand now, for discard(since=...)."""
        return len(self._outbound), len(self._announce_uris), len(self._posts), len(self._new)

    def discard(self, since: tuple[int, int, int, int] = (0, 0, 0, 0)) -> None:
        """Forget the deferred writes from `since` on (an item's own, when its savepoint rolled back)."""
        del self._outbound[since[0]:]
        del self._announce_uris[since[1]:]
        for uri in list(self._posts)[since[2]:]:  # a dict keeps the order they were held back in
            del self._posts[uri]
        del self._new[since[3]:]


_current: ContextVar[Batch | None] = ContextVar("moot_inbox_batch", default=None)


def current() -> Batch | None:
    """The batch being applied in this task, or None (then read the database)."""
    return _current.get()


def activate(batch: Batch, items: Iterable[InboxItem]) -> Token:
    """Make batch the current one for this task, applying items; what it read of groups is read again for
    each batch, for the senders of its items only."""
    batch.discard()
    batch.groups.clear()
    batch._facts.clear()
    items = list(items)
    batch.senders = sorted({batch.actors[item.actor_uri].id for item in items if item.actor_uri in batch.actors})
    batch.object_ids = frozenset(filter(None, (_object_id(item) for item in items)))
    batch.parent_ids = frozenset(filter(None, (_object_id(item, "inReplyTo") for item in items)))
    batch._by_uri, batch._by_id, batch._parents_read = {}, {}, False
    batch._maybe_stored = None
    batch._post_ids = []
    return _current.set(batch)


def deactivate(token: Token) -> None:
    _current.reset(token)


async def prepare(items: Iterable[InboxItem], is_local: Callable[[str], bool] | None = None) -> Batch:
    """Read what the items share: their senders (two queries for any number of items). `is_local` tells this
    server's URLs (a mention of one may notify someone)."""
    items = list(items)
    uris = sorted({item.actor_uri for item in items})
    now = datetime.now(timezone.utc)
    actors = {
        actor.uri: actor for actor in await Actor.filter(uri__in=uris, is_local=False, deleted_at=None)
        if actor.fetched_at is not None and now - actor.fetched_at <= ACTOR_MAX_AGE
    } if uris else {}
    ids = [item.activity_id for item in items]
    approved = set(await HeldActivity.filter(activity_uri__in=ids, state=APPROVED)
                   .values_list("activity_uri", flat=True)) if ids else set()
    batch = Batch(actors=actors, approved=approved)
    if is_local is not None:
        batch.is_local = is_local
    return batch


def _object_id(item: InboxItem, key: str = "id") -> str | None:
    obj = item.activity.get("object") if isinstance(item.activity, dict) else None
    uri = obj.get(key) if isinstance(obj, dict) else None
    return uri if isinstance(uri, str) else None


async def _posts_with_uri(uris: Iterable[str]) -> list[Post]:
    uris = sorted(uris)
    found: list[Post] = []
    for start in range(0, len(uris), 500):  # under either engine's parameter limit
        found += await Post.filter(uri__in=uris[start:start + 500])
    return found


async def _stored_posts(uris: Iterable[str]) -> set[str]:
    uris = sorted(uris)
    db = Post._meta.db
    stored: set[str] = set()
    for start in range(0, len(uris), 500):  # under either engine's parameter limit
        p = Params(db)
        sql = f"SELECT uri FROM post WHERE uri IN ({p.add_all(uris[start:start + 500])})"
        stored.update(row["uri"] for row in await db.execute_query_dict(sql, p.values))
    return stored


async def _load_facts(group: Actor, actor_ids: list[int]) -> GroupFacts:
    # Plain SQL: these statements carry the batch's senders as an IN list, which the ORM's query builder
    # takes milliseconds to write (it copies every term); the database answers in microseconds.
    profile = await GroupProfile.filter(group_id=group.id).first()
    db = GroupProfile._meta.db
    moderators: list[int] = []
    members: list[int] = []
    bans: dict[int, GroupBan] = {}
    mutes: dict[int, GroupMute] = {}
    if actor_ids:
        groups = [group.id] + ([profile.parent_id] if profile is not None and profile.parent_id else [])
        p = Params(db)
        sql = (f"SELECT actor_id FROM group_role WHERE group_id IN ({p.add_all(groups)}) "
               f"AND actor_id IN ({p.add_all(actor_ids)})")
        moderators = [row["actor_id"] for row in await db.execute_query_dict(sql, p.values)]
        p = Params(db)
        sql = (f"SELECT follower_id FROM follow WHERE target_id = {p.add(group.id)} AND state = {p.add(ACCEPTED)} "
               f"AND follower_id IN ({p.add_all(actor_ids)})")
        members = [row["follower_id"] for row in await db.execute_query_dict(sql, p.values)]
        now = datetime.now(timezone.utc)
        for model, found in ((GroupBan, bans), (GroupMute, mutes)):
            p = Params(db)
            sql = (f"SELECT * FROM {model._meta.db_table} WHERE group_id = {p.add(group.id)} "
                   f"AND actor_id IN ({p.add_all(actor_ids)}) "
                   f"AND (expires_at IS NULL OR expires_at > {p.add(now)}) ORDER BY id")
            for row in await db.execute_query_dict(sql, p.values):
                found.setdefault(row["actor_id"], model._init_from_db(**row))
    p = Params(db)
    sql = (f"SELECT 1 FROM follow f JOIN actor a ON a.id = f.follower_id WHERE f.target_id = {p.add(group.id)} "
           f"AND f.state = {p.add(ACCEPTED)} AND a.is_local = {p.add(False)} AND a.deleted_at IS NULL LIMIT 1")
    remote = bool(await db.execute_query_dict(sql, p.values))
    p = Params(db)
    sql = (f"SELECT 1 FROM checkin_series WHERE group_id = {p.add(group.id)} AND active = {p.add(True)} "
           f"AND ended_at IS NULL LIMIT 1")
    checkins = bool(await db.execute_query_dict(sql, p.values))
    return GroupFacts(profile=profile, moderators=frozenset(moderators), members=frozenset(members), bans=bans,
                      mutes=mutes, actor_ids=frozenset(actor_ids), has_remote_followers=remote,
                      has_checkins=checkins)
