"""Follow relationships. A follow counts only once it is accepted."""
from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.actors import URL_LENGTH, Actor

PENDING = "pending"
ACCEPTED = "accepted"


class Follow(Model):
    id = fields.BigIntField(primary_key=True)
    follower: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="following_rel", on_delete=fields.CASCADE
    )
    target: fields.ForeignKeyRelation[Actor] = fields.ForeignKeyField(
        "models.Actor", related_name="followers_rel", on_delete=fields.CASCADE
    )
    state = fields.CharField(max_length=16, default=PENDING)
    # The id of the Follow activity, so Accept/Reject/Undo can name it.
    activity_uri = fields.CharField(max_length=URL_LENGTH, null=True, db_index=True)
    # "Follow", or "Join" (Mobilizon): answers name the same type.
    activity_type = fields.CharField(max_length=16, default="Follow", db_default="Follow")
    created_at = fields.DatetimeField(auto_now_add=True)
    accepted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "follow"
        unique_together = (("follower", "target"),)
        indexes = (("target_id", "state"),)
