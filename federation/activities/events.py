"""Events (Mobilizon's `Event`): what an event is, who organises it, its counts, and its ActivityPub document.

An event is an Event-typed post (its title is the post's `name`, its description the post's content) plus an
Event row with its time, place and registration. The post keeps the audience rules of any post: a group's event
is a thread of that group, a page's event a post of that page (federation/audience.py decides who sees it).

The document follows Mobilizon (lib/federation/activity_stream/converter/event.ex): `startTime` and `endTime`
in the event's own zone, `timezone`, `location` as a schema.org Place with a PostalAddress, the online link as a
Link attachment named "Website", `joinMode`, `maximumAttendeeCapacity`, `remainingAttendeeCapacity`,
`participantCount` and `ical:status` (also `status`, which newer Mobilizon reads first). Mastodon shows an Event
as its title, its `summary` and a link, so `summary` carries the date, time and place in one line.

Registration lives in events_registration.py, creating and editing in events_manage.py, events from other
servers in events_remote.py, the inbox in events_inbox.py and calendars in events_ical.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from tortoise.expressions import Q

from federation.audience import is_group_moderator, viewer_of
from federation.local_actors import can_act_as
from federation.vocab import AS_CONTEXT
from models.actors import Actor
from models.events import (
    CANCELLED, HOLDS_SEAT, INVITED, JOIN_INVITE, PARTICIPANT, PENDING, REQUESTED, WAITLISTED, Event, EventParticipant,
)
from models.posts import Post

EVENT_TYPE = "Event"
# Mobilizon's fourth join mode: registration happens on another site (externalParticipationUrl).
JOIN_EXTERNAL = "external"
# Updates with the new counts go out at most this often per event (many registrations make one Update).
COUNTS_WINDOW = timedelta(seconds=60)
COUNTS_JOB = "event.counts"
# Mobilizon names the Link attachment that holds an event's online address so.
ONLINE_LINK_NAME = "Website"
UTC = ZoneInfo("UTC")

SC = "http://schema.org#"
ICAL = "http://www.w3.org/2002/12/cal/ical#"
MZ = "https://joinmobilizon.org/ns#"
# The terms of Mobilizon's JSON-LD context (lib/federation/activity_pub/utils.ex make_json_ld_header) that an
# event and a registration use.
EVENT_TERMS: dict[str, Any] = {
    "sc": SC,
    "ical": ICAL,
    "mz": MZ,
    "pt": "https://joinpeertube.org/ns#",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "maximumAttendeeCapacity": "sc:maximumAttendeeCapacity",
    "remainingAttendeeCapacity": "sc:remainingAttendeeCapacity",
    "location": {"@id": "sc:location", "@type": "sc:Place"},
    "PostalAddress": "sc:PostalAddress",
    "address": {"@id": "sc:address", "@type": "sc:PostalAddress"},
    "streetAddress": "sc:streetAddress",
    "joinMode": {"@id": "mz:joinMode", "@type": "mz:joinModeType"},
    "participantCount": {"@id": "mz:participantCount", "@type": "sc:Integer"},
    "participationMessage": {"@id": "mz:participationMessage", "@type": "sc:Text"},
    "isOnline": {"@id": "mz:isOnline", "@type": "sc:Boolean"},
    "timezone": {"@id": "mz:timezone", "@type": "sc:Text"},
    "commentsEnabled": {"@id": "pt:commentsEnabled", "@type": "sc:Boolean"},
    "status": {"@id": "ical:status", "@type": "ical:status"},
}
EVENT_CONTEXT: list[Any] = [AS_CONTEXT, EVENT_TERMS]

# IANA names only: letters, digits and _+-, with / between parts ("America/Argentina/Buenos_Aires").
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]{0,30}(?:/[A-Za-z0-9_+-]{1,30}){0,2}")


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_named(name: Any) -> ZoneInfo | None:
    """The time zone with this IANA name, or None when it is not one (never a file path)."""
    if not isinstance(name, str) or not _ZONE_NAME.fullmatch(name) or name not in _known_zones():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def event_zone(event: Event) -> ZoneInfo:
    return zone_named(event.time_zone) or UTC


def in_zone(value: datetime, zone: ZoneInfo) -> str:
    """ISO 8601 with the zone's offset, as Mobilizon writes startTime: 2026-05-02T14:00:00+02:00."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    return aware.astimezone(zone).isoformat(timespec="seconds")


