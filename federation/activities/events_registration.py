"""Registration for our own events: register, leave, the organisers' approval and invitations, and the waiting list.

People on this server register with one button; people elsewhere send `Join{Event}` (Mobilizon's shape, with an
optional `participationMessage`), answered `Accept{Join}` when they get a seat, or `Reject{Join}`. The answer
embeds their Join with its id, which is how Mobilizon finds the participation (transmogrifier.ex,
get_participant), and comes from the event's author, the one Mobilizon lets accept (can_manage_event?).

- open ("free"): a seat at once while there is one, else the waiting list;
- approval ("restricted"): pending until an organiser approves (a seat, or the waiting list when full) or rejects;
- invitation only ("invite"): only people an organiser invited may register, the others get a Reject.
The waiting list moves up in order (`queued_at`, then id) whenever a seat frees: the one who moves up gets an
Accept. Every change schedules one batched Update{Event} with the new counts (events_manage.send_counts).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from federation import notifications, render
from federation.actions.statuses import ActionError
from federation.activities.events import (
    COUNTS_JOB, COUNTS_WINDOW, EVENT_CONTEXT, JOIN_EXTERNAL, is_over, may_organise, seat_free,
)
from federation.audience import may_see_post, viewer_of
from federation.groups.access import active_ban
from federation.outbox import publish
from federation.schedule import schedule
from models.actors import Actor
from models.events import (
    CANCELLED, HOLDS_SEAT, INVITED, JOIN_INVITE, JOIN_RESTRICTED, LEFT, PARTICIPANT, PENDING, REJECTED, WAITLISTED,
    Event, EventParticipant,
)
from models.posts import Post

if TYPE_CHECKING:
    from federation.context import FederationContext

MAX_MESSAGE = 1000
MAX_REASON = 1000
# Registered: these states count as taking part (or waiting to).
ACTIVE = (PARTICIPANT, PENDING, WAITLISTED)


class RegistrationError(ActionError):
    """A registration is refused; `key` names why (events.REGISTRATION_CLOSED and a few more)."""

    def __init__(self, key: str, message: str, status: int = 409) -> None:
        super().__init__(message, status)
        self.key = key


def _now() -> datetime:
    return datetime.now(timezone.utc)


def join_object(participant: EventParticipant, actor: Actor, post: Post) -> dict[str, Any]:
    """The Join an answer names: the person's own (its id is how their server finds the registration)."""
    doc: dict[str, Any] = {"id": participant.join_uri, "type": "Join", "actor": actor.uri, "object": post.uri}
    if participant.message:
        doc["participationMessage"] = participant.message
    return doc


async def _answer(ctx: "FederationContext", post: Post, participant: EventParticipant, actor: Actor, kind: str,
                  reason: str | None = None) -> None:
    """Accept or Reject of a remote person's Join, from the event's author, to that person only."""
    if actor.is_local or not participant.join_uri:
        return
    author = await Actor.get(id=post.author_id)
    activity = render.activity(ctx.urls.new_activity(), kind, author.uri, join_object(participant, actor, post),
                               to=[actor.uri], summary=reason or None)
    activity["@context"] = EVENT_CONTEXT
    await publish(author, activity, to_followers=False, inboxes=[actor.inbox])


async def schedule_counts(event: Event) -> None:
    """One Update{Event} with the new counts a little later, however many registrations come meanwhile."""
    await schedule(COUNTS_JOB, f"event-counts:{event.id}", _now() + COUNTS_WINDOW, {"event_id": event.id},
                   keep_earlier=True)
    await notifications.schedule_reminder(event)  # the reminder the day before, for those registered


async def _locked(event: Event) -> Event:
    """The event row, locked for the rest of the transaction (PostgreSQL), so two registrations cannot both take
    the last seat; SQLite has one writer at a time anyway."""
    return await Event.filter(id=event.id).select_for_update().first() or event


async def _row(event: Event, actor: Actor) -> EventParticipant | None:
    return await EventParticipant.filter(event_id=event.id, actor_id=actor.id).first()


async def _set(row: EventParticipant | None, event: Event, actor: Actor, state: str, **fields: Any) -> EventParticipant:
    if row is None:
        return await EventParticipant.create(event=event, actor=actor, state=state, **{"queued_at": _now(), **fields})
    for name, value in {"state": state, **fields}.items():
        setattr(row, name, value)
    await row.save()
    return row


async def _refusal(post: Post, event: Event, actor: Actor, row: EventParticipant | None) -> RegistrationError | None:
    if event.status == CANCELLED:
        return RegistrationError("cancelled", "this event was cancelled")
    if is_over(event):
        return RegistrationError("over", "this event is over")
    if event.join_mode == JOIN_EXTERNAL:
        return RegistrationError("external", "registration for this event happens on another site", 422)
    group_id = post.group_id or post.audience_group_id
    group = await Actor.filter(id=group_id).first() if group_id else None
    if group is not None and await active_ban(group, actor) is not None:
        return RegistrationError("banned", "you are banned from this event's group", 403)
    if row is not None and row.state == REJECTED:
        return RegistrationError("rejected", "the organisers declined your registration", 403)
    if event.join_mode == JOIN_INVITE and (row is None or row.state != INVITED):
        return RegistrationError("invite", "only people the organisers invited can register", 403)
    return None


