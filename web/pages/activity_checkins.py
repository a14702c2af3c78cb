"""A group's daily check-ins: /groups/{name}/checkins (today's prompt and Check in button, today's check-ins, the
leaderboard, the member's calendar, the moderators' settings), and the panel on a day's thread."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from aiohttp import web
from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from federation import audience
from federation.actions import ActionError
from federation.activities import checkins as actions
from federation.activities.checkin_streaks import local_day, month_weeks, next_run_day, runs_on, shift_month
from federation.activities.checkins_board import (
    day_checkins, day_of_thread, leaderboard, member_days, member_streaks, notes_for, run_days,
)
from federation.activities.checkins_replies import MAX_NOTE, takes_part, zone_of
from models.actors import Actor
from models.checkins import ALL_WEEKDAYS, Checkin, CheckinSeries
from models.posts import Post
from web import app_keys as keys
from web.activity_panels import register_panel
from web.i18n import N_
from web.pages.community_common import (
    NOTICES, POST_CREATED_HOOKS, read_form, see_other, text_field, viewer_of,
)
from web.pages.community_groups import group_header, local_group
from web.pages.media import composer_attachments
from web.sessions import require_user
from web.templating import gettext, render_page, request_locale, safe_next
from web.timezones import viewer_zone, zone_choices

MONTH = re.compile(r"(\d{4})-(\d{2})")
ACTIONS = ("start", "save", "pause", "resume", "end")

MY_NOTICES = {
    "checked_in": N_("You checked in. Your check-in is also a reply in today's thread."),
    "checkin_started": N_("The check-in is set up. Today's thread appears when the day starts."),
    "checkin_saved": N_("The check-in's settings are saved."),
    "checkin_paused": N_("The check-in is paused."),
    "checkin_resumed": N_("The check-in runs again."),
    "checkin_ended": N_("The check-in has ended."),
}
ERRORS = {  # federation/activities/checkins.py codes, in the reader's language
    actions.NOT_MODERATOR: N_("Only the group's moderators run its check-ins."),
    actions.PROMPT_MISSING: N_("Write the prompt people check in to."),
    actions.PROMPT_TOO_LONG: N_("The prompt can be at most 200 characters."),
    actions.BAD_ZONE: N_("Choose a time zone from the list."),
    actions.NO_WEEKDAYS: N_("Choose at least one day of the week."),
    actions.BAD_WEEKDAYS: N_("Choose the days from the list."),
    actions.ALREADY_RUNNING: N_("This group already runs a check-in: change it, or end it first."),
    actions.ENDED: N_("This check-in has ended."),
    actions.PAUSED: N_("This check-in is paused."),
    actions.NOT_MEMBER: N_("Only members of the group check in. Join the group first."),
    actions.NO_DAY_OPEN: N_("There is no check-in today."),
    actions.ALREADY_CHECKED_IN: N_("You already checked in today."),
    actions.NOTE_TOO_LONG: N_("The note can be at most 500 characters."),
    actions.MUTED: N_("A moderator reviews your posts in this group first, so you cannot check in now."),
    actions.NO_AUTHOR: N_("The group has no moderator on this server to post the day's thread."),
}


def _error_text(request: web.Request, exc: ActionError) -> str:
    code = getattr(exc, "code", "")
    return gettext(request, ERRORS[code]) if code in ERRORS else gettext(request, str(exc))


def _locale(request: web.Request) -> Locale:
    tag = request_locale(request)
    try:
        return Locale.parse("en_GB" if tag == "en" else tag)
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en_GB")


def _day_label(request: web.Request, day: date) -> str:
    return format_date(day, "EEEE d MMMM", locale=_locale(request))


def _weekday_names(request: web.Request, width: str = "wide") -> list[str]:
    names = _locale(request).days["format"][width]
    return [str(names[index]) for index in range(7)]


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class CalendarCell:
    day: date
    state: str  # "checked", "missed", "open", "planned" or "off"


def _calendar(request: web.Request, series: CheckinSeries, checked: set[date], ran: set[date],
              open_day: date | None, today: date) -> dict[str, Any]:
    """The viewer's month (?month=YYYY-MM, default this month in the series' zone) as weeks of cells."""
    match = MONTH.fullmatch(request.query.get("month", ""))
    year, month = (int(match.group(1)), int(match.group(2))) if match else (today.year, today.month)
    if not (1 <= month <= 12 and 2000 <= year <= 2200):
        year, month = today.year, today.month
    weeks: list[list[CalendarCell | None]] = []
    for week in month_weeks(year, month):
        row: list[CalendarCell | None] = []
        for day in week:
            if day is None:
                row.append(None)
                continue
            if day in checked:
                state = "checked"
            elif day == open_day:
                state = "open"
            elif day in ran:
                state = "missed"
            elif day > today and series.active and runs_on(series.weekdays, day):
                state = "planned"
            else:
                state = "off"
            row.append(CalendarCell(day, state))
        weeks.append(row)
    previous, following = shift_month(year, month, -1), shift_month(year, month, 1)
    base = request.path
    return {
        "weeks": weeks,
        "caption": format_date(date(year, month, 1), "LLLL y", locale=_locale(request)),
        "previous_url": f"{base}?month={previous[0]:04d}-{previous[1]:02d}#calendar",
        "next_url": f"{base}?month={following[0]:04d}-{following[1]:02d}#calendar",
        "weekdays": _weekday_names(request), "weekdays_short": _weekday_names(request, "abbreviated"),
    }


async def _today(request: web.Request, series: CheckinSeries, viewer: Actor | None,
                 seen_by: audience.Viewer, now: datetime) -> dict[str, Any]:
    zone = zone_of(series)
    today = local_day(now, zone)
    found = await actions.open_day(series, now)
    context: dict[str, Any] = {"open": found, "today": today, "day_label": _day_label(request, found.day) if found else "",
                               "thread_id": found.row.thread_id if found and found.row else None}
    checkins = await day_checkins(series, found.day) if found else []
    context["checkins"], context["notes"] = checkins, await notes_for(checkins, seen_by)
    context["checked_in"] = viewer is not None and any(c.actor_id == viewer.id for c in checkins)
    following = next_run_day(series.weekdays, today) if series.active and series.ended_at is None else None
    context["next_label"] = _day_label(request, following) if following else ""
    return context


async def checkins_page(request: web.Request, *, error: str = "", settings_error: str = "",
                        form: dict[str, Any] | None = None, status: int = 200) -> web.StreamResponse:
    group = await local_group(request)
    viewer = viewer_of(request)
    seen_by = audience.viewer_of(viewer)
    header = await group_header(request, group, seen_by)
    readable = await audience.may_see_group_content(group, seen_by)
    series = await actions.current_series(group) if readable else None
    context: dict[str, Any] = {"readable": readable, "series": series, "error": error,
                               "settings_error": settings_error, "form": form or {}}
    message = MY_NOTICES.get(request.query.get("notice", "")) or NOTICES.get(request.query.get("notice", ""))
    context["flash"] = gettext(request, message) if message else ""
    if series is not None:
        now = _now()
        today = await _today(request, series, viewer, seen_by, now)
        context.update(today=today, board=await leaderboard(series, now), weekday_names=_weekday_names(request),
                       runs_on_names=[] if series.weekdays == ALL_WEEKDAYS else
                       [_weekday_names(request)[int(d)] for d in series.weekdays])
        context["takes_part"] = viewer is not None and await takes_part(group, viewer)
        if viewer is not None and (context["takes_part"] or await Checkin.filter(series=series, actor=viewer).exists()):
            days = await member_days(series, viewer)
            open_day = today["open"].day if today["open"] else None
            context["mine"] = await member_streaks(series, viewer, now)
            context["calendar"] = _calendar(request, series, {c.day for c in days}, set(await run_days(series)),
                                            open_day, today["today"])
    if header["moderator"]:
        context["zones"] = zone_choices()
        context["default_zone"] = viewer_zone(request).key
        context["all_weekday_names"] = _weekday_names(request)
    return render_page(request, "activities/checkin_page.html", status=status, **header, **context)


async def show(request: web.Request) -> web.StreamResponse:
    return await checkins_page(request)


async def _readable_series(request: web.Request, group: Actor, user: Actor) -> CheckinSeries:
    if not await audience.may_see_group_content(group, audience.viewer_of(user)):
        raise web.HTTPNotFound(text=gettext(request, "There is no such group here."))
    series = await actions.current_series(group)
    if series is None:
        raise web.HTTPNotFound(text=gettext(request, "This group runs no check-in."))
    return series


async def check_in(request: web.Request) -> web.StreamResponse:
    """The Check in button (a note and images optional): posted as a reply to the day's thread."""
    user = require_user(request)
    group = await local_group(request)
    series = await _readable_series(request, group, user)
    form = await read_form(request)
    note = text_field(form, "note", MAX_NOTE * 2)
    back = safe_next(str(form.get("next", "")), "")
    try:
        extras = await composer_attachments(request, form)
        checkin = await actions.check_in(request.app[keys.FEDERATION], user, series, note,
                                         extras.get("attachments", ()))
    except ActionError as exc:
        return await checkins_page(request, error=_error_text(request, exc), form={"note": note},
                                   status=exc.status)
    reply = await checkin.post
    if reply is not None:
        for hook in request.app.get(POST_CREATED_HOOKS, []):  # e.g. the images now belong to the reply
            await hook(request, reply)
    if back.startswith("/threads/") and reply is not None:
        raise see_other(f"{back.partition('#')[0]}#post-{reply.id}", "posted")
    raise see_other(f"/groups/{group.group_name}/checkins", "checked_in")


