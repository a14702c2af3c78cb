"""Events (Mobilizon's Event): when and where, capacity and registration, and who takes part."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import URL_LENGTH, Actor
from models.posts import Post

# Registration modes, as Mobilizon's joinMode names them.
JOIN_FREE = "free"  # open: a seat is given at once while there is one
JOIN_RESTRICTED = "restricted"  # the organisers approve each registration
JOIN_INVITE = "invite"  # only people the organisers invited
JOIN_MODES = (JOIN_FREE, JOIN_RESTRICTED, JOIN_INVITE)

# ical:status values.
CONFIRMED = "CONFIRMED"
TENTATIVE = "TENTATIVE"
CANCELLED = "CANCELLED"

# Participation states.
PARTICIPANT = "participant"  # has a seat
PENDING = "pending"  # waiting for the organisers' approval
WAITLISTED = "waitlisted"  # the event is full: waits, in order, for a seat
INVITED = "invited"  # invited by the organisers, not yet registered
REJECTED = "rejected"
LEFT = "left"
# A local person's registration for a remote event, before the organiser's Accept or Reject.
REQUESTED = "requested"
HOLDS_SEAT = (PARTICIPANT,)


class Event(Model):
    """The event of an Event post, local or remote."""

    id = fields.BigIntField(primary_key=True)
    post: fields.OneToOneRelation[Post] = fields.OneToOneField(
        "models.Post", related_name="event", on_delete=fields.CASCADE
    )
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField(null=True)
    time_zone = fields.CharField(max_length=64, default="UTC")  # IANA name
    place_name = fields.TextField(null=True)
    place_address = fields.TextField(null=True)  # one line, as people write it
    online_url = fields.CharField(max_length=URL_LENGTH, null=True)
    capacity = fields.IntField(null=True)  # null: no limit
    join_mode = fields.CharField(max_length=16, default=JOIN_FREE)
    status = fields.CharField(max_length=16, default=CONFIRMED)
    cancel_reason = fields.TextField(null=True)
    # Remote events: the counts their organiser publishes.
    participant_count = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "event"
        indexes = (("starts_at",),)


class EventParticipant(Model):
    """One person's registration for an event: the waiting list moves up in `queued_at` order."""

    id = fields.BigIntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="participants", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="event_participations", on_delete=fields.CASCADE
    )
    state = fields.CharField(max_length=16)
    # The Join activity (theirs for remote people, ours for local ones): Accept, Reject and Leave refer to it.
    join_uri = fields.CharField(max_length=URL_LENGTH, null=True, db_index=True)
    message = fields.TextField(null=True)  # what the person wrote when registering
    reason = fields.TextField(null=True)  # the organisers' reason for a rejection
    queued_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "event_participant"
        unique_together = (("event", "actor"),)
        indexes = (("event_id", "state", "queued_at"),)
