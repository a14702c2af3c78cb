"""The "From pages" slot: which running promotion a viewer sees, and the counters it moves.

Nothing here keeps who saw or clicked what. A render adds one to the promotion's impressions and, for a
signed-in local person, one to that person's count for the day (PromotionViewDay, no post or page in it),
which is what the daily cap reads; those day rows are purged after PURGE_AFTER_DAYS."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from federation import audience
from federation.people import personal_filters
from federation.promotions.policy import current_policy
from federation.promotions.requests import running_filter
from federation.queue import utcnow
from models.actors import Actor, PageRole
from models.posts import Post
from models.promotions import Promotion, PromotionViewDay

PURGE_AFTER_DAYS = 3
# How many running promotions are considered per render (the least shown first).
CANDIDATES = 20


@dataclass(frozen=True)
class PromotedSlot:
    promotion: Promotion
    post: Post
    page: Actor


async def _pages_not_for(viewer: Actor | None) -> set[int]:
    """Pages whose promotions this viewer never sees: the pages it acts for (itself included). The pages it blocks
    or mutes are left out by the query itself (pick_for), however many accounts that is."""
    if viewer is None:
        return set()
    managed = await PageRole.filter(user_id=viewer.id).values_list("page_id", flat=True)
    return {viewer.id, *managed}


async def shown_today(viewer: Actor) -> int:
    row = await PromotionViewDay.filter(account_id=viewer.id, day=utcnow().date()).first()
    return row.shown if row is not None else 0


async def pick_for(viewer: Actor | None, *, count: bool = True) -> PromotedSlot | None:
    """The promotion to show this viewer now (the least shown running one it may see), or None: the policy is
    off, the viewer reached the daily cap, or nothing fits. `count` records the impression."""
    policy = await current_policy()
    if policy.is_off or policy.daily_cap <= 0:
        return None
    if viewer is not None and await shown_today(viewer) >= policy.daily_cap:
        return None
    now = utcnow()
    excluded = await _pages_not_for(viewer)
    # Not from the pages the viewer blocks or mutes (federation/people/personal_filters.py).
    query = Promotion.filter(running_filter(now), personal_filters.hidden_q(viewer, "page_id"), page__deleted_at=None)
    if excluded:
        query = query.exclude(page_id__in=list(excluded))
    candidates = await query.order_by("impressions", "id").limit(CANDIDATES)
    if not candidates:
        return None
    # Who may see each post is federation/audience.py's: listed (not limited, not direct) and still public.
    allowed = set(await Post.filter(audience.listed_posts(audience.viewer_of(viewer)), visibility="public",
                                    id__in=[c.post_id for c in candidates]).values_list("id", flat=True))
    chosen = next((c for c in candidates if c.post_id in allowed), None)
    if chosen is None:
        return None
    post = await Post.get(id=chosen.post_id).prefetch_related("author")
    if count:
        await count_impression(chosen, viewer)
    return PromotedSlot(promotion=chosen, post=post, page=post.author)


async def count_impression(promotion: Promotion, viewer: Actor | None) -> None:
    """One render: the promotion's counter, and the person's count for today (for the cap)."""
    today = utcnow().date()
    async with in_transaction():
        await Promotion.filter(id=promotion.id).update(impressions=F("impressions") + 1)
        if viewer is None:
            return
        updated = await PromotionViewDay.filter(account_id=viewer.id, day=today).update(shown=F("shown") + 1)
        if updated:
            return
    # The person's first promotion today: a new row, and the old days go.
    try:
        async with in_transaction():
            await PromotionViewDay.create(account_id=viewer.id, day=today, shown=1)
            await PromotionViewDay.filter(day__lt=today - timedelta(days=PURGE_AFTER_DAYS)).delete()
    except IntegrityError:  # another render made today's row first
        await PromotionViewDay.filter(account_id=viewer.id, day=today).update(shown=F("shown") + 1)


async def follow_click(promotion_id: int, viewer: Actor | None) -> Post | None:
    """A click on the slot: the post to go to (None, a 404, when the promotion is unknown or its post is not
    for this viewer). It counts while the promotion runs, and never for the page's own admins."""
    promotion = await Promotion.filter(id=promotion_id).first()
    if promotion is None:
        return None
    post = await Post.filter(audience.visible_posts(audience.viewer_of(viewer)), id=promotion.post_id).first()
    if post is None:
        return None
    running = await Promotion.filter(running_filter(utcnow()), id=promotion.id).exists()
    if running and promotion.page_id not in await _pages_not_for(viewer) \
            and not await personal_filters.hidden_among(viewer, [promotion.page_id]):
        await Promotion.filter(id=promotion.id).update(clicks=F("clicks") + 1)
    return post