async def settings(request: web.Request) -> web.StreamResponse:
    """The moderators' form: set up, change, pause, resume or end the group's check-in."""
    user = require_user(request)
    group = await local_group(request)
    if not await audience.is_group_moderator(group, audience.viewer_of(user)):
        raise web.HTTPForbidden(text=gettext(request, ERRORS[actions.NOT_MODERATOR]))
    form = await read_form(request)
    action = str(form.get("action", ""))
    if action not in ACTIONS:
        raise web.HTTPUnprocessableEntity(text=gettext(request, "Choose what to do with the check-in."))
    values = {"prompt": text_field(form, "prompt", 1000), "time_zone": text_field(form, "time_zone", 100),
              "weekdays": "".join(sorted({str(v) for v in form.getall("weekdays", []) if str(v) in ALL_WEEKDAYS}))}
    ctx = request.app[keys.FEDERATION]
    running = await CheckinSeries.filter(group=group, ended_at=None).order_by("-id").first()
    try:
        if action == "start":
            await actions.start_series(ctx, user, group, actions.parse_settings(
                values["prompt"], values["time_zone"], list(values["weekdays"])))
        elif running is None:
            raise web.HTTPNotFound(text=gettext(request, "This group runs no check-in."))
        elif action == "save":
            await actions.edit_series(ctx, user, running, actions.parse_settings(
                values["prompt"], values["time_zone"], list(values["weekdays"])))
        elif action in ("pause", "resume"):
            await actions.set_paused(ctx, user, running, action == "pause")
        else:
            await actions.end_series(ctx, user, running)
    except ActionError as exc:
        return await checkins_page(request, settings_error=_error_text(request, exc), form=values,
                                   status=exc.status)
    notices = {"start": "checkin_started", "save": "checkin_saved", "pause": "checkin_paused",
               "resume": "checkin_resumed", "end": "checkin_ended"}
    raise see_other(f"/groups/{group.group_name}/checkins", notices[action])


async def thread_panel(request: web.Request, post: Post, viewer: Actor | None) -> dict[str, Any]:
    """On a day's thread: the day, who checked in, and the Check in button while the day is open."""
    if post.in_reply_to_id is not None or post.name is None:
        return {}
    day = await day_of_thread(post.id)
    if day is None:
        return {}
    series = day.series
    group = await series.group
    now = _now()
    found = await actions.open_day(series, now)
    is_open = found is not None and found.day == day.day
    checkins = await day_checkins(series, day.day)
    checked_in = viewer is not None and any(c.actor_id == viewer.id for c in checkins)
    can_check_in = is_open and viewer is not None and not checked_in and await takes_part(group, viewer)
    return {"checkin": {
        "group": group, "series": series, "day_label": _day_label(request, day.day), "open": is_open,
        "checkins": checkins,
        "checked_in": checked_in, "can_check_in": can_check_in,
    }}


def setup(app: web.Application) -> None:
    register_panel(app, thread_panel)
    r = app.router
    r.add_get("/groups/{name}/checkins", show, name="group_checkins")
    r.add_post("/groups/{name}/checkins", check_in, name="group_checkin")
    r.add_post("/groups/{name}/checkins/settings", settings, name="group_checkin_settings")
