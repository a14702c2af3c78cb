"""Events from other servers (Mobilizon, Gancio, another Moot...): their Event row.

A remote Event post gets its Event row when it is stored (federation/remote_posts.py) and again on each
Update{Event} from its owner (federation/inbox/update.py). Fields are read leniently: Mobilizon writes
`ical:status` (and `status`), a PostalAddress in `location.address` and its online address as a Link attachment
named "Website"; Gancio writes the address as text. An Event without a readable `startTime` stays a plain post.

Our people's registrations for these events are in events_elsewhere.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from federation.activities.events import EVENT_TYPE, JOIN_EXTERNAL, ONLINE_LINK_NAME, zone_named
from federation.content import html_to_text
from federation.protocol.common import (
    MAX_URL_LENGTH, as_list, first_text, has_type, http_url_or_none, parse_datetime, text_field,
)
from models.events import CANCELLED, CONFIRMED, JOIN_FREE, JOIN_MODES, TENTATIVE, Event
from models.posts import Post

STATUSES = (CONFIRMED, TENTATIVE, CANCELLED)
MAX_PLACE = 200
MAX_ADDRESS = 500
MAX_COUNT = 10_000_000
_ADDRESS_PARTS = ("streetAddress", "postalCode", "addressLocality", "addressRegion", "addressCountry")
_LINK = frozenset({"Link"})
_PLACE = frozenset({"Place"})


@dataclass(frozen=True)
class RemoteEvent:
    starts_at: datetime
    ends_at: datetime | None
    time_zone: str
    place_name: str | None
    place_address: str | None
    online_url: str | None
    capacity: int | None
    participant_count: int
    join_mode: str
    status: str

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _plain(value: Any, limit: int) -> str | None:
    """Text as people read it: markup dropped, whitespace folded, capped."""
    text = first_text(value)
    if text is None:
        return None
    folded = " ".join(html_to_text(text).split())
    return folded[:limit] or None


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return min(value, MAX_COUNT)


def _address(value: Any) -> str | None:
    """A PostalAddress as one line, or an address given as text (Gancio)."""
    if isinstance(value, dict):
        parts = [_plain(value.get(key), MAX_ADDRESS) for key in _ADDRESS_PARTS]
        return ", ".join(part for part in parts if part)[:MAX_ADDRESS] or None
    return _plain(value, MAX_ADDRESS)


def _location(value: Any) -> tuple[str | None, str | None]:
    for item in as_list(value):
        if isinstance(item, str):
            return _plain(item, MAX_PLACE), None
        if isinstance(item, dict) and (has_type(item, _PLACE) or "address" in item or "name" in item):
            name = _plain(text_field(item, "name"), MAX_PLACE)
            address = _address(item.get("address"))
            if name or address:
                return name, address if address != name else None
    return None, None


def _online(doc: dict[str, Any]) -> str | None:
    """Mobilizon's online address: a text/html Link attachment named "Website"."""
    for item in as_list(doc.get("attachment")):
        if has_type(item, _LINK) and item.get("name") == ONLINE_LINK_NAME:
            found = http_url_or_none(item.get("href"))
            if found and len(found) <= MAX_URL_LENGTH:
                return found
    return None


def parse_remote_event(doc: dict[str, Any]) -> RemoteEvent | None:
    """The event in an Event object, or None without a readable start."""
    starts_at = parse_datetime(doc.get("startTime"))
    if starts_at is None:
        return None
    ends_at = parse_datetime(doc.get("endTime"))
    if ends_at is not None and ends_at < starts_at:
        ends_at = None
    zone = first_text(doc.get("timezone"))
    status = first_text(doc.get("status")) or first_text(doc.get("ical:status")) or CONFIRMED
    mode = first_text(doc.get("joinMode")) or JOIN_FREE
    capacity = _count(doc.get("maximumAttendeeCapacity"))
    place_name, place_address = _location(doc.get("location"))
    return RemoteEvent(
        starts_at=starts_at, ends_at=ends_at, time_zone=zone if zone_named(zone) else "UTC",
        place_name=place_name, place_address=place_address, online_url=_online(doc),
        capacity=capacity or None, participant_count=_count(doc.get("participantCount")) or 0,
        join_mode=mode if mode in (*JOIN_MODES, JOIN_EXTERNAL) else JOIN_FREE,
        status=status.upper() if status.upper() in STATUSES else CONFIRMED,
    )


async def store_remote_event(post: Post, doc: dict[str, Any]) -> Event | None:
    """Create or refresh the Event row of a remote Event post from its document (called in the caller's
    transaction, after the post is stored or updated)."""
    if post.type != EVENT_TYPE or post.is_local:
        return None
    parsed = parse_remote_event(doc)
    if parsed is None:
        return None
    event = await Event.filter(post_id=post.id).first()
    if event is None:
        return await Event.create(post=post, **parsed.fields())
    await Event.filter(id=event.id).update(**parsed.fields())
    return await Event.get(id=event.id)
