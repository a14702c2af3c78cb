"""A page's admins ask to promote a post and may withdraw; the instance's admins approve or reject.

Each action is one transaction; decisions are recorded in the moderation log (private entries: which page
asked to promote what is for the admins and the page, and the page reads the reason on its own list)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from federation import audience, modlog
from federation.local_actors import can_act_as
from federation.promotions import PromotionError
from federation.promotions.policy import OFF, OPEN, current_policy
from federation.queue import utcnow
from federation.vocab import SERVICE
from models.actors import Actor
from models.posts import Post
from models.promotions import (
    APPROVED, ENDED, MAX_DAYS, MIN_DAYS, REJECTED, REQUESTED, RUNNING, SCHEDULED, WITHDRAWN, Promotion,
)

MAX_REASON = 1000
# How far ahead a page may ask its promotion to start.
MAX_LEAD_DAYS = 60


def shown_state(promotion: Promotion, now: datetime | None = None) -> str:
    """The state people read: an approved promotion is scheduled, running or ended by the clock."""
    if promotion.state != APPROVED:
        return promotion.state
    moment = now or utcnow()
    if promotion.starts_at is not None and moment < promotion.starts_at:
        return SCHEDULED
    if promotion.ends_at is not None and moment >= promotion.ends_at:
        return ENDED
    return RUNNING


def running_filter(now: datetime) -> Q:
    return Q(state=APPROVED, starts_at__lte=now, ends_at__gt=now)


def open_filter(now: datetime) -> Q:
    """Requested, or approved and not ended yet: a post has at most one such promotion."""
    return Q(state=REQUESTED) | Q(state=APPROVED, ends_at__gt=now)


async def promotable(page: Actor, post: Post) -> bool:
    """A page's own public post, neither deleted nor removed."""
    return (post.author_id == page.id and post.visibility == "public" and post.deleted_at is None
            and post.removed_at is None and page.type == SERVICE and page.is_local and page.deleted_at is None)


async def page_admin_of(user: Actor, page: Actor) -> bool:
    return page.type == SERVICE and page.is_local and user.id != page.id and await can_act_as(user, page)


async def request_promotion(
    page: Actor, user: Actor, post: Post, *, days: int, wanted_start: datetime | None = None,
) -> Promotion:
    """A page admin asks to promote one of the page's public posts for `days` days (from `wanted_start`, or
    as soon as it is approved). Under the open policy it is approved at once."""
    if not await page_admin_of(user, page) and user.id != page.id:
        raise PromotionError("Only the page's admins can promote its posts.", status=403)
    policy = await current_policy()
    if policy.mode == OFF:
        raise PromotionError("Promotion is turned off on this server.", status=403)
    if not await promotable(page, post):
        raise PromotionError("Only the page's own public posts can be promoted.")
    if not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise PromotionError("A promotion lasts from 1 to 30 days.")
    now = utcnow()
    if wanted_start is not None:
        if wanted_start > now + timedelta(days=MAX_LEAD_DAYS):
            raise PromotionError("A promotion can start at most 60 days from now.")
        if wanted_start <= now:
            wanted_start = None
    async with in_transaction():
        if await Promotion.filter(open_filter(now), post_id=post.id).exists():
            raise PromotionError("This post has a promotion already: withdraw it first.", status=409)
        promotion = await Promotion.create(page=page, post=post, requested_by=user, days=days,
                                           wanted_start=wanted_start)
        if policy.mode == OPEN:
            await _approve(promotion, None, now, reason="")
    return promotion


async def _approve(promotion: Promotion, admin: Actor | None, now: datetime, reason: str) -> None:
    starts = max(now, promotion.wanted_start) if promotion.wanted_start else now
    promotion.state, promotion.starts_at = APPROVED, starts
    promotion.ends_at = starts + timedelta(days=promotion.days)
    promotion.decided_by, promotion.decided_at, promotion.reason = admin, now, reason
    await promotion.save(update_fields=["state", "starts_at", "ends_at", "decided_by_id", "decided_at", "reason"])


