"""What modlog entries are about, loaded for a whole page of entries at once.

An entry's `target` is a post URI, an actor URI, a held activity's URI, "report 12", a domain, a local name,
or a few words; which one follows from the action's family ("post.removed" → a post). A page of entries
costs a fixed number of queries, whatever its length: one per kind of target found on it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from federation.protocol.common import id_of
from models.actors import Actor
from models.groups import HeldActivity
from models.moderation import ModLogEntry, Report
from models.posts import Post

# Families whose target is an actor's URI.
ACTOR_FAMILIES = frozenset({"member", "moderator", "join", "actor", "user"})
_REPORT = re.compile(r"report (\d{1,18})")


@dataclass
class Targets:
    posts: dict[str, Post] = field(default_factory=dict)  # by URI, with authors
    actors: dict[str, Actor] = field(default_factory=dict)  # by URI
    held: dict[str, HeldActivity] = field(default_factory=dict)  # by activity URI, with authors
    reports: dict[int, Report] = field(default_factory=dict)  # by id, with the reported account
    accounts: dict[str, Actor] = field(default_factory=dict)  # local people by name (sign-ups)

    def held_post(self, item: HeldActivity) -> Post | None:
        """The post a held item became once approved, if it exists."""
        object_id = id_of(item.activity.get("object")) if isinstance(item.activity, dict) else None
        return self.posts.get(object_id) if object_id else None


def report_id(target: str) -> int | None:
    match = _REPORT.fullmatch(target.strip())
    return int(match.group(1)) if match else None


def _is_uri(target: str) -> bool:
    return target.startswith(("https://", "http://"))


async def load_targets(entries: Sequence[ModLogEntry]) -> Targets:
    """The posts, actors, held items, reports and accounts a page of entries names."""
    post_uris: set[str] = set()
    actor_uris: set[str] = set()
    held_uris: set[str] = set()
    report_ids: set[int] = set()
    names: set[str] = set()
    for entry in entries:
        family, target = entry.action.split(".", 1)[0], (entry.target or "").strip()
        if not target:
            continue
        if family == "post":
            post_uris.add(target)
        elif family == "held":
            held_uris.add(target)
        elif family == "report":
            number = report_id(target)
            if number is not None:
                report_ids.add(number)
        elif family == "registration":
            names.add(target.lower())
        elif family in ACTOR_FAMILIES:
            actor_uris.add(target)
        elif _is_uri(target):  # an action this module does not know yet: its target may still be named
            post_uris.add(target)
            actor_uris.add(target)
    found = Targets()
    if held_uris:
        for item in await HeldActivity.filter(activity_uri__in=held_uris).prefetch_related("actor"):
            found.held[item.activity_uri] = item
            object_id = id_of(item.activity.get("object")) if isinstance(item.activity, dict) else None
            if object_id:
                post_uris.add(object_id)
    if post_uris:
        found.posts = {post.uri: post for post in await Post.filter(uri__in=post_uris).prefetch_related("author")}
    if actor_uris:
        found.actors = {actor.uri: actor for actor in await Actor.filter(uri__in=actor_uris)}
    if report_ids:
        found.reports = {row.id: row for row in await Report.filter(id__in=report_ids).prefetch_related("target_actor")}
    if names:
        found.accounts = {actor.local_name or "": actor
                          for actor in await Actor.filter(local_name__in=names, is_local=True, type="Person")}
    return found
