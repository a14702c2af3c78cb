"""Member tags: the ones a group's moderators define and give, and the ones Moot computes.

Computed tags (New, Active, Top contributor) come from a few grouped queries per group and request
(`GroupTags` caches them), never one query per member. Tags stay on this server: nothing here federates
(docs/federation.md, "Member tags").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.functions import Count

from federation import modlog
from federation.actions.statuses import ActionError
from federation.groups.access import is_moderator
from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.groups import GroupRole
from models.member_tags import MAX_TAG_NAME, MAX_TAGS_PER_GROUP, MemberTag, MemberTagging
from models.posts import LIKE, Interaction, Post

NEW = "new"
ACTIVE = "active"
TOP = "top"
COMPUTED = (NEW, ACTIVE, TOP)
# The English names of the computed tags (templates translate them).
COMPUTED_NAMES = {NEW: "New", ACTIVE: "Active", TOP: "Top contributor"}
NEW_DAYS = 14
ACTIVE_DAYS = 30
TOP_DAYS = 90
TOP_COUNT = 5
# How many authors each grouped query of the top contributors reads at most.
TOP_SCAN = 500


@dataclass(frozen=True)
class TagLabel:
    """One tag beside a name: `kind` is "custom" (defined by moderators, `tag_id` set) or a computed one."""

    name: str
    kind: str = "custom"
    tag_id: int | None = None


def joined_since(since: datetime, prefix: str = "") -> Q:
    """Memberships accepted at or after `since` (a membership without an acceptance time counts from its creation)."""
    return Q(**{f"{prefix}accepted_at__gte": since}) | Q(**{f"{prefix}accepted_at__isnull": True,
                                                            f"{prefix}created_at__gte": since})


def joined_before(until: datetime) -> Q:
    return Q(accepted_at__lt=until) | Q(accepted_at__isnull=True, created_at__lt=until)


@dataclass
class GroupTags:
    """The tags of one group's members, for one request: computed sets are read once and kept."""

    group: Actor
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    _top: list[int] | None = None

    def new_members(self) -> Subquery:
        since = self.now - timedelta(days=NEW_DAYS)
        return Subquery(Follow.filter(joined_since(since), target_id=self.group.id, state=ACCEPTED)
                        .values("follower_id"))

    def active_members(self) -> Subquery:
        since = self.now - timedelta(days=ACTIVE_DAYS)
        return Subquery(Post.filter(group_id=self.group.id, published__gte=since, deleted_at=None,
                                    removed_at=None).values("author_id"))

    async def top_contributors(self) -> list[int]:
        """The few members whose posts drew the most replies and likes in the group over 90 days: two grouped queries."""
        if self._top is not None:
            return self._top
        since = self.now - timedelta(days=TOP_DAYS)
        replies = await (Post.filter(group_id=self.group.id, in_reply_to__group_id=self.group.id, published__gte=since,
                                     deleted_at=None, removed_at=None)
                         .annotate(n=Count("id")).group_by("in_reply_to__author_id").order_by("-n").limit(TOP_SCAN)
                         .values("in_reply_to__author_id", "n"))
        likes = await (Interaction.filter(kind=LIKE, post__group_id=self.group.id, created_at__gte=since)
                       .annotate(n=Count("id")).group_by("post__author_id").order_by("-n").limit(TOP_SCAN)
                       .values("post__author_id", "n"))
        score: dict[int, int] = {}
        for row in replies:
            if row["in_reply_to__author_id"] is not None:
                score[row["in_reply_to__author_id"]] = score.get(row["in_reply_to__author_id"], 0) + row["n"]
        for row in likes:
            score[row["post__author_id"]] = score.get(row["post__author_id"], 0) + row["n"]
        ranked = sorted((n, -actor_id) for actor_id, n in score.items() if n > 0)
        self._top = [-negated for _, negated in reversed(ranked)][:TOP_COUNT]
        return self._top

    async def filter_for(self, tag: str) -> Q | None:
        """A filter on actor ids for a tag choice ("new", "active", "top" or a tag id); None if it names nothing."""
        if tag == NEW:
            return Q(id__in=self.new_members())
        if tag == ACTIVE:
            return Q(id__in=self.active_members())
        if tag == TOP:
            return Q(id__in=await self.top_contributors() or [0])
        if tag.isdigit() and await MemberTag.filter(id=int(tag), group_id=self.group.id).exists():
            return Q(id__in=Subquery(MemberTagging.filter(tag_id=int(tag)).values("actor_id")))
        return None

    async def labels(self, actor_ids: Iterable[int]) -> dict[int, list[TagLabel]]:
        """Every tag of these actors in the group: four queries whatever the number of actors."""
        ids = sorted(set(actor_ids))
        result: dict[int, list[TagLabel]] = {actor_id: [] for actor_id in ids}
        if not ids:
            return result
        for tagging in await (MemberTagging.filter(group_id=self.group.id, actor_id__in=ids)
                              .order_by("tag__name").prefetch_related("tag")):
            result[tagging.actor_id].append(TagLabel(tagging.tag.name, "custom", tagging.tag_id))
        top = set(await self.top_contributors())
        new = set(await Follow.filter(joined_since(self.now - timedelta(days=NEW_DAYS)), target_id=self.group.id,
                                      state=ACCEPTED, follower_id__in=ids).values_list("follower_id", flat=True))
        active = set(await Post.filter(group_id=self.group.id, author_id__in=ids, deleted_at=None, removed_at=None,
                                       published__gte=self.now - timedelta(days=ACTIVE_DAYS))
                     .distinct().values_list("author_id", flat=True))
        for actor_id in ids:
            for kind, chosen in ((TOP, top), (ACTIVE, active), (NEW, new)):
                if actor_id in chosen:
                    result[actor_id].append(TagLabel(COMPUTED_NAMES[kind], kind))
        return result


