"""Promotion: the policy (off, after approval, open), decisions in the moderation log, withdrawal, the daily cap
per person (hand-counted), exact impression and click counters, and who never sees a promotion."""
from __future__ import annotations

from datetime import timedelta

import pytest

from federation.actions import StatusInput, create_status, like
from federation.promotions import PromotionError
from federation.promotions.policy import APPROVAL, OFF, OPEN, current_policy, set_policy
from federation.promotions.requests import admin_listing, approve, reject, request_promotion, shown_state, withdraw
from federation.promotions.showing import follow_click, pick_for
from federation.promotions.stats import promotion_stats
from federation.queue import utcnow
from models.actors import Actor
from models.moderation import ModLogEntry
from models.posts import Interaction, Post
from models.promotions import APPROVED, REJECTED, REQUESTED, WITHDRAWN, Promotion, PromotionViewDay
from tests.conftest import MootInstance
from tests.promotions.helpers import build


async def test_policy_off_approval_and_open(moot: MootInstance) -> None:
    w = await build(moot)
    assert (await current_policy()).mode == APPROVAL and (await current_policy()).daily_cap == 3
    # Off: nobody may ask, and nothing shows.
    await set_policy(w.admin, mode=OFF, daily_cap=3)
    with pytest.raises(PromotionError) as refused:
        await request_promotion(w.page, w.owner, w.post, days=7)
    assert refused.value.status == 403
    assert await Promotion.all().count() == 0
    # After approval: a request waits, and shows only once approved.
    await set_policy(w.admin, mode=APPROVAL, daily_cap=3, reason="spring")
    asked = await request_promotion(w.page, w.coadmin, w.post, days=7)
    assert asked.state == REQUESTED and asked.starts_at is None
    assert await pick_for(w.reader) is None
    approved = await approve(asked.id, w.admin, "fits the rules")
    assert approved.state == APPROVED and shown_state(approved) == "running"
    assert approved.ends_at - approved.starts_at == timedelta(days=7)
    assert (await pick_for(w.reader)).promotion.id == asked.id
    # Open: approved at once, with no decision in the log.
    await set_policy(w.admin, mode=OPEN, daily_cap=3)
    direct = await request_promotion(w.page, w.owner, w.other, days=1)
    assert direct.state == APPROVED and direct.decided_by_id is None
    # The policy changes are in the log, as instance settings.
    entries = await ModLogEntry.filter(action="instance.settings").order_by("id")
    assert [e.target for e in entries] == ["promotion_policy", "promotion_policy", "promotion_policy"]
    assert entries[1].reason == "spring" and not any(e.public for e in entries)
    decisions = await ModLogEntry.filter(action__startswith="promotion.")
    assert [(d.action, d.target, d.reason, d.moderator_id) for d in decisions] == [
        ("promotion.approved", w.post.uri, "fits the rules", w.admin.id)]


async def test_requests_are_checked(moot: MootInstance) -> None:
    w = await build(moot)
    with pytest.raises(PromotionError) as stranger:
        await request_promotion(w.page, w.reader, w.post, days=7)
    assert stranger.value.status == 403
    for days in (0, 31):
        with pytest.raises(PromotionError):
            await request_promotion(w.page, w.owner, w.post, days=days)
    followers_only = await create_status(moot.fed, w.page, StatusInput(text="For fans", visibility="private"))
    someone_elses = await create_status(moot.fed, w.reader, StatusInput(text="Mine"))
    for post in (followers_only, someone_elses):
        with pytest.raises(PromotionError):
            await request_promotion(w.page, w.owner, post, days=7)
    first = await request_promotion(w.page, w.owner, w.post, days=7)
    with pytest.raises(PromotionError) as twice:
        await request_promotion(w.page, w.owner, w.post, days=3)
    assert twice.value.status == 409
    # Rejected with a reason, in the log; a decided request cannot be decided again.
    await reject(first.id, w.admin, "not an ad board")
    with pytest.raises(PromotionError):
        await approve(first.id, w.admin)
    row = await Promotion.get(id=first.id)
    assert row.state == REJECTED and row.reason == "not an ad board"
    entry = await ModLogEntry.get(action="promotion.rejected")
    assert entry.target == w.post.uri and entry.moderator_id == w.admin.id and entry.reason == "not an ad board"
    # After a rejection the page may ask again.
    assert (await request_promotion(w.page, w.owner, w.post, days=2)).state == REQUESTED


async def test_withdraw_a_request_and_a_running_promotion(moot: MootInstance) -> None:
    w = await build(moot)
    asked = await request_promotion(w.page, w.owner, w.post, days=7)
    with pytest.raises(PromotionError):
        await withdraw(asked.id, w.reader, w.page)
    assert (await withdraw(asked.id, w.coadmin, w.page)).state == WITHDRAWN
    with pytest.raises(PromotionError):
        await approve(asked.id, w.admin)
    running = await request_promotion(w.page, w.owner, w.post, days=7)
    await approve(running.id, w.admin)
    assert await pick_for(w.reader) is not None
    stopped = await withdraw(running.id, w.owner, w.page)
    assert stopped.state == WITHDRAWN and stopped.ends_at <= utcnow()
    assert await pick_for(w.reader) is None
    with pytest.raises(PromotionError):
        await withdraw(running.id, w.owner, w.page)


