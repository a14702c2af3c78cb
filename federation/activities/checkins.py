"""Daily check-ins: moderators run a series (a prompt, a zone, the weekdays it runs); each run day the group
posts that day's thread; members check in once a day, by replying to it (any ActivityPub app) or with the
Check in button, which posts the same reply.

- The day thread is an ordinary group thread (a titled Page by a moderator, relayed by the group), so Lemmy,
  Mbin and Mastodon show it like any other; the job "checkin.day" posts it at midnight in the series' zone.
- Replies count through federation/activities/checkins_replies.py (called by group intake and create_status).
- Streaks are arithmetic over the days the series ran: federation/activities/checkin_streaks.py.
Every function that depends on the time takes `now`, so tests drive days without touching the clock.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable
from zoneinfo import available_timezones

from babel.dates import format_date
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from federation import modlog
from federation.actions.statuses import ActionError, StatusInput, create_status
from federation.activities.checkin_streaks import day_start, local_day, next_run_day, previous_run_day, runs_on
from federation.activities.checkins_replies import MAX_NOTE, takes_part, window_end, zone_of
from federation.groups.access import active_mute, is_moderator
from federation.schedule import schedule, unschedule
from models.actors import Actor
from models.checkins import ALL_WEEKDAYS, Checkin, CheckinDay, CheckinSeries
from models.groups import OWNER, GroupRole
from models.queues import ScheduledJob

if TYPE_CHECKING:
    from federation.context import FederationContext

log = logging.getLogger(__name__)

DAY_JOB = "checkin.day"
MAX_PROMPT = 200
MAX_ZONE = 64
# The text of a check-in posted with the button and no note (a reply must say something).
CHECKED_IN_TEXT = "✅ Checked in."

# Error codes (the web layer shows each in the reader's language).
NOT_MODERATOR = "not_moderator"
NOT_LOCAL = "not_local"
PROMPT_MISSING = "prompt_missing"
PROMPT_TOO_LONG = "prompt_too_long"
BAD_ZONE = "bad_zone"
NO_WEEKDAYS = "no_weekdays"
BAD_WEEKDAYS = "bad_weekdays"
ALREADY_RUNNING = "already_running"
ENDED = "ended"
PAUSED = "paused"
NOT_MEMBER = "not_member"
NO_DAY_OPEN = "no_day_open"
ALREADY_CHECKED_IN = "already_checked_in"
NOTE_TOO_LONG = "note_too_long"
MUTED = "muted"
NO_AUTHOR = "no_author"


class CheckinError(ActionError):
    """A check-in action that cannot be done; `code` names the reason (see the constants above)."""

    def __init__(self, code: str, message: str, status: int = 422) -> None:
        super().__init__(message, status)
        self.code = code


@dataclass(frozen=True)
class SeriesSettings:
    prompt: str
    time_zone: str
    weekdays: str  # digits, Monday is 0


def parse_weekdays(raw: Any) -> str:
    """Weekdays as digits ("024"), from digits, a list of numbers 0-6 (Monday is 0), or a list of digit strings."""
    if raw is None:
        return ALL_WEEKDAYS
    items: Iterable[Any] = list(raw) if isinstance(raw, (list, tuple, set, str)) else [raw]
    found: set[int] = set()
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        if not text.isdigit() or int(text) > 6 or isinstance(item, bool):
            raise CheckinError(BAD_WEEKDAYS, "weekdays are numbers from 0 (Monday) to 6 (Sunday)")
        found.add(int(text))
    if not found:
        raise CheckinError(NO_WEEKDAYS, "choose at least one day of the week")
    return "".join(str(day) for day in sorted(found))


def parse_settings(prompt: Any, time_zone: Any, weekdays: Any) -> SeriesSettings:
    if not isinstance(prompt, (str, type(None))) or not isinstance(time_zone, (str, type(None))):
        raise CheckinError(PROMPT_MISSING if not isinstance(prompt, (str, type(None))) else BAD_ZONE,
                           "the prompt and the time zone are text")
    text = " ".join((prompt or "").split())
    if not text:
        raise CheckinError(PROMPT_MISSING, "the prompt is missing")
    if len(text) > MAX_PROMPT:
        raise CheckinError(PROMPT_TOO_LONG, f"the prompt is longer than {MAX_PROMPT} characters")
    zone = (time_zone or "UTC").strip()
    if len(zone) > MAX_ZONE or zone not in _zones():
        raise CheckinError(BAD_ZONE, "the time zone must be an IANA name such as Europe/Amsterdam")
    return SeriesSettings(prompt=text, time_zone=zone, weekdays=parse_weekdays(weekdays))


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


_ZONES: frozenset[str] | None = None


def _utc(now: datetime | None) -> datetime:
    return now or datetime.now(timezone.utc)


def job_key(series: CheckinSeries) -> str:
    return f"{DAY_JOB}:{series.id}"


# --- moderators: set up, edit, pause, resume, end ----------------------------------------------------


async def _require_moderator(group: Actor, moderator: Actor) -> None:
    if not group.is_local or group.type != "Group":
        raise CheckinError(NOT_LOCAL, "check-ins run in local groups only", status=422)
    if not await is_moderator(group, moderator):
        raise CheckinError(NOT_MODERATOR, "only the group's moderators run its check-ins", status=403)


async def current_series(group: Actor) -> CheckinSeries | None:
    """The group's running or paused series; else the one that ended last; else None."""
    running = await CheckinSeries.filter(group=group, ended_at=None).order_by("-id").first()
    return running or await CheckinSeries.filter(group=group).order_by("-ended_at", "-id").first()