async def tags_beside_posts(group: Actor | None, authors: Iterable[int]) -> dict[int, list[TagLabel]]:
    """The tags shown beside authors' names on a group's page or thread (callers already checked who may read it)."""
    if group is None or not group.is_local:
        return {}
    return await GroupTags(group).labels(authors)


# --- moderators' actions --------------------------------------------------------------------


async def _require_moderator(group: Actor, moderator: Actor | None) -> None:
    if not group.is_local:
        raise ActionError("this group is moderated on its own server", status=422)
    if moderator is not None and not await is_moderator(group, moderator):
        raise ActionError("only the group's moderators can do this", status=403)


def clean_tag_name(raw: object) -> str:
    name = " ".join(str(raw or "").split())
    if not name:
        raise ActionError("give the tag a name", status=422)
    if len(name) > MAX_TAG_NAME:
        raise ActionError("a tag name has at most 40 characters", status=422)  # MAX_TAG_NAME
    return name


async def define_tag(moderator: Actor | None, group: Actor, raw_name: object) -> MemberTag:
    """A new tag for the group (moderator None: the command line, acting for the instance)."""
    await _require_moderator(group, moderator)
    name = clean_tag_name(raw_name)
    if await MemberTag.filter(group=group, name__iexact=name).exists():
        raise ActionError("the group already has a tag by that name", status=409)
    if await MemberTag.filter(group=group).count() >= MAX_TAGS_PER_GROUP:
        raise ActionError("a group has at most 50 tags", status=422)  # MAX_TAGS_PER_GROUP
    try:
        tag = await MemberTag.create(group=group, name=name)
    except IntegrityError:
        raise ActionError("the group already has a tag by that name", status=409) from None
    await modlog.record("member_tag.defined", moderator=moderator, target=name, group=group)
    return tag


async def rename_tag(moderator: Actor | None, group: Actor, tag_ref: object, raw_name: object) -> MemberTag:
    await _require_moderator(group, moderator)
    tag = await group_tag(group, tag_ref)
    name = clean_tag_name(raw_name)
    if name == tag.name:
        return tag
    if await MemberTag.filter(group=group, name__iexact=name).exclude(id=tag.id).exists():
        raise ActionError("the group already has a tag by that name", status=409)
    old_name, tag.name = tag.name, name
    await MemberTag.filter(id=tag.id).update(name=name)
    await modlog.record("member_tag.renamed", moderator=moderator, target=name, group=group, old_name=old_name)
    return tag


async def group_tag(group: Actor, tag_ref: object) -> MemberTag:
    """One of the group's tags by id or by name."""
    text = str(tag_ref or "").strip()
    query = MemberTag.filter(group=group)
    tag = await (query.filter(id=int(text)) if text.isdigit() else query.filter(name__iexact=" ".join(text.split()))).first()
    if tag is None:
        raise ActionError("the group has no such tag", status=404)
    return tag


async def delete_tag(moderator: Actor | None, group: Actor, tag_ref: object) -> None:
    await _require_moderator(group, moderator)
    tag = await group_tag(group, tag_ref)
    await tag.delete()
    await modlog.record("member_tag.deleted", moderator=moderator, target=tag.name, group=group)


async def _require_in_group(group: Actor, target: Actor) -> None:
    if not (await Follow.filter(target=group, follower=target, state=ACCEPTED).exists()
            or await GroupRole.filter(group=group, actor=target).exists()):
        raise ActionError("only members of the group can carry its tags", status=422)


async def assign_tag(moderator: Actor | None, group: Actor, target: Actor, tag_ref: object) -> MemberTag:
    await _require_moderator(group, moderator)
    tag = await group_tag(group, tag_ref)
    await _require_in_group(group, target)
    _, created = await MemberTagging.get_or_create(tag=tag, actor=target, defaults={"group": group})
    if created:
        await modlog.record("member_tag.given", moderator=moderator, target=target.uri, group=group, tag=tag.name)
    return tag


async def unassign_tag(moderator: Actor | None, group: Actor, target: Actor, tag_ref: object) -> None:
    await _require_moderator(group, moderator)
    tag = await group_tag(group, tag_ref)
    if await MemberTagging.filter(tag=tag, actor=target).delete():
        await modlog.record("member_tag.taken", moderator=moderator, target=target.uri, group=group, tag=tag.name)


async def defined_tags(group: Actor) -> list[MemberTag]:
    return list(await MemberTag.filter(group=group).order_by("name"))
