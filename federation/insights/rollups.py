"""Daily rollups of page insights: closed days are counted once from the raw rows and kept.

`ensure_rollups` rolls up any closed day (UTC) of a range that has no PageDay row yet (the daily job
keeps this to at most yesterday); `live_today` counts the current day from the raw rows (small, indexed
by time) without storing it. Per-post interaction counts are kept in PostStats up to `counted_through`
(the start of a day); the live part of today is added on reading.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from tortoise.expressions import Subquery
from tortoise.functions import Count, Sum

from models.follows import ACCEPTED, Follow
from models.insights import FOLLOWED, UNFOLLOWED, FollowEvent, PageDay, PageHour, PostStats, PostView
from models.posts import ANNOUNCE, LIKE, REPLY, Interaction, Post

DAY = timedelta(days=1)
KINDS = {LIKE: "likes", ANNOUNCE: "boosts", REPLY: "replies"}


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.utc)


def epoch_hour(moment: datetime) -> int:
    return int(moment.timestamp()) // 3600


def utc_day(moment: datetime) -> date:
    return moment.astimezone(timezone.utc).date()


@dataclass
class DayFigures:
    day: date
    gained: int = 0
    lost: int = 0
    followers: int = 0
    likes: int = 0
    boosts: int = 0
    replies: int = 0
    views: int = 0
    lost_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def interactions(self) -> int:
        return self.likes + self.boosts + self.replies

    @property
    def net(self) -> int:
        return self.gained - self.lost


@dataclass
class Counted:
    """What a stretch of days holds, counted from the raw rows."""

    days: list[DayFigures]
    hours: Counter[int]  # whole hours since the epoch (UTC)
    touched_posts: set[int]
    per_post: dict[int, Counter[str]]  # interactions by kind, and "views", per post


async def current_followers(page_id: int) -> int:
    return await Follow.filter(target_id=page_id, state=ACCEPTED).count()


async def count_days(page_id: int, first: date, last: date) -> Counted:
    """Count the days first..last (inclusive) from follow events, interactions and view counters."""
    start, end = day_start(first), day_start(last) + DAY
    days = {first + timedelta(days=n): DayFigures(first + timedelta(days=n)) for n in range((last - first).days + 1)}
    for kind, reason, created in await FollowEvent.filter(
        target_id=page_id, created_at__gte=start, created_at__lt=end
    ).values_list("kind", "reason", "created_at"):
        figures = days[utc_day(created)]
        if kind == FOLLOWED:
            figures.gained += 1
        elif kind == UNFOLLOWED:
            figures.lost += 1
            key = reason or "undo"
            figures.lost_reasons[key] = figures.lost_reasons.get(key, 0) + 1
    # Followers at the end of each day: today's count, walked back through the events since.
    after = {} if end > datetime.now(timezone.utc) else dict(
        await FollowEvent.filter(target_id=page_id, created_at__gte=end).group_by("kind")
        .annotate(n=Count("id")).values_list("kind", "n"))
    followers = await current_followers(page_id) - after.get(FOLLOWED, 0) + after.get(UNFOLLOWED, 0)
    for day in sorted(days, reverse=True):
        days[day].followers = max(0, followers)
        followers -= days[day].net
    hours: Counter[int] = Counter()
    touched: set[int] = set()
    per_post: dict[int, Counter[str]] = defaultdict(Counter)
    by_hour, by_post = await _interactions_between(page_id, start, end)
    for kind, hour, n in by_hour:
        attribute = KINDS.get(kind)
        if attribute is None:
            continue
        figures = days[_day_of_hour(hour)]
        setattr(figures, attribute, getattr(figures, attribute) + n)
        hours[hour] += n
    for kind, post_id, n in by_post:
        if kind in KINDS:
            touched.add(post_id)
            per_post[post_id][kind] += n
    if first == last:  # one day (today, live): per post as well
        for post_id, views in await PostView.filter(page_id=page_id, day=first).values_list("post_id", "views"):
            days[first].views += views
            per_post[post_id]["views"] += views
    else:
        for day, views in await PostView.filter(page_id=page_id, day__gte=first, day__lte=last).group_by("day") \
                .annotate(n=Sum("views")).values_list("day", "n"):
            days[_as_date(day)].views = int(views or 0)
    return Counted(days=[days[d] for d in sorted(days)], hours=hours, touched_posts=touched, per_post=per_post)


def _sqlite() -> bool:
    return Interaction._meta.db.capabilities.dialect == "sqlite"


def _hour_sql() -> str:
    """A key of the interaction's hour, computed by the database: on PostgreSQL the whole hours since the
    epoch; on SQLite the stored text's "YYYY-MM-DD HH" when it is UTC (as Moot writes it), else the whole
    stored time (strftime would cost more than the rest of the query, and rounds 23:59:59.9999 up)."""
    if _sqlite():
        return "CASE WHEN i.created_at LIKE '%+00:00' THEN substr(i.created_at, 1, 13) ELSE i.created_at END"
    # date_part is double precision: much faster to aggregate than EXTRACT's numeric.
    return "CAST(FLOOR(date_part('epoch', i.created_at) / 3600) AS BIGINT)"


def _hour_of(key: int | str) -> int:
    """The epoch hour of a key made by _hour_sql()."""
    if isinstance(key, int):
        return key
    text = str(key)
    moment = datetime.fromisoformat(text + ":00:00+00:00" if len(text) == 13 else text)
    return epoch_hour(moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc))


def _day_of_hour(hour: int) -> date:
    return datetime.fromtimestamp(hour * 3600, timezone.utc).date()


async def _interaction_counts(page_id: int, start: datetime, end: datetime, by: str,
                              also_by_post: bool = False) -> list[dict]:
    """Interactions with the page's posts made in [start, end), counted by the database and grouped by
    `by` (SQL, after the kind). By time first (the created_at index): `+` keeps SQLite from walking every
    interaction of every post of the page by the (post_id, kind) index instead."""
    values: list = [start, end, page_id]
    if _sqlite():
        where = "i.created_at >= ? AND i.created_at < ? AND +i.post_id IN (SELECT id FROM post WHERE author_id = ?)"
    else:
        where = "i.created_at >= $1 AND i.created_at < $2 AND i.post_id IN (SELECT id FROM post WHERE author_id = $3)"
    if also_by_post:  # a second key, p
        sql = (f"SELECT i.kind AS kind, i.post_id AS p, {by} AS k, COUNT(*) AS n FROM interaction i WHERE {where} "
               "GROUP BY 1, 2, 3")
    else:
        sql = f"SELECT i.kind AS kind, {by} AS k, COUNT(*) AS n FROM interaction i WHERE {where} GROUP BY 1, 2"
    return await Interaction._meta.db.execute_query_dict(sql, values)


async def _interactions_between(page_id: int, start: datetime, end: datetime
                                ) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """The interactions with the page's posts in [start, end), counted by the database: (kind, epoch hour,
    how many) and (kind, post id, how many). A busy day is tens of thousands of rows: reading each one into
    Python cost more than the rest of the page."""
    by_hour: Counter[tuple[str, int]] = Counter()
    if end - start <= DAY and not _sqlite():
        # One day (the live part of every page view) on PostgreSQL: one pass over its rows, grouped by post and
        # hour (a day has a few thousand such groups), instead of reading the same rows twice (saves 10-25 ms
        # a view on the insights bench). SQLite groups the two keys slower than it reads the rows twice.
        by_post: Counter[tuple[str, int]] = Counter()
        for row in await _interaction_counts(page_id, start, end, _hour_sql(), also_by_post=True):
            by_hour[(row["kind"], _hour_of(row["k"]))] += int(row["n"])
            by_post[(row["kind"], int(row["p"]))] += int(row["n"])
        posts = [(kind, post_id, n) for (kind, post_id), n in by_post.items()]
    else:
        for row in await _interaction_counts(page_id, start, end, _hour_sql()):
            by_hour[(row["kind"], _hour_of(row["k"]))] += int(row["n"])
        posts = [(row["kind"], int(row["k"]), int(row["n"]))
                 for row in await _interaction_counts(page_id, start, end, "i.post_id")]
    return [(kind, hour, n) for (kind, hour), n in by_hour.items()], posts


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


async def ensure_rollups(page_id: int, first: date, today: date) -> None:
    """Make sure every closed day from `first` to yesterday is rolled up (PageDay, PageHour, PostStats)."""
    last = today - DAY
    if last < first:
        return
    stored = set(map(_as_date, await PageDay.filter(page_id=page_id, day__gte=first, day__lte=last).values_list("day", flat=True)))
    missing = [first + timedelta(days=n) for n in range((last - first).days + 1) if first + timedelta(days=n) not in stored]
    if missing:
        await rollup(page_id, missing[0], last)
    await ensure_post_stats(page_id, day_start(first), day_start(today))


ROLLUP_CHUNK_DAYS = 14  # a long catch-up is counted a fortnight at a time, to keep memory small


async def rollup(page_id: int, first: date, last: date) -> None:
    """Count and store the closed days first..last, replacing what was kept for them."""
    while first <= last:
        chunk_last = min(last, first + timedelta(days=ROLLUP_CHUNK_DAYS - 1))
        await _rollup_chunk(page_id, first, chunk_last)
        first = chunk_last + DAY


async def _rollup_chunk(page_id: int, first: date, last: date) -> None:
    counted = await count_days(page_id, first, last)
    start, end = day_start(first), day_start(last) + DAY
    await PageDay.filter(page_id=page_id, day__gte=first, day__lte=last).delete()
    await PageDay.bulk_create([
        PageDay(page_id=page_id, day=d.day, gained=d.gained, lost=d.lost, followers=d.followers, likes=d.likes,
                boosts=d.boosts, replies=d.replies, views=d.views, lost_reasons=d.lost_reasons)
        for d in counted.days
    ], batch_size=500)
    await PageHour.filter(page_id=page_id, hour__gte=epoch_hour(start), hour__lt=epoch_hour(end)).delete()
    await PageHour.bulk_create([PageHour(page_id=page_id, hour=h, interactions=n) for h, n in counted.hours.items()],
                               batch_size=500)
    if counted.touched_posts:
        await recount_posts(page_id, sorted(counted.touched_posts), end)


async def ensure_post_stats(page_id: int, since: datetime, through: datetime) -> None:
    """Posts of the page published since `since` all have a PostStats row (new ones counted now)."""
    missing = await (Post.filter(author_id=page_id, published__gte=since, deleted_at=None, in_reply_to_id=None)
                     .exclude(id__in=Subquery(PostStats.filter(page_id=page_id).values("post_id")))
                     .values_list("id", flat=True))
    if missing:
        await recount_posts(page_id, sorted(missing), through)


async def recount_posts(page_id: int, post_ids: list[int], through: datetime) -> None:
    """Count the interactions and views of these posts made before `through` into their PostStats."""
    for offset in range(0, len(post_ids), 500):
        batch = post_ids[offset:offset + 500]
        counts: dict[int, Counter[str]] = defaultdict(Counter)
        for post_id, kind, n in await Interaction.filter(post_id__in=batch, created_at__lt=through) \
                .group_by("post_id", "kind").annotate(n=Count("id")).values_list("post_id", "kind", "n"):
            counts[post_id][kind] += n
        views = dict(await PostView.filter(post_id__in=batch, day__lt=utc_day(through)).group_by("post_id")
                     .annotate(n=Sum("views")).values_list("post_id", "n"))
        existing = {s.post_id: s for s in await PostStats.filter(post_id__in=batch)}
        posts = {p["id"]: p for p in await Post.filter(id__in=batch).values("id", "published", "language")}
        changed: list[PostStats] = []
        created: list[PostStats] = []
        for post_id in batch:
            if post_id not in posts:
                continue
            row = existing.get(post_id) or PostStats(post_id=post_id, page_id=page_id,
                                                     published=posts[post_id]["published"],
                                                     language=posts[post_id]["language"])
            row.likes, row.boosts, row.replies = (counts[post_id][LIKE], counts[post_id][ANNOUNCE], counts[post_id][REPLY])
            row.views = int(views.get(post_id) or 0)
            row.counted_through = through
            (changed if post_id in existing else created).append(row)
        if created:
            await PostStats.bulk_create(created, batch_size=500)
        if changed:
            await PostStats.bulk_update(changed, fields=["likes", "boosts", "replies", "views", "counted_through"],
                                        batch_size=500)


async def live_today(page_id: int, today: date) -> tuple[DayFigures, Counter[int], dict[int, Counter[str]]]:
    """Today so far, from the raw rows: the day's figures, its hours, and per-post counts and views."""
    counted = await count_days(page_id, today, today)
    return counted.days[0], counted.hours, counted.per_post