async def test_the_daily_cap_counts_each_person(moot: MootInstance) -> None:
    w = await build(moot)
    await set_policy(w.admin, mode=OPEN, daily_cap=2)
    first = await request_promotion(w.page, w.owner, w.post, days=3)
    second = await request_promotion(w.page, w.owner, w.other, days=3)
    ben, _ = await moot.user("ben")
    # rita: 2 shown, then nothing; the least shown promotion comes first, so both take turns.
    shown = [await pick_for(w.reader) for _ in range(3)]
    assert [s.promotion.id if s else None for s in shown] == [first.id, second.id, None]
    # ben has his own count; anonymous visitors are not capped per person.
    assert (await pick_for(ben)).promotion.id == first.id
    for _ in range(4):
        assert await pick_for(None) is not None
    # Hand-counted: rita 2, ben 1, anonymous 4 = 7 impressions over the two promotions.
    counts = {p.id: p.impressions for p in await Promotion.all()}
    assert sum(counts.values()) == 7 and sorted(counts.values()) == [3, 4]
    days = {row.account_id: row.shown for row in await PromotionViewDay.all()}
    assert days == {w.reader.id: 2, ben.id: 1}
    # A later day starts again, and days older than three are purged when a new day begins.
    today = utcnow().date()
    await PromotionViewDay.filter(account_id=w.reader.id).update(day=today - timedelta(days=1))
    await PromotionViewDay.create(account_id=ben.id, day=today - timedelta(days=5), shown=9)
    assert await pick_for(w.reader) is not None
    assert {(r.account_id, r.day, r.shown) for r in await PromotionViewDay.all()} == {
        (w.reader.id, today - timedelta(days=1), 2), (w.reader.id, today, 1), (ben.id, today, 1)}
    # A cap of 0 shows nothing to anyone.
    await set_policy(w.admin, mode=OPEN, daily_cap=0)
    assert await pick_for(None) is None and await pick_for(ben) is None


async def test_never_to_its_admins_nor_a_post_the_viewer_may_not_see(moot: MootInstance) -> None:
    w = await build(moot)
    await set_policy(w.admin, mode=OPEN, daily_cap=50)
    promotion = await request_promotion(w.page, w.owner, w.post, days=3)
    for admin in (w.owner, w.coadmin, w.page):
        assert await pick_for(admin) is None
        assert await follow_click(promotion.id, admin) is not None  # they may open it, uncounted
    assert (await Promotion.get(id=promotion.id)).clicks == 0
    assert (await pick_for(w.reader)).post.id == w.post.id
    # The post became followers-only: not for the reader, nor for visitors; the click is a 404.
    await Post.filter(id=w.post.id).update(visibility="private")
    assert await pick_for(w.reader) is None and await pick_for(None) is None
    assert await follow_click(promotion.id, None) is None
    # The lists with figures no longer show its text.
    assert [s.post_public for s in await promotion_stats(w.page)] == [False]
    assert (await admin_listing()).public_post_ids == set()
    # Removed by a moderator, or deleted: the same.
    await Post.filter(id=w.post.id).update(visibility="public", removed_at=utcnow())
    assert await pick_for(w.reader) is None and await follow_click(promotion.id, w.reader) is None
    await Post.filter(id=w.post.id).update(removed_at=None, deleted_at=utcnow())
    assert await pick_for(w.reader) is None and await follow_click(promotion.id, w.reader) is None
    await Post.filter(id=w.post.id).update(deleted_at=None)
    assert await pick_for(w.reader) is not None
    # A deleted page's promotion stops.
    await Actor.filter(id=w.page.id).update(deleted_at=utcnow())
    assert await pick_for(w.reader) is None


async def test_impressions_clicks_and_engagement_are_exact(moot: MootInstance) -> None:
    w = await build(moot)
    await set_policy(w.admin, mode=OPEN, daily_cap=10)
    # A like before the promotion does not count.
    before, _ = await moot.user("early")
    await like(moot.fed, before, w.post)
    await Interaction.filter(actor_id=before.id).update(created_at=utcnow() - timedelta(hours=1))
    promotion = await request_promotion(w.page, w.owner, w.post, days=5)
    for _ in range(5):
        assert await pick_for(w.reader) is not None
    for _ in range(3):
        assert await pick_for(None) is not None
    for viewer in (w.reader, None, w.reader):
        assert (await follow_click(promotion.id, viewer)).id == w.post.id
    await like(moot.fed, w.reader, w.post)
    await create_status(moot.fed, w.reader, StatusInput(text="Yum", in_reply_to=w.post))
    [stats] = await promotion_stats(w.page)
    assert (stats.impressions, stats.clicks, stats.engagement, stats.state) == (8, 3, 2, "running")
    assert stats.click_through_rate == pytest.approx(3 / 8)
    # After the period: clicks go to the post but no longer count; engagement stops at the end.
    await Promotion.filter(id=promotion.id).update(ends_at=utcnow())
    assert await follow_click(promotion.id, w.reader) is not None
    late, _ = await moot.user("late")
    await like(moot.fed, late, w.post)
    [stats] = await promotion_stats(w.page)
    assert (stats.impressions, stats.clicks, stats.engagement, stats.state) == (8, 3, 2, "ended")
    assert await pick_for(w.reader) is None
