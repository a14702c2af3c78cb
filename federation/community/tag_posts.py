"""A group's posts by the members holding one member tag (`/groups/{name}?tag=`, the API's `?member_tag=`).

The tag narrows a query that federation/audience.py already built (`visible_posts`): it only ever removes
posts, so it can never show what the viewer may not see. Tags are a local group's (defined ones by id, the
computed ones by code: new, active, top); on any other group, or for an unknown tag, `chosen_tag` answers None.
"""
from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q, Subquery

from federation.community.members_tags import ACTIVE, COMPUTED, COMPUTED_NAMES, NEW, TOP, GroupTags
from models.actors import Actor
from models.member_tags import MemberTag, MemberTagging

MAX_TAG_PARAM = 20


@dataclass(frozen=True)
class ChosenTag:
    """The tag a Posts tab is narrowed to: `code` as in the URL, `name` (computed ones in English, translated by
    the page), `computed`, and the filter on posts' authors."""

    code: str
    name: str
    computed: bool
    authors: Q


async def chosen_tag(group: Actor, raw: str | None) -> ChosenTag | None:
    """The tag `raw` names in this group ("new", "active", "top" or a defined tag's id), or None."""
    code = (raw or "").strip().lower()[:MAX_TAG_PARAM]
    if not code or not group.is_local:
        return None
    tags = GroupTags(group)
    if code in COMPUTED:
        if code == NEW:
            authors = Q(author_id__in=tags.new_members())
        elif code == ACTIVE:
            authors = Q(author_id__in=tags.active_members())
        else:
            assert code == TOP
            authors = Q(author_id__in=await tags.top_contributors() or [0])
        return ChosenTag(code, COMPUTED_NAMES[code], True, authors)
    if not code.isdigit():
        return None
    tag = await MemberTag.filter(id=int(code), group_id=group.id).first()
    if tag is None:
        return None
    holders = Subquery(MemberTagging.filter(tag_id=tag.id, group_id=group.id).values("actor_id"))
    return ChosenTag(str(tag.id), tag.name, False, Q(author_id__in=holders))
