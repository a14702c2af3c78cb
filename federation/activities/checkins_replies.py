"""A reply to a check-in day's thread is a check-in: what remote members' apps already do counts.

Group intake (federation/groups/intake.py, a remote member's admitted reply) and create_status (a local one)
call record_reply() once the reply is stored. The rule:
- only a reply admitted into the group whose thread root is a CheckinDay thread of an active series of that group;
- only from a member of the group (an accepted follower) or one of its moderators, not banned;
- it counts for the thread's day if it arrives before the series' next run day starts (midnight in the series'
  zone): late federation still counts, a reply to an old thread does not;
- the first one counts; later replies the same day are ordinary replies.
This module imports no action module, so both callers can import it.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from federation.activities.checkin_streaks import window_end
from federation.content import html_to_text
from federation import hot_cache
from federation.threads import thread_root
from federation.groups.access import active_ban, is_member, is_moderator
from models.actors import Actor
from models.checkins import Checkin, CheckinDay, CheckinSeries
from models.posts import Post

log = logging.getLogger(__name__)

MAX_NOTE = 500  # characters of a check-in's note


def zone_of(series: CheckinSeries) -> ZoneInfo:
    try:
        return ZoneInfo(series.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


async def takes_part(group: Actor, actor: Actor) -> bool:
    """Members and moderators of the group take part; a banned one does not."""
    if await active_ban(group, actor) is not None:
        return False
    return await is_moderator(group, actor) or await is_member(group, actor)


def note_of(post: Post) -> str | None:
    text = (post.source if post.is_local and post.source is not None else html_to_text(post.content or "")).strip()
    return text[:MAX_NOTE] or None


async def record_reply(post: Post, author: Actor, group: Actor | None, now: datetime | None = None) -> Checkin | None:
    """Count a stored reply as its author's check-in when the rule above allows; else None (a normal reply)."""
    if group is None or post.in_reply_to_id is None or post.group_id != group.id:
        return None
    batch = hot_cache.current()
    if batch is not None and not (await batch.facts(group)).has_checkins:
        return None  # the batch read once whether the group runs any check-in
    root = await thread_root(post)
    day = await CheckinDay.filter(thread_id=root.id).prefetch_related("series").first()
    if day is None:
        return None
    series = day.series
    if series.group_id != group.id or not series.active or series.ended_at is not None:
        return None
    moment = now or datetime.now(timezone.utc)
    if moment >= window_end(day.day, series.weekdays, zone_of(series)):
        log.info("reply %s to the check-in of %s came after its day closed", post.uri, day.day)
        return None
    if await Checkin.filter(series=series, actor=author, day=day.day).exists():
        return None
    if not await takes_part(group, author):
        return None
    try:
        async with in_transaction():  # a savepoint: a concurrent duplicate leaves the reply itself stored
            return await Checkin.create(series=series, actor=author, day=day.day, note=note_of(post), post=post)
    except IntegrityError:
        return None
