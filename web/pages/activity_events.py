"""Event pages: the panel under an event's post (when, where, seats, registration), a group's Events tab and a
page's events, the form to create or edit an event, cancelling, registering and leaving, and the calendars
(.ics of one event, the feed of a group's or a page's upcoming events). The organisers' attendee list is in
activity_events_attendees.py.

Who sees an event is who sees its post (federation/audience.py): a hidden event answers 404 like a missing one.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from aiohttp import web
from babel.dates import format_date, format_skeleton
from multidict import MultiDictProxy
from tortoise.expressions import Subquery

from federation import audience
from federation.actions import ActionError
from federation.activities import events_elsewhere, events_manage, events_registration
from federation.activities.events import EVENT_TYPE, EventView, event_view, event_zone, upcoming
from federation.activities.events_ical import MEDIA_TYPE, CalendarItem, calendar
from federation.activities.events_manage import EventInputError, parse_event_input
from federation.local_actors import can_act_as
from models.actors import Actor
from models.events import PARTICIPANT, WAITLISTED, Event, EventParticipant
from models.posts import Post
from web import app_keys as keys
from web.activity_panels import register_panel
from web.i18n import N_
from web.pages import activity_events_attendees
from web.pages.community_common import flash, read_form, see_other, text_field, viewer_of, visible_post
from web.pages.community_groups import group_header, local_group
from web.pages.community_profiles import profile_actor
from web.sessions import require_user
from web.templating import gettext, render_page, request_locale
from web.timezones import format_local_time, viewer_zone, zone_choices

LISTED = 50
GOING_SHOWN = 24
FIELDS = {"title": 300, "description": 5000, "starts_at": 64, "ends_at": 64, "time_zone": 64, "place_name": 200,
          "place_address": 500, "online_url": 2048, "capacity": 12, "join_mode": 16}
# What a form says beside a wrong field (the federation layer names the field).
FIELD_ERRORS = {
    "title": N_("Give the event a title of at most 300 characters."),
    "description": N_("The description is too long."),
    "starts_at": N_("Say when the event starts: a date and a time."),
    "ends_at": N_("The end must be a date and time after the start, at most a year later."),
    "time_zone": N_("Choose a time zone from the list."),
    "place_name": N_("The place name is too long."),
    "place_address": N_("The address is too long."),
    "online_url": N_("The online link must be a web address starting with https://"),
    "capacity": N_("Capacity is a whole number of seats, or empty for no limit."),
    "join_mode": N_("Choose how people register."),
}
CLOSED = {
    "anonymous": N_("Sign in to register."),
    "cancelled": N_("This event was cancelled."),
    "over": N_("This event is over."),
    "invite": N_("Only people the organisers invited can register."),
    "rejected": N_("The organisers declined your registration."),
    "external": N_("Registration happens on the organiser's site."),
    "banned": N_("You are banned from this event's group."),
    "full": N_("This event is full."),
}


def ics_response(body: bytes, file_name: str, public: bool) -> web.Response:
    return web.Response(body=body, content_type=MEDIA_TYPE, charset="utf-8", headers={
        "Content-Disposition": f'inline; filename="{file_name}"',
        "Cache-Control": "public, max-age=300" if public else "private, no-store",
    })


# --- the panel under the event's post --------------------------------------------------------------------


async def _waitlist_position(view: EventView, viewer: Actor) -> int:
    if view.state != WAITLISTED:
        return 0
    rows = await EventParticipant.filter(event_id=view.event.id, state=WAITLISTED).order_by("queued_at", "id") \
        .values_list("actor_id", flat=True)
    return list(rows).index(viewer.id) + 1 if viewer.id in rows else 0


def when_text(request: web.Request, view: EventView) -> str:
    """"14 Dec 2026, 10:00 – 12:00" in the event's zone (the end's date only when it is another day)."""
    locale = request_locale(request)
    zone, event = view.zone, view.event
    start = format_local_time(event.starts_at, zone, locale)
    if event.ends_at is None:
        return start
    if event.ends_at.astimezone(zone).date() == event.starts_at.astimezone(zone).date():
        where = "en_GB" if locale == "en" else locale
        return f"{start} – {format_skeleton('Hm', event.ends_at, tzinfo=zone, locale=where)}"
    return f"{start} – {format_local_time(event.ends_at, zone, locale)}"


async def event_panel(request: web.Request, post: Post, viewer: Actor | None) -> dict[str, Any]:
    if post.type != EVENT_TYPE:
        return {}
    view = await event_view(post, viewer)
    if view is None:
        return {}
    going: list[Actor] = []
    if viewer is not None:  # who goes: for signed-in people who see the event (its organisers see everyone)
        rows = await EventParticipant.filter(event_id=view.event.id, state=PARTICIPANT).order_by("queued_at", "id") \
            .limit(GOING_SHOWN).prefetch_related("actor")
        going = [row.actor for row in rows]
    return {"event": {
        "view": view, "going": going, "when": when_text(request, view),
        "position": await _waitlist_position(view, viewer) if viewer is not None else 0,
        "closed_text": gettext(request, CLOSED[view.closed]) if view.closed in CLOSED else "",
    }}


# --- registering and leaving ----------------------------------------------------------------------------


async def _event_of(request: web.Request) -> tuple[Post, Event]:
    found = await visible_post(request, request.match_info["post_id"])
    event = await Event.filter(post_id=found.post.id).first() if found.post.type == EVENT_TYPE else None
    if event is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such event, or it is only for some people."))
    return found.post, event


async def registration(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    post, event = await _event_of(request)
    form = await read_form(request)
    ctx = request.app[keys.FEDERATION]
    try:
        if request.match_info["action"] == "register":
            message = text_field(form, "message", events_registration.MAX_MESSAGE)
            if post.is_local:
                await events_registration.register(ctx, post, event, user, message=message)
            else:
                await events_elsewhere.request(ctx, post, event, user, message=message)
        elif post.is_local:
            await events_registration.leave(ctx, post, event, user)
        else:
            await events_elsewhere.withdraw(ctx, post, event, user)
    except events_registration.RegistrationError as exc:
        raise web.HTTPConflict(text=gettext(request, CLOSED.get(exc.key, "You cannot register for this event.")))
    except ActionError as exc:
        raise web.HTTPConflict(text=gettext(request, str(exc))) from None
    raise see_other(f"/threads/{post.id}#event")


# --- the group's Events tab and a page's events ---------------------------------------------------------


async def _views(request: web.Request, posts: Any, past: bool) -> list[EventView]:
    now = datetime.now(timezone.utc)
    query = Event.filter(post_id__in=Subquery(posts.values("id")))
    if past:
        query = query.exclude(upcoming(now)).order_by("-starts_at", "-id")
    else:
        query = query.filter(upcoming(now)).order_by("starts_at", "id")
    viewer = viewer_of(request)
    views = []
    for event in await query.limit(LISTED).prefetch_related("post", "post__author"):
        view = await event_view(event.post, viewer, now)
        if view is not None:
            views.append(view)
    return views


def _date_badges(request: web.Request, views: list[EventView]) -> dict[int, tuple[str, int]]:
    """The month (abbreviated in the page's language) and day of each event, in the event's zone."""
    locale = request_locale(request)
    where = "en_GB" if locale == "en" else locale
    badges = {}
    for view in views:
        start = view.event.starts_at.astimezone(view.zone)
        badges[view.post.id] = (format_date(start, "MMM", locale=where), start.day)
    return badges


def _listed(seen_by: audience.Viewer, **filters: Any) -> Any:
    return Post.filter(audience.visible_posts(seen_by), type=EVENT_TYPE, removed_at=None, in_reply_to_id=None,
                       **filters)


async def group_events(request: web.Request) -> web.StreamResponse:
    group = await local_group(request)
    viewer = viewer_of(request)
    seen_by = audience.viewer_of(viewer)
    readable = await audience.may_see_group_content(group, seen_by)
    header = await group_header(request, group, seen_by)
    past = request.query.get("when") == "past"
    views = await _views(request, _listed(seen_by, group=group), past) if readable else []
    return render_page(
        request, "activities/event_list.html", **header, readable=readable, views=views, past=past,
        badges=_date_badges(request, views),
        base=f"/groups/{group.group_name}/events", calendar_url=f"/groups/{group.group_name}/calendar.ics",
        new_url=f"/groups/{group.group_name}/events/new"
        if viewer is not None and (header["moderator"] or not group.posting_restricted_to_mods) else "",
        flash=flash(request),
    )


async def profile_events(request: web.Request) -> web.StreamResponse:
    actor = await profile_actor(request)
    viewer = viewer_of(request)
    past = request.query.get("when") == "past"
    views = await _views(request, _listed(audience.viewer_of(viewer), author=actor, group_id=None), past)
    can_post = viewer is not None and await can_act_as(viewer, actor)
    return render_page(
        request, "activities/event_list.html", actor=actor, readable=True, views=views, past=past,
        badges=_date_badges(request, views),
        base=f"/@{actor.local_name}/events", calendar_url=f"/@{actor.local_name}/calendar.ics",
        new_url=f"/@{actor.local_name}/events/new" if can_post else "", flash=flash(request),
    )


# --- creating and editing ------------------------------------------------------------------------------


def _values(form: MultiDictProxy[Any]) -> dict[str, str]:
    return {name: text_field(form, name, limit) for name, limit in FIELDS.items()}


def _form_page(request: web.Request, *, heading: str, action: str, back: str, values: dict[str, str],
               errors: dict[str, str] | None = None, status: int = 200, submit: str = "",
               context: dict[str, Any] | None = None) -> web.Response:
    return render_page(
        request, "activities/event_form.html", status=status, heading=heading, action=action, back=back,
        values=values, errors=errors or {}, zones=zone_choices(), submit=submit or gettext(request, "Create the event"),
        **(context or {}),
    )


def _new_values(request: web.Request) -> dict[str, str]:
    return {"time_zone": viewer_zone(request).key, "join_mode": "free"}


def _error_for(request: web.Request, exc: ActionError) -> dict[str, str]:
    if isinstance(exc, EventInputError):
        return {exc.field: gettext(request, FIELD_ERRORS.get(exc.field, "Check this field."))}
    return {"form": gettext(request, str(exc))}


async def _new_in(request: web.Request, group: Actor | None, author: Actor, back: str, action: str) -> web.StreamResponse:
    if request.method == "GET":
        return _form_page(request, heading=gettext(request, "New event"), action=action, back=back,
                          values=_new_values(request), context={"group": group})
    form = await read_form(request)
    values = _values(form)
    try:
        data = parse_event_input(values)
        post = await events_manage.create_event(request.app[keys.FEDERATION], author, data, group=group)
    except ActionError as exc:
        return _form_page(request, heading=gettext(request, "New event"), action=action, back=back, values=values,
                          errors=_error_for(request, exc), status=exc.status, context={"group": group})
    if group is not None and post.group_id != group.id:
        raise see_other(back, "held")
    raise see_other(f"/threads/{post.id}", "posted")


async def new_group_event(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    group = await local_group(request)
    if not await audience.may_see_group_content(group, audience.viewer_of(user)):
        raise web.HTTPForbidden(text=gettext(request, "Only members can post in this private group."))
    base = f"/groups/{group.group_name}/events"
    return await _new_in(request, group, user, base, base + "/new")


async def new_profile_event(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    actor = await profile_actor(request)
    if not await can_act_as(user, actor):
        raise web.HTTPForbidden(text=gettext(request, "Only the page's admins can post as the page."))
    base = f"/@{actor.local_name}/events"
    return await _new_in(request, None, actor, base, base + "/new")


def _current_values(post: Post, event: Event) -> dict[str, str]:
    local = event_zone(event)  # the form shows wall-clock times in the event's own zone
    return {
        "title": post.name or "", "description": post.source or "",
        "starts_at": event.starts_at.astimezone(local).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": event.ends_at.astimezone(local).strftime("%Y-%m-%dT%H:%M") if event.ends_at else "",
        "time_zone": event.time_zone, "place_name": event.place_name or "", "place_address": event.place_address or "",
        "online_url": event.online_url or "", "capacity": str(event.capacity or ""), "join_mode": event.join_mode,
    }


async def edit_event(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    post, event = await _event_of(request)
    view = await event_view(post, user)
    if view is None or not view.organiser:
        raise web.HTTPForbidden(text=gettext(request, "Only the organisers can change this event."))
    action, back = f"/threads/{post.id}/event/edit", f"/threads/{post.id}"
    heading = gettext(request, "Edit the event")
    submit = gettext(request, "Save the event")
    if request.method == "GET":
        return _form_page(request, heading=heading, action=action, back=back, values=_current_values(post, event),
                          submit=submit, context={"editing": view})
    values = _values(await read_form(request))
    try:
        await events_manage.edit_event(request.app[keys.FEDERATION], user, post, parse_event_input(values))
    except ActionError as exc:
        return _form_page(request, heading=heading, action=action, back=back, values=values, submit=submit,
                          errors=_error_for(request, exc), status=exc.status, context={"editing": view})
    raise see_other(f"/threads/{post.id}#event", "post_edited")


async def cancel_event(request: web.Request) -> web.StreamResponse:
    user = require_user(request)
    post, _ = await _event_of(request)
    form = await read_form(request)
    try:
        await events_manage.cancel_event(request.app[keys.FEDERATION], user, post, text_field(form, "reason", 1000))
    except ActionError as exc:
        raise web.HTTPForbidden(text=gettext(request, "Only the organisers can change this event.")) from exc
    raise see_other(f"/threads/{post.id}#event")


# --- calendars ------------------------------------------------------------------------------------------


async def _items(request: web.Request, posts: list[Post]) -> list[CalendarItem]:
    base = request.app[keys.FEDERATION].base_url
    events = {event.post_id: event for event in await Event.filter(post_id__in=[post.id for post in posts])}
    return [CalendarItem(post=post, event=events[post.id], author=post.author,
                         url=f"{base}/threads/{post.id}") for post in posts if post.id in events]


async def event_ics(request: web.Request) -> web.StreamResponse:
    post, _ = await _event_of(request)
    public = await audience.may_see_post(post, audience.ANONYMOUS)
    body = calendar(await _items(request, [post]), post.name or "")
    return ics_response(body, f"event-{post.id}.ics", public)


async def _feed(request: web.Request, posts: Any, name: str, file_name: str, public: bool) -> web.Response:
    now = datetime.now(timezone.utc)
    events = Event.filter(upcoming(now), post_id__in=Subquery(posts.values("id"))).order_by("starts_at").limit(500)
    chosen = await Post.filter(id__in=Subquery(events.values("post_id"))).prefetch_related("author")
    return ics_response(calendar(await _items(request, chosen), name), file_name, public)


async def group_calendar(request: web.Request) -> web.StreamResponse:
    group = await local_group(request)
    seen_by = audience.viewer_of(viewer_of(request))
    if not await audience.may_see_group_content(group, seen_by):
        raise web.HTTPNotFound(text=gettext(request, "There is no such group here."))
    return await _feed(request, _listed(seen_by, group=group), group.display_name or group.username or "",
                       f"{group.group_name}.ics", not group.manually_approves and seen_by.is_anonymous)


async def profile_calendar(request: web.Request) -> web.StreamResponse:
    actor = await profile_actor(request)
    seen_by = audience.viewer_of(viewer_of(request))
    return await _feed(request, _listed(seen_by, author=actor, group_id=None),
                       actor.display_name or actor.username or "", f"{actor.local_name}.ics", seen_by.is_anonymous)


def setup(app: web.Application) -> None:
    register_panel(app, event_panel)
    r = app.router
    r.add_get("/groups/{name}/events", group_events, name="group_events")
    r.add_get("/groups/{name}/events/new", new_group_event, name="group_event_new")
    r.add_post("/groups/{name}/events/new", new_group_event, name="group_event_create")
    r.add_get("/groups/{name}/calendar.ics", group_calendar, name="group_calendar")
    r.add_get("/@{name}/events", profile_events, name="profile_events")
    r.add_get("/@{name}/events/new", new_profile_event, name="profile_event_new")
    r.add_post("/@{name}/events/new", new_profile_event, name="profile_event_create")
    r.add_get("/@{name}/calendar.ics", profile_calendar, name="profile_calendar")
    r.add_get("/threads/{post_id}/event.ics", event_ics, name="event_ics")
    r.add_post("/threads/{post_id}/event/{action:register|leave}", registration, name="event_registration")
    r.add_get("/threads/{post_id}/event/edit", edit_event, name="event_edit")
    r.add_post("/threads/{post_id}/event/edit", edit_event, name="event_edit_save")
    r.add_post("/threads/{post_id}/event/cancel", cancel_event, name="event_cancel")
    activity_events_attendees.setup(app)
