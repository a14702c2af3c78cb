"""Promotions: a page shows one of its public posts in the "From pages" slot for a while, counted, never tracked."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

REQUESTED = "requested"
APPROVED = "approved"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
# An approved promotion is scheduled, running or ended by the clock: those three are shown, never stored.
SCHEDULED = "scheduled"
RUNNING = "running"
ENDED = "ended"
STORED_STATES = (REQUESTED, APPROVED, REJECTED, WITHDRAWN)
MIN_DAYS = 1
MAX_DAYS = 30


class Promotion(Model):
    """A page's request to show one of its public posts in the From pages slot for a number of days.
    Only counters are kept (renders, clicks): never who saw or clicked."""

    id = fields.BigIntField(primary_key=True)
    page: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Actor", related_name="promotions", on_delete=fields.CASCADE
    )
    post: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Post", related_name="promotions", on_delete=fields.CASCADE
    )
    requested_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Actor", related_name="promotion_requests", null=True, on_delete=fields.SET_NULL
    )
    days = fields.IntField()
    # The first day the page asked for (null: as soon as it is approved).
    wanted_start = fields.DatetimeField(null=True)
    # The period, set when the promotion is approved (a withdrawal ends it early).
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)
    state = fields.CharField(max_length=16, default=REQUESTED, db_index=True)
    decided_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Actor", related_name="promotion_decisions", null=True, on_delete=fields.SET_NULL
    )
    decided_at = fields.DatetimeField(null=True)
    reason = fields.TextField(default="")
    impressions = fields.BigIntField(default=0)
    clicks = fields.BigIntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "promotion"
        indexes = (("state", "starts_at", "ends_at"), ("page_id", "created_at"))


class PromotionViewDay(Model):
    """How many promotions one local account was shown on one day (UTC), for the daily cap.
    No post, page or time is kept, and rows older than a few days are purged."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Actor", related_name="promotion_view_days", on_delete=fields.CASCADE
    )
    day = fields.DateField(db_index=True)
    shown = fields.IntField(default=0)

    class Meta:
        table = "promotion_view_day"
        unique_together = (("account", "day"),)
