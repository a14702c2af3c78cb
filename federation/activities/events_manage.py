"""Creating, editing and cancelling our events, and the Update{Event} that tells others.

An event is created like any post (federation/actions/statuses.py create_status: a group's rules, addressing and
relay), as an Event-typed post whose Event row is saved in the same transaction. Edits, a cancellation and new
counts go out as Update{Event} from the event's author (Mastodon applies an Update only from the author of what
it has) to the post's audience, the group's relay, and the servers of remote participants.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from federation import notifications, render
from federation.actions.statuses import MAX_STATUS_LENGTH, ActionError, StatusInput, render_status_text, create_status
from federation.activities.events import EVENT_CONTEXT, EVENT_TYPE, may_organise, zone_named
from federation.activities.events_registration import ACTIVE, promote
from federation.groups import relay
from federation.outbox import publish
from federation.post_documents import post_document
from federation.protocol.common import MAX_URL_LENGTH, is_http_url, parse_datetime
from models.actors import Actor
from models.events import CANCELLED, CONFIRMED, JOIN_FREE, JOIN_MODES, Event, EventParticipant
from models.posts import Post
from models.queues import ScheduledJob

if TYPE_CHECKING:
    from federation.context import FederationContext

MAX_TITLE = 300
MAX_PLACE = 200
MAX_ADDRESS = 500
MAX_REASON = 1000
MAX_CAPACITY = 100_000
MAX_DURATION = timedelta(days=366)
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)


class EventInputError(ActionError):
    """A field of an event is wrong; `field` names it, so a form can show the message beside it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, status=422)
        self.field = field


@dataclass(frozen=True)
class EventInput:
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime | None
    time_zone: str
    place_name: str | None = None
    place_address: str | None = None
    online_url: str | None = None
    capacity: int | None = None
    join_mode: str = JOIN_FREE

    def fields(self) -> dict[str, Any]:
        """The Event row's fields."""
        return {
            "starts_at": self.starts_at, "ends_at": self.ends_at, "time_zone": self.time_zone,
            "place_name": self.place_name, "place_address": self.place_address, "online_url": self.online_url,
            "capacity": self.capacity, "join_mode": self.join_mode,
        }


def _text(raw: dict[str, Any], name: str, limit: int) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise EventInputError(name, f"{name} must be text")
    text = " ".join(str(value).split()) if name != "description" else str(value).strip()
    if len(text) > limit:
        raise EventInputError(name, f"{name} is longer than {limit} characters")
    return text


def local_time(text: str, zone_name: str, name: str) -> datetime:
    """A time as a form or the API gives it: ISO 8601 with an offset, or a wall-clock time in the event's zone
    ("2026-05-02T14:00", as <input type=datetime-local> sends it). Returned in UTC."""
    zone = zone_named(zone_name)
    if zone is None:
        raise EventInputError("time_zone", "choose a time zone")
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        found = parse_datetime(text)
        if found is None:
            raise EventInputError(name, f"{name} must be a date and time, such as 2026-05-02T14:00")
        parsed = found
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    value = parsed.astimezone(timezone.utc)
    if not EARLIEST <= value <= LATEST:
        raise EventInputError(name, f"{name} is not a plausible date")
    return value


def parse_event_input(raw: dict[str, Any], *, default_zone: str = "UTC") -> EventInput:
    """An event from form or API values; raises EventInputError naming the first wrong field."""
    title = _text(raw, "title", MAX_TITLE)
    if not title:
        raise EventInputError("title", "give the event a title")
    description = _text(raw, "description", MAX_STATUS_LENGTH)
    zone_name = _text(raw, "time_zone", 64) or default_zone
    if zone_named(zone_name) is None:
        raise EventInputError("time_zone", "choose a time zone from the list")
    start_text = _text(raw, "starts_at", 64)
    if not start_text:
        raise EventInputError("starts_at", "say when the event starts")
    starts_at = local_time(start_text, zone_name, "starts_at")
    end_text = _text(raw, "ends_at", 64)
    ends_at = local_time(end_text, zone_name, "ends_at") if end_text else None
    if ends_at is not None and ends_at <= starts_at:
        raise EventInputError("ends_at", "the end must come after the start")
    if ends_at is not None and ends_at - starts_at > MAX_DURATION:
        raise EventInputError("ends_at", "an event lasts at most a year")
    online_url = _text(raw, "online_url", MAX_URL_LENGTH) or None
    if online_url is not None and not is_http_url(online_url):
        raise EventInputError("online_url", "the online link must be a web address starting with https://")
    capacity = _capacity(raw.get("capacity"))
    join_mode = _text(raw, "join_mode", 16) or JOIN_FREE
    if join_mode not in JOIN_MODES:
        raise EventInputError("join_mode", f"join_mode must be one of {', '.join(JOIN_MODES)}")
    return EventInput(
        title=title, description=description, starts_at=starts_at, ends_at=ends_at, time_zone=zone_name,
        place_name=_text(raw, "place_name", MAX_PLACE) or None,
        place_address=_text(raw, "place_address", MAX_ADDRESS) or None,
        online_url=online_url, capacity=capacity, join_mode=join_mode,
    )


