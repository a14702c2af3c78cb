"""Page insights: reach, engagement and follower growth, from follows, follow events and interactions."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from models.actors import Actor
from models.follows import ACCEPTED, Follow
from models.insights import FOLLOWED, UNFOLLOWED, FollowEvent
from models.posts import ANNOUNCE, LIKE, REPLY, Interaction, Post


@dataclass(frozen=True)
class PostInsight:
    post: Post
    likes: int
    boosts: int
    replies: int

    @property
    def engagement(self) -> int:
        return self.likes + self.boosts + self.replies


@dataclass(frozen=True)
class Insights:
    followers: int
    servers: int  # distinct servers the followers are on: how far a post travels
    growth: list[tuple[str, int, int]]  # (day, gained, lost), oldest first
    posts: list[PostInsight]


async def page_insights(page: Actor, days: int = 30, post_limit: int = 20) -> Insights:
    since = datetime.now(timezone.utc) - timedelta(days=days)
    domains = await Follow.filter(target=page, state=ACCEPTED).values_list("follower__domain", flat=True)
    gained: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    for kind, created in await FollowEvent.filter(target=page, created_at__gte=since).values_list("kind", "created_at"):
        (gained if kind == FOLLOWED else lost if kind == UNFOLLOWED else Counter())[created.date().isoformat()] += 1
    first_day = since.date()
    growth = [
        (day.isoformat(), gained[day.isoformat()], lost[day.isoformat()])
        for day in (first_day + timedelta(days=offset) for offset in range(days + 1))
    ]
    posts = await Post.filter(author=page, deleted_at=None).order_by("-published").limit(post_limit)
    counts: Counter[tuple[int, str]] = Counter(
        (post_id, kind)
        for post_id, kind in await Interaction.filter(post_id__in=[p.id for p in posts]).values_list("post_id", "kind")
    )
    return Insights(
        followers=len(domains),
        servers=len(set(domains)),
        growth=growth,
        posts=[PostInsight(p, counts[(p.id, LIKE)], counts[(p.id, ANNOUNCE)], counts[(p.id, REPLY)]) for p in posts],
    )