async def start_series(ctx: "FederationContext", moderator: Actor, group: Actor, settings: SeriesSettings,
                       now: datetime | None = None) -> CheckinSeries:
    await _require_moderator(group, moderator)
    if await CheckinSeries.filter(group=group, ended_at=None).exists():
        raise CheckinError(ALREADY_RUNNING, "this group already runs a check-in: edit it, or end it first", 409)
    async with in_transaction():
        series = await CheckinSeries.create(group=group, prompt=settings.prompt, time_zone=settings.time_zone,
                                            weekdays=settings.weekdays, created_by=moderator)
        await modlog.record("checkin.started", moderator=moderator, target=series.prompt, group=group)
        await _schedule_from(series, _utc(now))
    ctx.wake()
    return series


async def edit_series(ctx: "FederationContext", moderator: Actor, series: CheckinSeries, settings: SeriesSettings,
                      now: datetime | None = None) -> CheckinSeries:
    group = await series.group
    await _require_moderator(group, moderator)
    if series.ended_at is not None:
        raise CheckinError(ENDED, "this check-in has ended", 409)
    series.prompt, series.time_zone, series.weekdays = settings.prompt, settings.time_zone, settings.weekdays
    async with in_transaction():
        await series.save(update_fields=["prompt", "time_zone", "weekdays"])
        await modlog.record("checkin.edited", moderator=moderator, target=series.prompt, group=group)
        if series.active:
            await _schedule_from(series, _utc(now))
    ctx.wake()
    return series


async def set_paused(ctx: "FederationContext", moderator: Actor, series: CheckinSeries, paused: bool,
                     now: datetime | None = None) -> CheckinSeries:
    """Pause (no day threads, no check-ins; streaks do not break on the days skipped) or resume."""
    group = await series.group
    await _require_moderator(group, moderator)
    if series.ended_at is not None:
        raise CheckinError(ENDED, "this check-in has ended", 409)
    if series.active != paused:
        return series
    series.active = not paused
    async with in_transaction():
        await series.save(update_fields=["active"])
        await modlog.record("checkin.paused" if paused else "checkin.resumed", moderator=moderator,
                            target=series.prompt, group=group)
        if paused:
            await unschedule(job_key(series))
        else:
            await _schedule_from(series, _utc(now))
    ctx.wake()
    return series


async def end_series(ctx: "FederationContext", moderator: Actor, series: CheckinSeries,
                     now: datetime | None = None) -> CheckinSeries:
    """End it for good: its days and check-ins stay (and its leaderboard); the group may start another."""
    group = await series.group
    await _require_moderator(group, moderator)
    if series.ended_at is not None:
        return series
    series.active, series.ended_at = False, _utc(now)
    async with in_transaction():
        await series.save(update_fields=["active", "ended_at"])
        await modlog.record("checkin.ended", moderator=moderator, target=series.prompt, group=group)
        await unschedule(job_key(series))
    ctx.wake()
    return series


# --- the day job ------------------------------------------------------------------------------------


async def _schedule_from(series: CheckinSeries, now: datetime) -> None:
    """The next day job: now when today is a run day whose thread is not up yet, else the next run day's midnight."""
    zone = zone_of(series)
    today = local_day(now, zone)
    if runs_on(series.weekdays, today) and not await CheckinDay.filter(series=series, day=today,
                                                                       thread_id__not_isnull=True).exists():
        await schedule(DAY_JOB, job_key(series), now, {"series_id": series.id, "not_before": today.isoformat()},
                       keep_earlier=False)
        return
    await _schedule_day(series, next_run_day(series.weekdays, today))


async def _schedule_day(series: CheckinSeries, day: date | None) -> None:
    if day is None:
        return
    await schedule(DAY_JOB, job_key(series), day_start(day, zone_of(series)),
                   {"series_id": series.id, "not_before": day.isoformat()}, keep_earlier=False)


async def run_day_job(ctx: "FederationContext", job: ScheduledJob, now: datetime) -> None:
    """The "checkin.day" job: post the day's thread (once: CheckinDay is unique per series and day), then schedule
    the next run day. A job that runs late still posts its day while that day is open, never a day before
    `not_before` (the series started, resumed or was changed then)."""
    series = await CheckinSeries.filter(id=int(job.payload.get("series_id") or 0)).first()
    if series is None or not series.active or series.ended_at is not None:
        return
    zone = zone_of(series)
    today = local_day(now, zone)
    target = today if runs_on(series.weekdays, today) else previous_run_day(series.weekdays, today)
    not_before = _date(job.payload.get("not_before"))
    if target is not None and (not_before is None or target >= not_before) \
            and now < window_end(target, series.weekdays, zone):
        await ensure_day(ctx, series, target)
    await _schedule_day(series, next_run_day(series.weekdays, today))


