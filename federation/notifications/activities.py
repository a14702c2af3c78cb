"""Notifications from the activities: polls that ended, and events people registered for (changes,
cancellation, and the reminder the day before, an "event.reminder" job)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from federation.notifications import kinds as k
from federation.notifications.core import notify_many
from federation.schedule import schedule, unschedule
from models.actors import Actor
from models.events import CANCELLED, PARTICIPANT, PENDING, WAITLISTED, Event, EventParticipant
from models.polls import Poll, PollVote
from models.posts import Post
from models.queues import ScheduledJob

if TYPE_CHECKING:
    from federation.context import FederationContext

REMINDER_JOB = "event.reminder"
REMINDER_BEFORE = timedelta(days=1)
REGISTERED = (PARTICIPANT, PENDING, WAITLISTED)


def reminder_key(event_id: int) -> str:
    return f"event-reminder:{event_id}"


async def poll_ended(poll: Poll) -> None:
    """The poll's author and its local voters (each once)."""
    post = await Post.get(id=poll.post_id)
    voter_ids = set(await PollVote.filter(poll_id=poll.id).values_list("voter_id", flat=True))
    people = await Actor.filter(id__in=[*voter_ids, post.author_id], is_local=True)
    await notify_many(people, k.POLL, dedupe_key=f"poll:{poll.id}", post=post, extra={"poll_id": poll.id})


async def _registered(event: Event) -> list[Actor]:
    ids = await EventParticipant.filter(event_id=event.id, state__in=REGISTERED).values_list("actor_id", flat=True)
    return await Actor.filter(id__in=list(ids), is_local=True) if ids else []


async def event_changed(post: Post, editor: Actor | None = None) -> None:
    """An organiser changed the event: the people registered for it (not the one who changed it)."""
    event = await Event.filter(post_id=post.id).first()
    if event is None:
        return
    stamp = (post.edited_at or datetime.now(timezone.utc)).isoformat()
    await notify_many(await _registered(event), k.EVENT_CHANGED, dedupe_key=f"event-changed:{post.id}:{stamp}",
                      post=post, from_actor=editor, extra={"title": post.name or ""})
    await schedule_reminder(event)


async def event_cancelled(post: Post, editor: Actor | None = None, reason: str = "") -> None:
    event = await Event.filter(post_id=post.id).first()
    if event is None:
        return
    await notify_many(await _registered(event), k.EVENT_CANCELLED,
                      dedupe_key=f"event-cancelled:{post.id}:{event.updated_at.isoformat()}", post=post,
                      from_actor=editor, extra={"title": post.name or "", "reason": reason})
    await unschedule(reminder_key(event.id))


async def schedule_reminder(event: Event) -> None:
    """The reminder job a day before the start (none when that moment has passed, or the event is cancelled)."""
    due = event.starts_at - REMINDER_BEFORE
    if event.status == CANCELLED or due <= datetime.now(timezone.utc):
        await unschedule(reminder_key(event.id))
        return
    await schedule(REMINDER_JOB, reminder_key(event.id), due, {"event_id": event.id}, keep_earlier=False)


async def send_reminders(ctx: "FederationContext", job: ScheduledJob, now: datetime) -> None:
    """The "event.reminder" job: each registered local person, once per start time."""
    event_id = job.payload.get("event_id")
    event = await Event.filter(id=event_id).first() if isinstance(event_id, int) else None
    if event is None or event.status == CANCELLED or event.starts_at <= now:
        return
    if event.starts_at - REMINDER_BEFORE > now:  # the start moved later
        await schedule(REMINDER_JOB, reminder_key(event.id), event.starts_at - REMINDER_BEFORE,
                       {"event_id": event.id}, keep_earlier=False)
        return
    post = await Post.get(id=event.post_id)
    if post.deleted_at is not None:
        return
    await notify_many(await _registered(event), k.EVENT_REMINDER,
                      dedupe_key=f"event-reminder:{event.id}:{event.starts_at.isoformat()}", post=post,
                      extra={"title": post.name or "", "starts_at": event.starts_at.isoformat()})
    ctx.wake()
