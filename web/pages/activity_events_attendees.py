"""The organisers' view of an event: pending requests (approve, or reject with a reason), who goes, the waiting list,
invitations (by handle, or from the group's members), who declined or left, and the list as CSV.

Organisers are the event's author, the moderators of its group and the admins of its page
(federation/activities/events.py may_organise); anyone else who may see the event gets 403, anyone who may not
gets 404.
"""
from __future__ import annotations

import csv
import io
from typing import Any

from aiohttp import web

from federation.actions import ActionError
from federation.activities import events_registration
from federation.activities.events import EVENT_TYPE, event_view
from models.actors import Actor
from models.events import (
    INVITED, LEFT, PARTICIPANT, PENDING, REJECTED, REQUESTED, WAITLISTED, Event, EventParticipant,
)
from models.follows import ACCEPTED, Follow
from models.posts import Post
from web import app_keys as keys
from web.i18n import N_
from web.pages.community_common import LookupFailed, lookup_actor, read_form, see_other, text_field, visible_post
from web.sessions import require_user
from web.templating import gettext, render_page

MAX_ROWS = 2000
MEMBERS_OFFERED = 200
STATE_LABELS = {
    PENDING: N_("Waiting for approval"),
    PARTICIPANT: N_("Going"),
    WAITLISTED: N_("On the waiting list"),
    INVITED: N_("Invited"),
    REQUESTED: N_("Requested"),
    REJECTED: N_("Declined by the organisers"),
    LEFT: N_("Left"),
}
# Spreadsheets run a cell that starts with one of these as a formula: such text is kept as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


async def _organised(request: web.Request) -> tuple[Actor, Post, Event, Any]:
    user = require_user(request)
    found = await visible_post(request, request.match_info["post_id"])
    post = found.post
    event = await Event.filter(post_id=post.id).first() if post.type == EVENT_TYPE else None
    if event is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such event, or it is only for some people."))
    view = await event_view(post, user)
    if view is None or not view.organiser:
        raise web.HTTPForbidden(text=gettext(request, "Only the organisers see who registered."))
    return user, post, event, found


async def _rows(event: Event) -> list[EventParticipant]:
    return list(await EventParticipant.filter(event_id=event.id).order_by("queued_at", "id").limit(MAX_ROWS)
                .prefetch_related("actor"))


async def attendees_page(request: web.Request, *, error: str = "", status: int = 200) -> web.StreamResponse:
    user, post, event, found = await _organised(request)
    rows = await _rows(event)
    by_state: dict[str, list[EventParticipant]] = {state: [] for state in STATE_LABELS}
    for row in rows:
        by_state.setdefault(row.state, []).append(row)
    registered = {row.actor_id for row in rows if row.state != LEFT}
    members: list[Actor] = []
    if found.group is not None:  # invite from the member list: members not registered yet
        registered |= {user.id, post.author_id}  # the organisers do not invite themselves
        follows = await Follow.filter(target=found.group, state=ACCEPTED).exclude(follower_id__in=registered) \
            .order_by("id").limit(MEMBERS_OFFERED).prefetch_related("follower")
        members = [follow.follower for follow in follows if follow.follower.type in ("Person", "Service")]
    return render_page(
        request, "activities/event_attendees.html", status=status, post=post, event=event, group=found.group,
        view=await event_view(post, user), by_state=by_state, labels=STATE_LABELS, members=members, error=error,
        base=f"/threads/{post.id}/attendees",
    )


async def attendees_csv(request: web.Request) -> web.StreamResponse:
    _, post, event, _ = await _organised(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([gettext(request, label) for label in
                     (N_("Name"), N_("Handle"), N_("State"), N_("Registered at (UTC)"), N_("Message"), N_("Reason"))])
    for row in await _rows(event):
        actor = row.actor
        handle = f"{actor.username}@{actor.domain}"  # acct form: a leading @ starts a formula
        writer.writerow([_cell(value) for value in (
            actor.display_name or actor.username or "", handle, gettext(request, STATE_LABELS.get(row.state, row.state)),
            row.queued_at.strftime("%Y-%m-%d %H:%M:%S"), row.message or "", row.reason or "")])
    return web.Response(text=out.getvalue(), content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="event-{post.id}-attendees.csv"',
        "Cache-Control": "private, no-store",
    })


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


async def decide(request: web.Request) -> web.StreamResponse:
    user, post, event, _ = await _organised(request)
    raw = request.match_info["account_id"]
    person = await Actor.filter(id=int(raw)).first() if raw.isdigit() else None
    if person is None:
        raise web.HTTPNotFound(text=gettext(request, "There is no such person here."))
    form = await read_form(request)
    approve = request.match_info["decision"] == "approve"
    try:
        await events_registration.decide(request.app[keys.FEDERATION], user, post, event, person, approve,
                                         text_field(form, "reason", events_registration.MAX_REASON))
    except ActionError as exc:
        return await attendees_page(request, error=gettext(request, str(exc)), status=exc.status)
    raise see_other(f"/threads/{post.id}/attendees")


async def invite(request: web.Request) -> web.StreamResponse:
    user, post, event, _ = await _organised(request)
    form = await read_form(request)
    raw_id = text_field(form, "account_id", 20)
    handle = text_field(form, "handle", 300)
    try:
        if raw_id.isdigit():
            person = await Actor.filter(id=int(raw_id), deleted_at=None).first()
            if person is None:
                raise LookupFailed("nobody was found")
        elif handle:
            person = await lookup_actor(request, handle)
        else:
            raise LookupFailed("nobody was found")
        await events_registration.invite(request.app[keys.FEDERATION], user, post, event, person)
    except LookupFailed:
        return await attendees_page(request, status=422, error=gettext(
            request, "Nobody was found with that handle. Type it like @name@server.example."))
    except ActionError as exc:
        return await attendees_page(request, error=gettext(request, _INVITE_ERRORS.get(str(exc), str(exc))),
                                    status=exc.status)
    raise see_other(f"/threads/{post.id}/attendees#invited")


_INVITE_ERRORS = {
    "this person cannot see the event (a private group's event is for its members)":
        N_("This person cannot see the event: a private group's event is for its members."),
    "only people can be invited": N_("Only people can be invited."),
}


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/threads/{post_id}/attendees", attendees_page, name="event_attendees")
    r.add_get("/threads/{post_id}/attendees.csv", attendees_csv, name="event_attendees_csv")
    r.add_post("/threads/{post_id}/attendees/invite", invite, name="event_invite")
    r.add_post("/threads/{post_id}/attendees/{account_id}/{decision:approve|reject}", decide, name="event_decision")