def _capacity(value: Any) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    if isinstance(value, bool):
        raise EventInputError("capacity", "capacity must be a whole number")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise EventInputError("capacity", "capacity must be a whole number") from None
    if not 0 <= number <= MAX_CAPACITY:
        raise EventInputError("capacity", f"capacity must be between 1 and {MAX_CAPACITY}, or empty for no limit")
    return number or None


# --- create, edit, cancel -------------------------------------------------------------------------------


async def create_event(ctx: "FederationContext", actor: Actor, data: EventInput, *, group: Actor | None = None,
                       visibility: str = "public") -> Post:
    """An Event post by `actor` (a person, or a page acting as itself) in `group` or on its own profile."""

    async def save_event(post: Post) -> None:
        await Event.create(post=post, **data.fields())

    status = StatusInput(text=data.description or data.title, title=data.title, group=group, visibility=visibility,
                         post_type=EVENT_TYPE, save_with=save_event)
    return await create_status(ctx, actor, status)


async def _require(actor: Actor, post: Post) -> Event:
    if post.type != EVENT_TYPE or not post.is_local or post.deleted_at is not None:
        raise ActionError("this post is not one of our events", status=404)
    if not await may_organise(actor, post):
        raise ActionError("only the organisers can change this event", status=403)
    event = await Event.filter(post_id=post.id).first()
    if event is None:
        raise ActionError("this post is not one of our events", status=404)
    return event


async def edit_event(ctx: "FederationContext", editor: Actor, post: Post, data: EventInput) -> Post:
    """An organiser changes the event; more seats move the waiting list up."""
    event = await _require(editor, post)
    author = await Actor.get(id=post.author_id)
    html, tags, _ = await render_status_text(ctx, StatusInput(text=data.description or data.title))
    post.name, post.content, post.source, post.tags = data.title, html, data.description or data.title, tags
    post.edited_at = datetime.now(timezone.utc)
    async with in_transaction():
        await post.save(update_fields=["name", "content", "source", "tags", "edited_at"])
        await Event.filter(id=event.id).update(**data.fields())
        event = await Event.get(id=event.id)
        await promote(ctx, post, event)
        await publish_update(ctx, post, author)
        await notifications.event_changed(post, editor)  # the people registered, and the reminder's time
    ctx.wake()
    return post


async def cancel_event(ctx: "FederationContext", editor: Actor, post: Post, reason: str = "") -> Event:
    """Status CANCELLED, with the organisers' reason; registration closes and the Update tells everyone."""
    event = await _require(editor, post)
    author = await Actor.get(id=post.author_id)
    async with in_transaction():
        await Event.filter(id=event.id).update(status=CANCELLED, cancel_reason=reason.strip()[:MAX_REASON] or None)
        await publish_update(ctx, post, author)
        await notifications.event_cancelled(post, editor, reason.strip()[:MAX_REASON])
    ctx.wake()
    return await Event.get(id=event.id)


async def reinstate_event(ctx: "FederationContext", editor: Actor, post: Post) -> Event:
    event = await _require(editor, post)
    author = await Actor.get(id=post.author_id)
    async with in_transaction():
        await Event.filter(id=event.id).update(status=CONFIRMED, cancel_reason=None)
        await publish_update(ctx, post, author)
    ctx.wake()
    return await Event.get(id=event.id)


# --- Update{Event} -------------------------------------------------------------------------------------


async def publish_update(ctx: "FederationContext", post: Post, author: Actor) -> dict[str, Any] | None:
    """Update{Event} from the author to the post's audience (as an edit goes), its group's relay, and the
    servers of remote participants. A post still held for a group's moderators has not gone out: nothing."""
    if post.deleted_at is not None or (post.audience_group_id is not None and post.group_id is None):
        return None
    group = await Actor.filter(id=post.group_id).first() if post.group_id else None
    doc = await post_document(post, author.uri, audience=group.uri if group else None)
    activity = render.activity(ctx.urls.new_activity(), "Update", author.uri, doc, to=post.to, cc=post.cc,
                               audience=group.uri if group else None)
    activity["@context"] = EVENT_CONTEXT
    # Each participant's server once: its shared inbox when it has one (a thousand participants on one server
    # are one delivery), as for followers.
    rows = await EventParticipant.filter(event__post_id=post.id, state__in=ACTIVE, actor__is_local=False
                                         ).values_list("actor__shared_inbox", "actor__inbox")
    inboxes = list(dict.fromkeys(shared or personal for shared, personal in rows))
    if group is not None and not group.is_local:
        inboxes.append(group.inbox)
    relayed = group is not None and group.is_local
    public = post.visibility in ("public", "unlisted")
    await publish(author, activity, to_followers=public or (post.visibility == "private" and group is None),
                  inboxes=inboxes, public=public, followers_of=[group] if relayed and group is not None else [])
    if relayed and group is not None:
        await relay.announce(ctx, group, activity)
    return activity


async def send_counts(ctx: "FederationContext", job: ScheduledJob, now: datetime) -> None:
    """The scheduled job "event.counts": one Update{Event} with the counts as they are now."""
    event = await Event.filter(id=int(job.payload.get("event_id") or 0)).first()
    if event is None:
        return
    post = await Post.filter(id=event.post_id, is_local=True, deleted_at=None).first()
    if post is None:
        return
    author = await Actor.get(id=post.author_id)
    async with in_transaction():
        await publish_update(ctx, post, author)
    ctx.wake()
