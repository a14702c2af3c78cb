"""The members directory for a group's moderators: filter by name, role, tag, join date and standing.

A page of rows costs a fixed number of queries (the filtered page, then roles, memberships, bans, mutes
and tags of the people on it), never one per member.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.expressions import Q, Subquery

from federation.community.members_tags import GroupTags, TagLabel, joined_before, joined_since
from federation.groups.access import unexpired
from models.actors import Actor
from models.follows import ACCEPTED, PENDING, Follow
from models.groups import MODERATOR, OWNER, GroupBan, GroupMute, GroupRole

ROLES = ("owner", "moderator", "member")
STANDINGS = ("member", "pending", "banned", "muted")
PAGE_SIZE = 50
MAX_QUERY = 100


@dataclass
class DirectoryFilter:
    """What a moderator asked for; every field empty lists the members and moderators."""

    query: str = ""
    role: str = ""
    tag: str = ""
    standing: str = ""
    joined_after: datetime | None = None
    joined_before: datetime | None = None
    page: int = 1

    def __post_init__(self) -> None:
        self.query = " ".join(self.query.split())[:MAX_QUERY]
        self.role = self.role if self.role in ROLES else ""
        self.standing = self.standing if self.standing in STANDINGS else ""
        self.page = max(1, self.page)

    @property
    def active(self) -> bool:
        return bool(self.query or self.role or self.tag or self.standing or self.joined_after or self.joined_before)


@dataclass
class MemberRow:
    actor: Actor
    role: str = ""  # owner, moderator or empty
    state: str = ""  # accepted, pending or empty (banned or a moderator without a membership)
    joined: datetime | None = None
    ban: GroupBan | None = None
    mute: GroupMute | None = None
    tags: list[TagLabel] = field(default_factory=list)


@dataclass
class DirectoryPage:
    rows: list[MemberRow]
    more: bool
    tags: GroupTags


def _search(text: str) -> Q:
    """A name, a handle (name or name@host) or a server: what people type to find someone."""
    name, _, host = text.lstrip("@").partition("@")
    if host:
        return Q(username__iexact=name, domain__icontains=host)
    return Q(username__icontains=text) | Q(display_name__icontains=text) | Q(domain__icontains=text)


def _in(query: Any, column: str) -> Q:
    return Q(id__in=Subquery(query.values(column)))


async def directory(group: Actor, chosen: DirectoryFilter, tags: GroupTags | None = None) -> DirectoryPage:
    tags = tags or GroupTags(group)
    follows = Follow.filter(target_id=group.id)
    roles = GroupRole.filter(group_id=group.id)
    if chosen.standing == "pending":
        query = Actor.filter(_in(follows.filter(state=PENDING), "follower_id"))
    elif chosen.standing == "banned":
        query = Actor.filter(_in(GroupBan.filter(unexpired(), group_id=group.id), "actor_id"))
    elif chosen.standing == "muted":
        query = Actor.filter(_in(GroupMute.filter(unexpired(), group_id=group.id), "actor_id"))
    else:
        query = Actor.filter(_in(follows.filter(state=ACCEPTED), "follower_id") | _in(roles, "actor_id"))
    query = query.filter(deleted_at=None)
    if chosen.query:
        query = query.filter(_search(chosen.query))
    if chosen.role == "member":
        query = query.exclude(_in(roles, "actor_id"))
    elif chosen.role:
        query = query.filter(_in(roles.filter(role=OWNER if chosen.role == "owner" else MODERATOR), "actor_id"))
    if chosen.joined_after is not None:
        query = query.filter(_in(follows.filter(joined_since(chosen.joined_after)), "follower_id"))
    if chosen.joined_before is not None:
        query = query.filter(_in(follows.filter(joined_before(chosen.joined_before)), "follower_id"))
    if chosen.tag:
        tag_filter = await tags.filter_for(chosen.tag)
        query = query.filter(tag_filter if tag_filter is not None else Q(id__in=[0]))
    actors = await query.order_by("username", "id").offset((chosen.page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    more = len(actors) > PAGE_SIZE
    actors = actors[:PAGE_SIZE]
    return DirectoryPage(await member_rows(group, actors, tags), more, tags)


async def member_rows(group: Actor, actors: list[Actor], tags: GroupTags) -> list[MemberRow]:
    ids = [actor.id for actor in actors]
    if not ids:
        return []
    role_of = {r.actor_id: r.role for r in await GroupRole.filter(group_id=group.id, actor_id__in=ids)}
    follow_of = {f.follower_id: f for f in await Follow.filter(target_id=group.id, follower_id__in=ids)}
    ban_of = {b.actor_id: b for b in await GroupBan.filter(unexpired(), group_id=group.id, actor_id__in=ids)}
    mute_of = {m.actor_id: m for m in await GroupMute.filter(unexpired(), group_id=group.id, actor_id__in=ids)}
    labels = await tags.labels(ids)
    rows = []
    for actor in actors:
        follow = follow_of.get(actor.id)
        rows.append(MemberRow(
            actor=actor, role=role_of.get(actor.id, ""), state=follow.state if follow else "",
            joined=(follow.accepted_at or follow.created_at) if follow else None,
            ban=ban_of.get(actor.id), mute=mute_of.get(actor.id), tags=labels.get(actor.id, []),
        ))
    return rows
