"""Daily rollups of a local group's activity (models/group_insights.py), so that a page over 90 days reads a
few hundred rows instead of every post, vote and check-in of the group.

`count_days` counts a range of UTC days from the raw rows (one query per source); `roll_up` stores the days
that are over and not stored yet; today is always counted live (`count_days(group, today, today)`). A nightly
job (`JOB_KIND`, in federation/jobs.py) rolls up every local group just after midnight, and the insights
page rolls up whatever the job has not done yet, so the figures never depend on the job having run.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from tortoise.exceptions import IntegrityError
from tortoise.functions import Min
from tortoise.transactions import in_transaction

from federation.group_insights.days import day_of, day_start, days_between, today_utc
from federation.schedule import schedule
from models.actors import Actor
from models.checkins import Checkin
from federation.group_insights.activity import count_top
from federation.group_insights.retention import FOLLOWING_WEEKS, count_cohorts, monday
from federation.group_insights.servers import snapshot_servers
from models.group_insights import GroupCohort, GroupDailyStat, GroupMemberDay, GroupTopContributor
from models.groups import HeldActivity
from models.insights import FOLLOWED, UNFOLLOWED, FollowEvent
from models.moderation import ModLogEntry, Report
from models.polls import PollVote
from models.posts import Post
from models.queues import ScheduledJob

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)

JOB_KIND = "group_insights.rollup"
JOB_KEY = "group-insights-rollup"
MAX_BACKFILL_DAYS = 400  # a first rollup reaches this far back at most
_URI_CHUNK = 500

COUNTERS = ("posts", "replies", "votes", "checkins", "joins", "leaves", "held", "removed", "reported")


@dataclass
class DayCounts:
    posts: int = 0
    replies: int = 0
    votes: int = 0
    checkins: int = 0
    joins: int = 0
    leaves: int = 0
    held: int = 0
    removed: int = 0
    reported: int = 0
    active: int = 0
    active_week: int = 0
    active_month: int = 0


@dataclass
class MemberCounts:
    posts: int = 0
    replies: int = 0
    votes: int = 0
    checkins: int = 0
    joined: bool = False

    @property
    def active(self) -> bool:
        return bool(self.posts or self.replies or self.votes or self.checkins)


@dataclass
class RangeCounts:
    days: dict[date, DayCounts] = field(default_factory=dict)
    members: dict[tuple[int, date], MemberCounts] = field(default_factory=lambda: defaultdict(MemberCounts))

    def active_ids(self, day: date) -> set[int]:
        return {actor for (actor, on), counts in self.members.items() if on == day and counts.active}


async def _actor_ids(uris: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    listed = sorted(uris)
    for start in range(0, len(listed), _URI_CHUNK):
        rows = await Actor.filter(uri__in=listed[start:start + _URI_CHUNK]).values_list("uri", "id")
        found.update(dict(rows))
    return found


async def count_days(group_id: int, first: date, last: date) -> RangeCounts:
    """Count the days first..last (UTC, both included) from the raw rows. active_week and active_month are
    left at 0: they reach before the range (see `_trailing_active`)."""
    result = RangeCounts(days={day: DayCounts() for day in days_between(first, last)})
    since, until = day_start(first), day_start(last + timedelta(days=1))
    members = result.members

    posts = await Post.filter(group_id=group_id, deleted_at__isnull=True, published__gte=since,
                              published__lt=until).values_list("author_id", "published", "in_reply_to_id")
    for author_id, published, parent_id in posts:
        day = day_of(published)
        if parent_id is None:
            result.days[day].posts += 1
            members[(author_id, day)].posts += 1
        else:
            result.days[day].replies += 1
            members[(author_id, day)].replies += 1

    # A multiple-choice voter has a row per option: one vote per voter and poll.
    votes = await PollVote.filter(poll__post__group_id=group_id, created_at__gte=since,
                                  created_at__lt=until).values_list("voter_id", "poll_id", "created_at")
    first_vote: dict[tuple[int, int], datetime] = {}
    for voter_id, poll_id, created in votes:
        key = (voter_id, poll_id)
        first_vote[key] = min(created, first_vote.get(key, created))
    for (voter_id, _), created in first_vote.items():
        day = day_of(created)
        result.days[day].votes += 1
        members[(voter_id, day)].votes += 1

    # A check-in counts on the day it is for (the series' own calendar day).
    for actor_id, day in await Checkin.filter(series__group_id=group_id, day__gte=first,
                                              day__lte=last).values_list("actor_id", "day"):
        result.days[day].checkins += 1
        members[(actor_id, day)].checkins += 1

    events = await FollowEvent.filter(target_id=group_id, created_at__gte=since,
                                      created_at__lt=until).values_list("kind", "created_at", "follower_uri")
    joiner_ids = await _actor_ids({uri for kind, _, uri in events if kind == FOLLOWED})
    for kind, created, uri in events:
        day = day_of(created)
        if kind == FOLLOWED:
            result.days[day].joins += 1
            if uri in joiner_ids:
                members[(joiner_ids[uri], day)].joined = True
        elif kind == UNFOLLOWED:
            result.days[day].leaves += 1

    for created in await HeldActivity.filter(group_id=group_id, created_at__gte=since,
                                             created_at__lt=until).values_list("created_at", flat=True):
        result.days[day_of(created)].held += 1
    for created in await ModLogEntry.filter(group_id=group_id, action="post.removed", created_at__gte=since,
                                            created_at__lt=until).values_list("created_at", flat=True):
        result.days[day_of(created)].removed += 1
    for created in await Report.filter(group_id=group_id, created_at__gte=since,
                                       created_at__lt=until).values_list("created_at", flat=True):
        result.days[day_of(created)].reported += 1

    for (actor_id, day), counts in members.items():
        if counts.active:
            result.days[day].active += 1
    return result


async def _trailing_active(group_id: int, counts: RangeCounts, first: date, last: date) -> dict[date, tuple[int, int]]:
    """Fill active_week and active_month of first..last from the stored member days before the range and
    the counted ones inside it; returns the distinct active people over the 6 and 29 days ending each day
    (GroupDailyStat.active_prior_*: the next day adds only its own people to them)."""
    earliest = first - timedelta(days=29)
    by_day: dict[date, set[int]] = defaultdict(set)
    for actor_id, day in await GroupMemberDay.filter(group_id=group_id, active=True, day__gte=earliest,
                                                     day__lt=first).values_list("actor_id", "day"):
        by_day[day].add(actor_id)
    for (actor_id, day), member in counts.members.items():
        if member.active:
            by_day[day].add(actor_id)
    prior: dict[date, tuple[int, int]] = {}
    for day in days_between(first, last):
        week: set[int] = set()
        month: set[int] = set()
        for back in range(30):
            people = by_day.get(day - timedelta(days=back))
            if back == 6:
                prior_week = len(week)
            if back == 29:
                prior_month = len(month)
            if people:
                month |= people
                if back < 7:
                    week |= people
        counts.days[day].active_week = len(week)
        counts.days[day].active_month = len(month)
        prior[day] = (prior_week, prior_month)
    return prior


async def _first_day(group: Actor) -> date:
    candidates = [day_of(group.created_at)]
    first_post = await Post.filter(group_id=group.id).annotate(first=Min("published")).values_list("first", flat=True)
    first_event = await FollowEvent.filter(target_id=group.id).annotate(first=Min("created_at")).values_list(
        "first", flat=True)
    for value in list(first_post) + list(first_event):
        if value is not None:
            candidates.append(day_of(value))
    return min(candidates)


async def stored_until(group_id: int) -> date | None:
    """The last day rolled up for the group, if any."""
    rows = await GroupDailyStat.filter(group_id=group_id).order_by("-day").limit(1).values_list("day", flat=True)
    return rows[0] if rows else None


async def missing_days(group: Actor, today: date) -> int:
    """How many finished days are not rolled up yet (a first rollup counts the group's whole history)."""
    yesterday = today - timedelta(days=1)
    last = await stored_until(group.id)
    first = last + timedelta(days=1) if last else max(await _first_day(group),
                                                      yesterday - timedelta(days=MAX_BACKFILL_DAYS))
    return max(0, (yesterday - first).days + 1)


async def run_soon(now: datetime) -> None:
    """Have the rollup job run at the next worker pass (a long history is rolled up there, not in a page view)."""
    await schedule(JOB_KIND, JOB_KEY, now)


async def roll_up(group: Actor, today: date | None = None) -> int:
    """Store the finished days not stored yet (up to yesterday); returns how many days were stored."""
    yesterday = (today or today_utc()) - timedelta(days=1)
    last = await stored_until(group.id)
    first = last + timedelta(days=1) if last else max(await _first_day(group),
                                                      yesterday - timedelta(days=MAX_BACKFILL_DAYS))
    if first > yesterday:
        if not await GroupTopContributor.filter(group_id=group.id, until=yesterday).exists():
            await _store_top(group.id, yesterday)  # rolled up before the leaders were kept
        return 0
    counts = await count_days(group.id, first, yesterday)
    prior = await _trailing_active(group.id, counts, first, yesterday)
    stats = [GroupDailyStat(group_id=group.id, day=day, active_prior_week=prior[day][0],
                            active_prior_month=prior[day][1], **vars(figures))
             for day, figures in counts.days.items()]
    rows = [GroupMemberDay(group_id=group.id, actor_id=actor_id, day=day, posts=m.posts, replies=m.replies,
                           votes=m.votes, checkins=m.checkins, active=m.active, joined=m.joined)
            for (actor_id, day), m in counts.members.items()]
    # Cohorts whose following weeks reach into the new days are counted again.
    first_week = monday(first) - timedelta(days=7 * FOLLOWING_WEEKS)
    try:
        async with in_transaction():
            await GroupMemberDay.filter(group_id=group.id, day__gte=first, day__lte=yesterday).delete()
            await GroupDailyStat.bulk_create(stats, batch_size=500)
            await GroupMemberDay.bulk_create(rows, batch_size=500)
            cohorts = await count_cohorts(group.id, first_week, yesterday)
            await GroupCohort.filter(group_id=group.id, week_start__gte=first_week).delete()
            await GroupCohort.bulk_create(cohorts, batch_size=500)
            await _store_top(group.id, yesterday)
    except IntegrityError:  # another process rolled up the same days at the same moment: theirs stand
        return 0
    return len(stats)


async def _store_top(group_id: int, until: date) -> None:
    rows = await count_top(group_id, until)
    await GroupTopContributor.filter(group_id=group_id).delete()
    await GroupTopContributor.bulk_create(rows)


async def roll_up_all(today: date | None = None) -> int:
    """Roll up every local group (the nightly job); returns the number of days stored."""
    stored = 0
    for group in await Actor.filter(type="Group", is_local=True, deleted_at__isnull=True):
        stored += await roll_up(group, today)
        await snapshot_servers(group.id, datetime.now(timezone.utc))  # members per server, for the page
    return stored


def next_run(now: datetime) -> datetime:
    """Five minutes past the next UTC midnight."""
    return day_start(day_of(now) + timedelta(days=1)) + timedelta(minutes=5)


async def ensure_scheduled(now: datetime) -> None:
    """Make sure the nightly rollup job is pending (the insights page calls this: it starts the cycle)."""
    if not await ScheduledJob.filter(key=JOB_KEY, state="pending").exists():
        await schedule(JOB_KIND, JOB_KEY, next_run(now))


async def rollup_job(ctx: "FederationContext", job: ScheduledJob, now: datetime) -> None:
    """The nightly job: roll up every local group, then come back the next night."""
    stored = await roll_up_all(day_of(now))
    log.info("group insights: %d group days rolled up", stored)
    await schedule(JOB_KIND, JOB_KEY, next_run(now), keep_earlier=False)
