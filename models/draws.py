"""Auditable draws: a committed seed, who was eligible, and the winners anyone can recompute."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import Actor
from models.posts import Post

OPEN = "open"
DRAWN = "drawn"
CANCELLED = "cancelled"

# Who may win.
ELIGIBLE_REPLIED_OR_LIKED = "engaged"  # replied to or liked the draw post
ELIGIBLE_ATTENDEES = "attendees"  # registered attendees of an event
ELIGIBLE_CHECKINS = "checkins"  # at least N check-ins of a series in a period
ELIGIBILITY = (ELIGIBLE_REPLIED_OR_LIKED, ELIGIBLE_ATTENDEES, ELIGIBLE_CHECKINS)


class Draw(Model):
    """A draw in a group (run by its moderators) or on a page (run by its admins)."""

    id = fields.BigIntField(primary_key=True)
    # The group or page that holds the draw.
    host: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="draws", on_delete=fields.CASCADE
    )
    created_by: fields.ForeignKeyNullableRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="draws_created", null=True, on_delete=fields.SET_NULL
    )
    # The post that announces the draw (with the commitment); the result is posted as a reply to it.
    post: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="draws", null=True, on_delete=fields.SET_NULL
    )
    result_post: fields.ForeignKeyNullableRelation[Post] = fields.ForeignKeyField(
        "models.Post", related_name="draw_results", null=True, on_delete=fields.SET_NULL
    )
    prize = fields.TextField()
    winners_count = fields.IntField(default=1)
    deadline = fields.DatetimeField()
    eligibility = fields.CharField(max_length=16, default=ELIGIBLE_REPLIED_OR_LIKED)
    # Parameters of the eligibility rule: {"event_id": 3} or {"series_id": 2, "min_checkins": 5, "since": "...", "until": "..."}
    eligibility_params = fields.JSONField(default=dict)
    seed_hex = fields.CharField(max_length=64)  # secret until the draw is made
    commitment = fields.CharField(max_length=64)  # SHA-256 of the seed, published at creation
    state = fields.CharField(max_length=16, default=OPEN)
    # At the draw: the sorted eligible actor ids (URIs) and the winners, in the order drawn.
    eligible = fields.JSONField(default=list)
    winners = fields.JSONField(default=list)
    drawn_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    cancel_reason = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "draw"