async def register(ctx: "FederationContext", post: Post, event: Event, actor: Actor, *, join_uri: str | None = None,
                   message: str | None = None) -> EventParticipant | None:
    """Register `actor` (local, or remote with the id of their Join). Local people get RegistrationError when
    refused; remote people get a Reject{Join} (and None is returned). The caller checked that the person may
    see the event (federation/audience.py)."""
    message = (message or "").strip()[:MAX_MESSAGE] or None
    async with in_transaction():
        event = await _locked(event)
        row = await _row(event, actor)
        refused = await _refusal(post, event, actor, row)
        if refused is not None:
            if actor.is_local:
                raise refused
            scratch = EventParticipant(event=event, actor=actor, state=REJECTED, join_uri=join_uri, message=message)
            await _answer(ctx, post, scratch, actor, "Reject", str(refused))
            if row is not None and join_uri:
                await EventParticipant.filter(id=row.id).update(join_uri=join_uri)
            result = None
        elif row is not None and row.state in ACTIVE:
            # Already registered: a repeated Join (their server lost our answer) gets the answer again.
            if join_uri and join_uri != row.join_uri:
                row = await _set(row, event, actor, row.state, join_uri=join_uri)
            if row.state == PARTICIPANT:
                await _answer(ctx, post, row, actor, "Accept")
            result = row
        else:
            invited = row is not None and row.state == INVITED
            if event.join_mode == JOIN_RESTRICTED and not invited:
                state = PENDING
            else:
                state = PARTICIPANT if await seat_free(event) else WAITLISTED
            result = await _set(row, event, actor, state, join_uri=join_uri, message=message, reason=None,
                                queued_at=_now())
            if state == PARTICIPANT:
                await _answer(ctx, post, result, actor, "Accept")
            await schedule_counts(event)
    ctx.wake()
    return result


async def promote(ctx: "FederationContext", post: Post, event: Event) -> list[EventParticipant]:
    """Fill free seats from the waiting list, in order; each one who moves up gets an Accept. Call in a
    transaction."""
    moved: list[EventParticipant] = []
    while await seat_free(event):
        row = await EventParticipant.filter(event_id=event.id, state=WAITLISTED).order_by("queued_at", "id") \
            .prefetch_related("actor").first()
        if row is None:
            break
        row.state = PARTICIPANT
        await row.save(update_fields=["state", "updated_at"])
        await _answer(ctx, post, row, row.actor, "Accept")
        moved.append(row)
    return moved


async def leave(ctx: "FederationContext", post: Post, event: Event, actor: Actor) -> bool:
    """`actor` leaves (or declines an invitation); a freed seat goes to the first on the waiting list."""
    async with in_transaction():
        event = await _locked(event)
        row = await _row(event, actor)
        if row is None or row.state not in (*ACTIVE, INVITED):
            return False
        had_seat = row.state in HOLDS_SEAT
        await _set(row, event, actor, LEFT)
        if had_seat:
            await promote(ctx, post, event)
        await schedule_counts(event)
    ctx.wake()
    return True


async def _require_organiser(actor: Actor, post: Post) -> None:
    if not await may_organise(actor, post):
        raise ActionError("only the organisers can do that", status=403)


async def decide(ctx: "FederationContext", organiser: Actor, post: Post, event: Event, person: Actor, approve: bool,
                 reason: str = "") -> EventParticipant:
    """An organiser approves a pending registration (a seat, or the waiting list when full) or rejects one
    (a pending, waiting or confirmed registration; a freed seat moves the waiting list up)."""
    await _require_organiser(organiser, post)
    reason = reason.strip()[:MAX_REASON]
    async with in_transaction():
        event = await _locked(event)
        row = await _row(event, person)
        if approve:
            if row is None or row.state not in (PENDING, REJECTED):
                raise ActionError("there is no registration waiting for approval", status=404)
            state = PARTICIPANT if await seat_free(event) else WAITLISTED
            row = await _set(row, event, person, state, reason=None, queued_at=_now())
            if state == PARTICIPANT:
                await _answer(ctx, post, row, person, "Accept")
        else:
            if row is None or row.state not in (*ACTIVE, INVITED):
                raise ActionError("there is no registration to reject", status=404)
            had_seat = row.state in HOLDS_SEAT
            row = await _set(row, event, person, REJECTED, reason=reason or None)
            await _answer(ctx, post, row, person, "Reject", reason)
            if had_seat:
                await promote(ctx, post, event)
        await schedule_counts(event)
    ctx.wake()
    return row


async def invite(ctx: "FederationContext", organiser: Actor, post: Post, event: Event, person: Actor) -> EventParticipant:
    """An organiser invites someone who may see the event. An invited person registers without approval; in
    invitation-only mode only they can. A pending request is approved by the invitation."""
    await _require_organiser(organiser, post)
    if person.type not in ("Person", "Service") or person.deleted_at is not None:
        raise ActionError("only people can be invited", status=422)
    if not await may_see_post(post, viewer_of(person)):
        raise ActionError("this person cannot see the event (a private group's event is for its members)", 422)
    row = await _row(event, person)
    if row is not None and row.state == PENDING:
        return await decide(ctx, organiser, post, event, person, approve=True)
    if row is not None and row.state in (PARTICIPANT, WAITLISTED, INVITED):
        return row
    async with in_transaction():
        row = await _set(row, event, person, INVITED, reason=None, queued_at=_now())
        await schedule_counts(event)
    ctx.wake()
    return row