def ends(event: Event) -> datetime:
    """When registration closes and the event leaves the upcoming lists: its end, else its start."""
    return event.ends_at or event.starts_at


def upcoming(now: datetime) -> Q:
    """Events not over at `now` (a filter on Event)."""
    return Q(ends_at__gte=now) | Q(ends_at__isnull=True, starts_at__gte=now)


def is_over(event: Event, now: datetime | None = None) -> bool:
    return ends(event) < (now or datetime.now(timezone.utc))


# --- who organises, and the counts ---------------------------------------------------------------


async def may_organise(actor: Actor | None, post: Post) -> bool:
    """The organisers of a local event: its author, the moderators of its group, and the admins of its page."""
    if actor is None or not post.is_local:
        return False
    if post.author_id == actor.id:
        return True
    group_id = post.group_id or post.audience_group_id
    if group_id is not None:
        group = await Actor.filter(id=group_id).first()
        if group is not None and await is_group_moderator(group, viewer_of(actor)):
            return True
    author = await Actor.get(id=post.author_id)
    return author.type == "Service" and await can_act_as(actor, author)


@dataclass(frozen=True)
class Counts:
    participants: int = 0
    waitlisted: int = 0
    pending: int = 0
    invited: int = 0


async def counts(event: Event, post: Post) -> Counts:
    """Who has a seat, waits, or waits for approval. A remote event's seats are the count its organiser
    publishes; our own registrations are what we know of it."""
    if not post.is_local:
        return Counts(participants=event.participant_count)
    rows = await EventParticipant.filter(event_id=event.id).values_list("state", flat=True)
    return Counts(
        participants=sum(1 for state in rows if state in HOLDS_SEAT),
        waitlisted=sum(1 for state in rows if state == WAITLISTED),
        pending=sum(1 for state in rows if state == PENDING),
        invited=sum(1 for state in rows if state == INVITED),
    )


def remaining(event: Event, participants: int) -> int | None:
    """Seats left, or None when there is no limit."""
    if not event.capacity:
        return None
    return max(0, event.capacity - participants)


async def seat_free(event: Event) -> bool:
    if not event.capacity:
        return True
    taken = await EventParticipant.filter(event_id=event.id, state__in=HOLDS_SEAT).count()
    return taken < event.capacity


# --- the document ----------------------------------------------------------------------------------


def place_line(event: Event) -> str:
    return ", ".join(part for part in (event.place_name, event.place_address) if part)


