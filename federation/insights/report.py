"""One page's insights for a period (7, 30 or 90 days up to today) and the period before, from the rollups.

Read by the web page (web/pages/page_insights.py) and the JSON API (web/api/insights.py) alike.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

from markupsafe import Markup
from tortoise.functions import Count, Sum

from federation.insights.audience import LOCAL, snapshot_audience
from federation.insights.rollups import (
    DAY, DayFigures, day_start, ensure_post_stats, ensure_rollups, epoch_hour, live_today,
)
from federation.raw_sql import Params
from models.actors import Actor
from models.insights import PageAudience, PageDay, PageHour, PostStats
from models.posts import ANNOUNCE, LIKE, REPLY, Post

PERIODS = (7, 30, 90)
TOP_POSTS = 5
POST_ROWS = 30  # posts shown per period in the reach and engagement tables (most recent first)
TOP_SERVERS = 15


@dataclass(frozen=True)
class Figure:
    key: str
    value: float
    previous: float

    @property
    def change(self) -> float:
        return self.value - self.previous

    @property
    def change_percent(self) -> float | None:
        return None if not self.previous else round(100 * (self.value - self.previous) / abs(self.previous), 1)


@dataclass
class PostRow:
    id: int
    uri: str
    title: str
    published: datetime | None  # filled for the posts shown (fill_posts)
    language: str | None
    servers: int
    followers_reached: int
    likes: int
    boosts: int
    replies: int
    views: int

    @property
    def interactions(self) -> int:
        return self.likes + self.boosts + self.replies

    @property
    def rate(self) -> float:
        """Interactions per follower reached (0 when it reached nobody)."""
        return round(self.interactions / self.followers_reached, 4) if self.followers_reached else 0.0


@dataclass
class Share:
    name: str
    count: int


@dataclass
class LanguageRow:
    language: str
    posts: int
    followers_reached: int
    interactions: int


@dataclass
class PageReport:
    page: Actor
    days: int
    first: date  # first day of the period (UTC)
    today: date
    daily: list[DayFigures]  # the period, oldest first
    previous_daily: list[DayFigures]
    figures: dict[str, Figure]
    lost_reasons: dict[str, int]
    posts: list[PostRow]  # posts published in the period, newest first
    top_posts: list[PostRow]
    servers: list[Share]  # biggest first, the rest summed in `other_servers`
    other_servers: int
    server_count: int
    software: list[Share]
    languages: list[LanguageRow]
    heatmap: list[list[int]]  # 7 rows (Monday first) x 24 hours, in the viewer's zone
    audience_taken_at: datetime | None
    counted_through: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


async def page_report(page: Actor, days: int = 30, zone: tzinfo = timezone.utc, now: datetime | None = None) -> PageReport:
    moment = now or datetime.now(timezone.utc)
    today = moment.astimezone(timezone.utc).date()
    first = today - timedelta(days=days - 1)
    previous_first = first - timedelta(days=days)
    stored = await _stored_days(page.id, previous_first, today)
    if len(stored) < (today - previous_first).days:  # closed days not rolled up yet (the job does it each night)
        await ensure_rollups(page.id, previous_first, today)
        stored = await _stored_days(page.id, previous_first, today)
    else:
        await ensure_post_stats(page.id, day_start(previous_first), day_start(today))
    live, live_hours, live_posts = await live_today(page.id, today)

    def figures_of(day: date) -> DayFigures:
        if day == today:
            return live
        row = stored.get(day)
        if row is None:
            return DayFigures(day)
        return DayFigures(day=day, gained=row["gained"], lost=row["lost"], followers=row["followers"],
                          likes=row["likes"], boosts=row["boosts"], replies=row["replies"], views=row["views"],
                          lost_reasons=dict(row["lost_reasons"] or {}))

    daily = [figures_of(first + timedelta(days=n)) for n in range(days)]
    previous_daily = [figures_of(previous_first + timedelta(days=n)) for n in range(days)]

    posts_now, posts_before = await _posts(page.id, first, previous_first, live_posts)
    lost_reasons: Counter[str] = Counter()
    for d in daily:
        lost_reasons.update(d.lost_reasons)

    def total(rows: list[DayFigures], name: str) -> int:
        return sum(getattr(d, name) for d in rows)

    def rate(posts: list[PostRow]) -> float:
        reached = sum(p.followers_reached for p in posts)
        return round(sum(p.interactions for p in posts) / reached, 4) if reached else 0.0

    figures = {
        "followers": Figure("followers", daily[-1].followers, previous_daily[-1].followers),
        "gained": Figure("gained", total(daily, "gained"), total(previous_daily, "gained")),
        "lost": Figure("lost", total(daily, "lost"), total(previous_daily, "lost")),
        "net": Figure("net", total(daily, "net"), total(previous_daily, "net")),
        "posts": Figure("posts", len(posts_now), len(posts_before)),
        "followers_reached": Figure("followers_reached", sum(p.followers_reached for p in posts_now),
                                    sum(p.followers_reached for p in posts_before)),
        "interactions": Figure("interactions", total(daily, "interactions"), total(previous_daily, "interactions")),
        "engagement_rate": Figure("engagement_rate", rate(posts_now), rate(posts_before)),
        "views": Figure("views", total(daily, "views"), total(previous_daily, "views")),
    }
    servers, other, server_count, software, taken_at = await _audience(page.id)
    top_posts = sorted(posts_now, key=lambda p: (-p.interactions, -p.followers_reached, -p.id))[:TOP_POSTS]
    await fill_posts(posts_now[:POST_ROWS] + top_posts)
    return PageReport(
        page=page, days=days, first=first, today=today, daily=daily, previous_daily=previous_daily,
        figures=figures, lost_reasons=dict(lost_reasons), posts=posts_now[:POST_ROWS],
        top_posts=top_posts,
        servers=servers, other_servers=other, server_count=server_count, software=software,
        languages=_languages(posts_now),
        heatmap=await _heatmap(page.id, first, live_hours, zone),
        audience_taken_at=taken_at, counted_through=moment,
    )


async def _stored_days(page_id: int, first: date, today: date) -> dict[date, dict[str, Any]]:
    return {
        row["day"] if isinstance(row["day"], date) else date.fromisoformat(str(row["day"])[:10]): row
        for row in await PageDay.filter(page_id=page_id, day__gte=first, day__lt=today).values(
            "day", "gained", "lost", "followers", "likes", "boosts", "replies", "views", "lost_reasons")
    }


async def _posts(page_id: int, first: date, previous_first: date,
                 live: dict[int, Counter[str]]) -> tuple[list[PostRow], list[PostRow]]:
    # Without the timestamps (reading a thousand of them costs more than the rest): the period is in the WHERE,
    # and the few posts shown get theirs from fill_posts().
    # Plain SQL: a thousand rows of eight plain numbers convert faster without the ORM's per-field hooks.
    db = PostStats._meta.db
    mark = (lambda n: "?") if db.capabilities.dialect == "sqlite" else (lambda n: f"${n}")  # noqa: E731
    start = day_start(first)
    none: Counter[str] = Counter()
    periods = []
    for since, until in ((start, None), (day_start(previous_first), start)):
        values: list[Any] = [page_id, since] + ([until] if until is not None else [])
        sql = ("SELECT s.post_id, s.language, s.servers, s.followers_reached, s.likes, s.boosts, s.replies, s.views "
               "FROM insight_post_stats s JOIN post p ON p.id = s.post_id "
               f"WHERE s.page_id = {mark(1)} AND s.published >= {mark(2)} AND p.deleted_at IS NULL"
               + (f" AND s.published < {mark(3)}" if until is not None else "")
               + " ORDER BY s.published DESC, s.post_id DESC")
        rows = []
        for row in await db.execute_query_dict(sql, values):
            extra = live.get(row["post_id"], none)
            rows.append(PostRow(
                id=row["post_id"], uri="", title="", published=None, language=row["language"],
                servers=row["servers"], followers_reached=row["followers_reached"],
                likes=row["likes"] + extra[LIKE], boosts=row["boosts"] + extra[ANNOUNCE],
                replies=row["replies"] + extra[REPLY], views=row["views"] + extra["views"]))
        periods.append(rows)
    return periods[0], periods[1]


async def fill_posts(rows: list[PostRow]) -> None:
    """The address, title and publication time of the posts that are shown."""
    posts = {p["id"]: p for p in await Post.filter(id__in=[r.id for r in rows]).values(
        "id", "uri", "name", "source", "content", "published")}
    for row in rows:
        post = posts.get(row.id, {})
        row.uri, row.title, row.published = post.get("uri", ""), _title(post), post.get("published")


def _title(post: dict[str, Any]) -> str:
    text = post.get("name") or post.get("source") or Markup(post.get("content") or "").striptags()
    text = " ".join(str(text).split())
    return text if len(text) <= 80 else text[:79].rstrip() + "…"


async def _audience(page_id: int) -> tuple[list[Share], int, int, list[Share], datetime | None]:
    def top_rows():  # noqa: ANN202
        return PageAudience.filter(page_id=page_id).order_by("-followers", "host").limit(TOP_SERVERS) \
            .values_list("host", "followers", "taken_at")

    top = await top_rows()
    if not top:  # no snapshot yet (or no followers): take one now
        await snapshot_audience(page_id)
        top = await top_rows()
    summed = await PageAudience.filter(page_id=page_id).exclude(host=LOCAL) \
        .annotate(n=Sum("followers"), hosts=Count("id")).values("n", "hosts")
    local = await PageAudience.filter(page_id=page_id, host=LOCAL).values_list("followers", flat=True)
    total_followers = int(summed[0]["n"] or 0) + sum(local) if summed else sum(local)
    server_count = int(summed[0]["hosts"] or 0) if summed else 0
    software = await PageAudience.filter(page_id=page_id).group_by("software").annotate(n=Sum("followers")) \
        .order_by("-n").values_list("software", "n")
    servers = [Share(host, n) for host, n, _ in top]
    other = total_followers - sum(s.count for s in servers)
    taken_at = top[0][2] if top else None
    return servers, other, server_count, [Share(name, int(n or 0)) for name, n in software], taken_at


def _languages(posts: list[PostRow]) -> list[LanguageRow]:
    rows: dict[str, LanguageRow] = {}
    for post in posts:
        key = (post.language or "").split("-")[0].lower()
        row = rows.setdefault(key, LanguageRow(key, 0, 0, 0))
        row.posts += 1
        row.followers_reached += post.followers_reached
        row.interactions += post.interactions
    return sorted(rows.values(), key=lambda r: (r.language == "", -r.interactions, -r.posts, r.language))


async def _heatmap(page_id: int, first: date, live_hours: Counter[int], zone: tzinfo) -> list[list[int]]:
    grid = [[0] * 24 for _ in range(7)]
    # Plain SQL: 90 days are 2,000 rows of two numbers, which the ORM's per-field conversion made twice as slow.
    db = PageHour._meta.db
    p = Params(db)
    rows = await db.execute_query_dict(
        f"SELECT hour, interactions FROM insight_page_hour WHERE page_id = {p.add(page_id)} "
        f"AND hour >= {p.add(epoch_hour(day_start(first)))}", p.values)
    for hour, n in [(row["hour"], row["interactions"]) for row in rows] + list(live_hours.items()):
        local = datetime.fromtimestamp(hour * 3600, zone)
        grid[local.weekday()][local.hour] += n
    return grid


def previous_period(report: PageReport) -> tuple[date, date]:
    return report.first - timedelta(days=report.days), report.first - DAY
