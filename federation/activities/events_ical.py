"""Events as iCalendar (RFC 5545), with the `icalendar` package: one event's .ics, and the calendar feed of a
group's or a page's upcoming events. Pure: the caller picked the events its viewer may see."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as CalendarEvent

from federation.activities.events import event_zone, place_line
from federation.content import html_to_text
from models.actors import Actor
from models.events import Event
from models.posts import Post

PRODUCT = "-//Moot//Events//EN"
MEDIA_TYPE = "text/calendar"


@dataclass(frozen=True)
class CalendarItem:
    post: Post
    event: Event
    author: Actor
    url: str  # where people read it: the thread here


def _vevent(item: CalendarItem) -> CalendarEvent:
    post, event = item.post, item.event
    zone = event_zone(event)
    entry = CalendarEvent()
    entry.add("uid", post.uri)
    entry.add("dtstamp", (event.updated_at or datetime.now(timezone.utc)).astimezone(timezone.utc))
    entry.add("summary", post.name or "")
    entry.add("dtstart", event.starts_at.astimezone(zone))
    if event.ends_at is not None:
        entry.add("dtend", event.ends_at.astimezone(zone))
    description = html_to_text(post.content or "").strip()
    if event.cancel_reason:
        description = f"{event.cancel_reason}\n\n{description}".strip()
    if description:
        entry.add("description", description)
    place = place_line(event)
    if place:
        entry.add("location", place)
    elif event.online_url:
        entry.add("location", event.online_url)
    entry.add("url", item.url)
    entry.add("status", event.status)
    organizer = vCalAddress(item.author.url or item.author.uri)
    organizer.params["cn"] = vText(item.author.display_name or item.author.username or "")
    entry.add("organizer", organizer)
    if post.edited_at is not None:
        entry.add("last-modified", post.edited_at.astimezone(timezone.utc))
    return entry


def calendar(items: list[CalendarItem], name: str) -> bytes:
    """A VCALENDAR with one VEVENT per item (and the VTIMEZONEs they use)."""
    cal = Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for item in items:
        cal.add_component(_vevent(item))
    if items:  # the zones' rules for the years the events span (not since 1970)
        starts = [item.event.starts_at for item in items]
        ends = [item.event.ends_at or item.event.starts_at for item in items]
        cal.add_missing_timezones(first_date=date(min(starts).year - 1, 1, 1), last_date=date(max(ends).year + 2, 1, 1))
    return cal.to_ical()