def summary_line(event: Event) -> str:
    """One line for servers that show only a title and a summary (Mastodon): when, in which zone, and where."""
    zone = event_zone(event)
    start = event.starts_at.astimezone(zone)
    when = start.strftime("%Y-%m-%d %H:%M")
    if event.ends_at is not None:
        end = event.ends_at.astimezone(zone)
        when += "–" + (end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%Y-%m-%d %H:%M"))
    parts = [f"{when} ({event.time_zone})"]
    if event.place_name or event.place_address:
        parts.append(place_line(event))
    elif event.online_url:
        parts.append("Online")
    if event.status == CANCELLED:
        parts.insert(0, "CANCELLED")
    return " · ".join(parts)


def event_document(post: Post, event: Event, participants: int) -> dict[str, Any]:
    """The fields an Event adds to its post's document (pure: the counts are given)."""
    zone = event_zone(event)
    doc: dict[str, Any] = {
        "@context": EVENT_CONTEXT,
        "summary": summary_line(event),
        "startTime": in_zone(event.starts_at, zone),
        "endTime": in_zone(event.ends_at, zone) if event.ends_at is not None else None,
        "timezone": event.time_zone,
        "joinMode": event.join_mode,
        # Mobilizon writes 0 for "no limit" and leaves the remaining seats empty then.
        "maximumAttendeeCapacity": event.capacity or 0,
        "remainingAttendeeCapacity": remaining(event, participants),
        "participantCount": participants,
        "ical:status": event.status,
        "status": event.status,
        "isOnline": bool(event.online_url) and not (event.place_name or event.place_address),
        "commentsEnabled": True,
    }
    if event.place_name or event.place_address:
        location: dict[str, Any] = {"type": "Place", "name": event.place_name or event.place_address}
        if event.place_address:
            location["address"] = {"type": "PostalAddress", "streetAddress": event.place_address}
        doc["location"] = location
    if event.online_url:
        doc["attachment"] = [*(post.attachments or []), {
            "type": "Link", "href": event.online_url, "mediaType": "text/html", "name": ONLINE_LINK_NAME}]
    return {key: value for key, value in doc.items() if value is not None}


async def event_fields(post: Post) -> dict[str, Any]:
    """The post_documents extension: an Event post's time, place, registration and counts."""
    if post.type != EVENT_TYPE:
        return {}
    event = await Event.filter(post_id=post.id).first()
    if event is None:
        return {}
    return event_document(post, event, (await counts(event, post)).participants)


# --- what a viewer's registration looks like ---------------------------------------------------------


@dataclass
class EventView:
    """An event as a page or the API shows it to one viewer."""

    post: Post
    event: Event
    counts: Counts
    remaining: int | None
    state: str | None  # the viewer's registration state, None when there is none
    organiser: bool
    over: bool
    cancelled: bool
    local: bool
    # Why the viewer cannot register now (a message key, see REGISTRATION_CLOSED), or "" when they can.
    closed: str = ""

    @property
    def join_mode(self) -> str:
        return self.event.join_mode

    @property
    def full(self) -> bool:
        return self.remaining == 0

    @property
    def zone(self) -> ZoneInfo:
        return event_zone(self.event)


# Why registration is closed for a viewer (pages translate them; the API returns the key).
REGISTRATION_CLOSED = {
    "anonymous": "Sign in to register.",
    "cancelled": "This event was cancelled.",
    "over": "This event is over.",
    "invite": "Only people the organisers invited can register.",
    "rejected": "The organisers declined your registration.",
    "external": "Registration happens on the organiser's site.",
    "full": "This event is full.",
}


async def event_view(post: Post, viewer: Actor | None, now: datetime | None = None) -> EventView | None:
    """The event of an Event post with the viewer's state, or None when the post has no event."""
    event = await Event.filter(post_id=post.id).first()
    if event is None:
        return None
    seen = await counts(event, post)
    row = await EventParticipant.filter(event_id=event.id, actor_id=viewer.id).first() if viewer else None
    state = row.state if row is not None else None
    view = EventView(
        post=post, event=event, counts=seen, remaining=remaining(event, seen.participants), state=state,
        organiser=await may_organise(viewer, post), over=is_over(event, now), cancelled=event.status == CANCELLED,
        local=post.is_local,
    )
    view.closed = closed_reason(view, viewer)
    return view


def closed_reason(view: EventView, viewer: Actor | None) -> str:
    if viewer is None:
        return "anonymous"
    if view.cancelled:
        return "cancelled"
    if view.over:
        return "over"
    if view.event.join_mode == JOIN_EXTERNAL:
        return "external"
    if view.state == "rejected":
        return "rejected"
    if not view.local and view.full and view.state not in (PARTICIPANT, REQUESTED):
        return "full"  # another server's event: its organiser keeps no waiting list we could join
    if view.local and view.event.join_mode == JOIN_INVITE and view.state not in (INVITED, *HOLDS_SEAT, PENDING,
                                                                                   WAITLISTED):
        return "invite"
    return ""


def has_registration(state: str | None) -> bool:
    """States in which a person has registered (and may leave)."""
    return state in (PARTICIPANT, PENDING, WAITLISTED, REQUESTED)

