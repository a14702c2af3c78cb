"""The figures of a page's promotions, for its insights: counts only, nothing about who."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from federation import audience
from federation.promotions.requests import shown_state
from federation.queue import utcnow
from models.actors import Actor
from models.posts import ANNOUNCE, LIKE, REPLY, Interaction, Post
from models.promotions import Promotion

ENGAGING = (LIKE, ANNOUNCE, REPLY)


@dataclass(frozen=True)
class PromotionStats:
    promotion: Promotion
    post: Post
    state: str
    starts_at: datetime | None
    ends_at: datetime | None
    impressions: int
    clicks: int
    engagement: int  # likes, boosts and replies the post got while promoted
    post_public: bool = True  # may anyone still see the post? (else its text is not shown with the figures)

    @property
    def click_through_rate(self) -> float | None:
        """Clicks per impression (0.0 to 1.0), None before any impression."""
        return self.clicks / self.impressions if self.impressions else None


async def promotion_stats(page: Actor, since: datetime | None = None, until: datetime | None = None) \
        -> list[PromotionStats]:
    """Each of the page's promotions whose period (or, before approval, its request) falls in [since, until),
    newest first, with its counters and the engagement its post got during the period."""
    query = Promotion.filter(page_id=page.id)
    if since is not None:
        query = query.filter(Q(ends_at__gt=since) | Q(ends_at=None, created_at__gte=since))
    if until is not None:
        query = query.filter(Q(starts_at__lt=until) | Q(starts_at=None, created_at__lt=until))
    promotions = await query.order_by("-created_at", "-id").prefetch_related("post")
    now = utcnow()
    public = await audience.visible_ids([p.post_id for p in promotions], audience.ANONYMOUS)
    result = []
    for promotion in promotions:
        engagement = 0
        if promotion.starts_at is not None and promotion.ends_at is not None and promotion.starts_at < now:
            engagement = await Interaction.filter(
                post_id=promotion.post_id, kind__in=ENGAGING, created_at__gte=promotion.starts_at,
                created_at__lt=min(promotion.ends_at, now),
            ).count()
        result.append(PromotionStats(
            promotion=promotion, post=promotion.post, state=shown_state(promotion, now),
            starts_at=promotion.starts_at, ends_at=promotion.ends_at, impressions=promotion.impressions,
            clicks=promotion.clicks, engagement=engagement, post_public=promotion.post_id in public,
        ))
    return result