async def _requested(promotion_id: int) -> Promotion:
    promotion = await Promotion.filter(id=promotion_id).select_for_update().first()
    if promotion is None:
        raise PromotionError("There is no such promotion.", status=404)
    if promotion.state != REQUESTED:
        raise PromotionError("This promotion was decided already.", status=409)
    return promotion


async def approve(promotion_id: int, admin: Actor, reason: str = "") -> Promotion:
    reason = reason.strip()[:MAX_REASON]
    async with in_transaction():
        promotion = await _requested(promotion_id)
        await promotion.fetch_related("post")
        if not await promotable(await Actor.get(id=promotion.page_id), promotion.post):
            raise PromotionError("The post can no longer be promoted: it is gone or no longer public.")
        await _approve(promotion, admin, utcnow(), reason)
        await modlog.record("promotion.approved", moderator=admin, target=promotion.post.uri, reason=reason,
                            public=False, promotion=promotion.id, days=promotion.days)
    return promotion


async def reject(promotion_id: int, admin: Actor, reason: str = "") -> Promotion:
    reason = reason.strip()[:MAX_REASON]
    async with in_transaction():
        promotion = await _requested(promotion_id)
        await promotion.fetch_related("post")
        promotion.state, promotion.decided_by, promotion.decided_at, promotion.reason = REJECTED, admin, utcnow(), reason
        await promotion.save(update_fields=["state", "decided_by_id", "decided_at", "reason"])
        await modlog.record("promotion.rejected", moderator=admin, target=promotion.post.uri, reason=reason,
                            public=False, promotion=promotion.id)
    return promotion


async def withdraw(promotion_id: int, user: Actor, page: Actor) -> Promotion:
    """The page's admins take back a request, or stop a scheduled or running promotion (its period ends now)."""
    if not await page_admin_of(user, page) and user.id != page.id:
        raise PromotionError("Only the page's admins can withdraw its promotions.", status=403)
    now = utcnow()
    async with in_transaction():
        promotion = await Promotion.filter(id=promotion_id, page_id=page.id).select_for_update().first()
        if promotion is None:
            raise PromotionError("There is no such promotion.", status=404)
        if shown_state(promotion, now) not in (REQUESTED, SCHEDULED, RUNNING):
            raise PromotionError("This promotion is over already.", status=409)
        if promotion.state == APPROVED and promotion.ends_at is not None:
            promotion.ends_at = max(min(promotion.ends_at, now), promotion.starts_at or now)
        promotion.state = WITHDRAWN
        await promotion.save(update_fields=["state", "ends_at"])
    return promotion


@dataclass(frozen=True)
class Listing:
    requested: list[Promotion]
    current: list[Promotion]  # approved, scheduled or running
    history: list[Promotion]
    public_post_ids: set[int]  # the posts anyone may still see (the others' text is not shown)


async def admin_listing(limit: int = 50) -> Listing:
    """The queue for the instance's admins: requests (oldest first), the current ones, and recent history."""
    now = utcnow()
    related = ("page", "post", "requested_by", "decided_by")
    requested = await Promotion.filter(state=REQUESTED).order_by("id").limit(limit).prefetch_related(*related)
    current = await Promotion.filter(state=APPROVED, ends_at__gt=now).order_by("starts_at", "id") \
        .limit(limit).prefetch_related(*related)
    history = await Promotion.filter(
        Q(state__in=(REJECTED, WITHDRAWN)) | Q(state=APPROVED, ends_at__lte=now)
    ).order_by("-id").limit(limit).prefetch_related(*related)
    post_ids = [p.post_id for p in (*requested, *current, *history)]
    return Listing(list(requested), list(current), list(history),
                   await audience.visible_ids(post_ids, audience.ANONYMOUS))
