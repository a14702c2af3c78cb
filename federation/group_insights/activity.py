"""Who takes part: the top contributors of a period (posts and replies over its finished days), kept by the
rollup for each period length so that a page reads ten rows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tortoise.expressions import F
from tortoise.functions import Sum

from federation.group_insights.days import PERIODS
from models.actors import Actor
from models.group_insights import GroupMemberDay, GroupTopContributor

TOP_CONTRIBUTORS = 10


@dataclass(frozen=True)
class Contributor:
    actor: Actor
    posts: int
    replies: int

    @property
    def total(self) -> int:
        return self.posts + self.replies


async def count_top(group_id: int, until: date) -> list[GroupTopContributor]:
    """The leaders of the finished days of each period length, for periods whose last finished day is `until`."""
    rows = []
    for days in PERIODS:
        first = until - timedelta(days=days - 2)  # a period of `days` days ends today: days - 1 of them are over
        leaders = await (GroupMemberDay.filter(group_id=group_id, day__gte=first, day__lte=until)
                         .annotate(p=Sum("posts"), r=Sum("replies"), t=Sum(F("posts") + F("replies")))
                         .group_by("actor_id").order_by("-t", "actor_id").limit(TOP_CONTRIBUTORS)
                         .values_list("actor_id", "p", "r"))
        rows += [GroupTopContributor(group_id=group_id, days=days, until=until, actor_id=actor_id,
                                     posts=int(posts or 0), replies=int(replies or 0))
                 for actor_id, posts, replies in leaders if (posts or replies)]
    return rows


async def top_contributors(group_id: int, days: int, today: date) -> list[Contributor]:
    rows = await (GroupTopContributor.filter(group_id=group_id, days=days, until=today - timedelta(days=1))
                  .prefetch_related("actor"))
    ranked = sorted(rows, key=lambda row: (-(row.posts + row.replies), row.actor_id))
    return [Contributor(row.actor, row.posts, row.replies) for row in ranked]