def _date(raw: Any) -> date | None:
    try:
        return date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def day_title(prompt: str, day: date) -> str:
    """"Today's practice — Tuesday 1 December" (federated text, in the server's language: English)."""
    return f"{prompt} — {format_date(day, 'EEEE d MMMM', locale='en_GB')}"


def day_text(day: date) -> str:
    """The thread's text (its title carries the prompt)."""
    return f"Reply to this thread to check in for {format_date(day, 'EEEE d MMMM', locale='en_GB')}."


async def thread_author(series: CheckinSeries) -> Actor | None:
    """Who writes the day threads: the moderator who set the series up; if they are gone, the group's owner or
    another moderator (local people only: Lemmy needs a Person as a thread's author)."""
    roles = await GroupRole.filter(group_id=series.group_id).prefetch_related("actor").order_by("id")
    people = [role for role in roles if role.actor.is_local and role.actor.deleted_at is None
              and role.actor.type == "Person"]
    for role in people:
        if role.actor_id == series.created_by_id:
            return role.actor
    ordered = sorted(people, key=lambda role: role.role != OWNER)
    return ordered[0].actor if ordered else None


async def ensure_day(ctx: "FederationContext", series: CheckinSeries, day: date) -> CheckinDay:
    """The day's CheckinDay with its thread, posted now if it is not up yet (idempotent)."""
    existing = await CheckinDay.filter(series=series, day=day).first()
    if existing is not None and existing.thread_id is not None:
        return existing
    author = await thread_author(series)
    if author is None:
        raise CheckinError(NO_AUTHOR, "the group has no moderator on this server to post the day's thread", 409)
    group = await series.group
    try:
        async with in_transaction():
            row = existing or await CheckinDay.create(series=series, day=day)
            thread = await create_status(ctx, author, StatusInput(
                text=day_text(day), group=group, title=day_title(series.prompt, day)))
            row.thread = thread
            await row.save(update_fields=["thread_id"])
    except IntegrityError:  # another process posted it meanwhile
        return await CheckinDay.get(series=series, day=day)
    return row


# --- members: the Check in button -------------------------------------------------------------------


@dataclass(frozen=True)
class OpenDay:
    """The day a check-in now counts for, and whether its thread is up yet."""

    day: date
    row: CheckinDay | None


async def open_day(series: CheckinSeries, now: datetime) -> OpenDay | None:
    """Today when the series runs today; else the last run day while it is still open; else None."""
    if not series.active or series.ended_at is not None:
        return None
    zone = zone_of(series)
    today = local_day(now, zone)
    if runs_on(series.weekdays, today):
        return OpenDay(today, await CheckinDay.filter(series=series, day=today).first())
    last = await CheckinDay.filter(series=series, day__lte=today, thread_id__not_isnull=True).order_by("-day").first()
    if last is not None and now < window_end(last.day, series.weekdays, zone):
        return OpenDay(last.day, last)
    return None


async def check_in(ctx: "FederationContext", actor: Actor, series: CheckinSeries, note: str = "",
                   attachments: tuple[dict[str, Any], ...] = (), now: datetime | None = None) -> Checkin:
    """Check in for the open day: the check-in is posted as a reply to the day's thread, so everyone (here and
    on other servers) sees it the way they see replies."""
    moment = _utc(now)
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise CheckinError(NOTE_TOO_LONG, f"the note is longer than {MAX_NOTE} characters")
    if series.ended_at is not None:
        raise CheckinError(ENDED, "this check-in has ended", 409)
    if not series.active:
        raise CheckinError(PAUSED, "this check-in is paused", 409)
    group = await series.group
    if not await takes_part(group, actor):
        raise CheckinError(NOT_MEMBER, "only members of the group check in", 403)
    if await active_mute(group, actor) is not None:
        raise CheckinError(MUTED, "your posts in this group wait for a moderator, so you cannot check in now", 403)
    found = await open_day(series, moment)
    if found is None:
        raise CheckinError(NO_DAY_OPEN, "there is no check-in today", 409)
    if await Checkin.filter(series=series, actor=actor, day=found.day).exists():
        raise CheckinError(ALREADY_CHECKED_IN, "you already checked in today", 409)
    day = await ensure_day(ctx, series, found.day)
    thread = await day.thread
    try:
        async with in_transaction():
            # Recorded first: the reply's own counting (checkins_replies) then finds it and leaves it as it is.
            checkin = await Checkin.create(series=series, actor=actor, day=found.day, note=note or None)
            reply = await create_status(ctx, actor, StatusInput(text=note or CHECKED_IN_TEXT, in_reply_to=thread,
                                                                attachments=attachments))
            checkin.post = reply
            await checkin.save(update_fields=["post_id"])
    except IntegrityError:
        raise CheckinError(ALREADY_CHECKED_IN, "you already checked in today", 409) from None
    return checkin
