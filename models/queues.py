"""Durable work queues: the database is the queue.

Every queue row carries its state, attempts, next_attempt_at, last_error and a lock deadline
(locked_until) that expires, so a crashed worker's row is taken up again.
"""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import URL_LENGTH, Actor

# Queue row states.
PENDING = "pending"
DONE = "done"
FAILED = "failed"  # gave up after the last retry; kept for inspection
# A finished inbox item's body once housekeeping emptied it (federation/delivery_stats/prune.py); the row stays
# for duplicate detection. Never mutate it: it is the value written and compared.
COMPACTED_ACTIVITY: dict = {}


class QueueRow(Model):
    state = fields.CharField(max_length=16, default=PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    locked_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        abstract = True


class InboxItem(QueueRow):
    """An authenticated incoming activity, stored before the 202 and processed by a worker."""

    id = fields.BigIntField(primary_key=True)
    activity_id = fields.CharField(max_length=URL_LENGTH, unique=True)  # dedupe key
    actor_uri = fields.CharField(max_length=URL_LENGTH)
    # The local actor whose inbox received it, or null for the shared inbox.
    recipient_uri = fields.CharField(max_length=URL_LENGTH, null=True)
    # The activity; COMPACTED_ACTIVITY once finished and older than the queue retention.
    activity = fields.JSONField()
    # What processing did: applied, held (for review), rejected (by a rule or policy), or ignored.
    outcome = fields.CharField(max_length=16, null=True)

    class Meta:
        table = "inbox_item"
        indexes = (("state", "next_attempt_at"),)


class OutboundActivity(Model):
    """An activity a local actor sent. Deliveries point here so the body is stored once."""

    id = fields.BigIntField(primary_key=True)
    uri = fields.CharField(max_length=URL_LENGTH, unique=True)
    actor: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="outbound", on_delete=fields.CASCADE
    )
    type = fields.CharField(max_length=32)
    payload = fields.JSONField()
    # Public activities are listed in the actor's outbox collection.
    public = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "outbound_activity"
        indexes = (("actor_id", "public", "id"),)


class FanOut(QueueRow):
    """A promise to deliver one activity to an audience. A worker expands it into Delivery rows.

    audience: {"followers_of": [<actor id>, ...] (older rows: one id or null), "inboxes": [...]} resolved
    at expansion time, so a crash between the post and the expansion loses nothing.
    """

    id = fields.BigIntField(primary_key=True)
    activity: fields.ForeignKeyRelation[OutboundActivity] = fields.ForeignKeyField(
        "models.OutboundActivity", related_name="fanouts", on_delete=fields.CASCADE
    )
    audience = fields.JSONField()

    class Meta:
        table = "fan_out"
        indexes = (("state", "next_attempt_at"),)


class Delivery(QueueRow):
    """One signed POST of one activity to one inbox."""

    id = fields.BigIntField(primary_key=True)
    activity: fields.ForeignKeyRelation[OutboundActivity] = fields.ForeignKeyField(
        "models.OutboundActivity", related_name="deliveries", on_delete=fields.CASCADE
    )
    inbox_url = fields.CharField(max_length=URL_LENGTH)
    host = fields.CharField(max_length=255, db_index=True)
    last_status = fields.IntField(null=True)
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "delivery"
        # created_at, host, state: instance insights count a day's deliveries per host and state from the
        # index alone (federation/delivery_stats/).
        indexes = (("state", "next_attempt_at"), ("created_at", "host", "state"))


class HostBackoff(Model):
    """One shared backoff per failing remote host, so 1,000 rows do not each hammer a dead server."""

    id = fields.BigIntField(primary_key=True)
    host = fields.CharField(max_length=255, unique=True)
    failures = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    last_error = fields.TextField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "host_backoff"


class ScheduledJob(QueueRow):
    """Work due at a time: a poll's batched results and its closing, a check-in day's thread, a draw's reveal.

    `key` names the job ("poll-results:12"): at most one row per key, so scheduling twice before the job
    runs keeps one job (federation/schedule.py). next_attempt_at is when it is due.
    """

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=64)
    key = fields.CharField(max_length=255, unique=True)
    payload = fields.JSONField(default=dict)

    class Meta:
        table = "scheduled_job"
        indexes = (("state", "next_attempt_at"),)
